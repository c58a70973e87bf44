#include "cache/redis_rate_limiter.hpp"

#include <algorithm>
#include <charconv>

namespace shop::cache {
namespace {

// KEYS[1] window key. Takes one hit back (never below zero, keeping the window's end).
constexpr std::string_view kRefundScript =
    "local c = tonumber(redis.call('GET', KEYS[1]) or '0')\n"
    "if c > 0 then redis.call('DECR', KEYS[1]) end\n"
    "return 0\n";

struct Window {
  long long count = 0;
  long long ms_left = 0;  // < 0: no window
};

long long integer_of(const RedisReply& reply) {
  if (reply.type == RedisReply::Type::integer) return reply.integer;
  if (reply.is_nil()) return 0;
  long long value = 0;
  const char* end = reply.str.data() + reply.str.size();
  auto [ptr, ec] = std::from_chars(reply.str.data(), end, value);
  if (reply.type != RedisReply::Type::string || ec != std::errc() || ptr != end)
    throw RedisError("Redis: a rate limit key holds something that is not a number");
  return value;
}

std::chrono::seconds seconds_left(long long ms) {
  return std::max(std::chrono::seconds((ms + 999) / 1000), std::chrono::seconds(1));
}

}  // namespace

RateDecision RedisRateLimiter::hit(std::string_view key, std::uint32_t limit,
                                   std::chrono::seconds window) {
  if (!client_.available()) return fallback_.hit(key, limit, window);
  Window w;
  try {
    // One round trip of plain commands: the window starts (with its expiry) if there is none,
    // then counts. If it expired between the two, INCR made a key without expiry: set it.
    std::string full = prefix_ + "rl:" + std::string(key);
    std::string ms = std::to_string(std::max<long long>(1, window.count()) * 1000);
    auto replies =
        client_.pipeline({{"SET", full, "0", "PX", ms, "NX"}, {"INCR", full}, {"PTTL", full}});
    w = {integer_of(replies[1]), integer_of(replies[2])};
    if (w.ms_left < 0) {
      client_.command({"PEXPIRE", full, ms});
      w.ms_left = std::max<long long>(1, window.count()) * 1000;
    }
  } catch (const RedisError&) {
    return fallback_.hit(key, limit, window);
  }
  RateDecision d;
  d.limit = limit;
  d.allowed = w.count <= static_cast<long long>(limit);
  d.remaining = d.allowed ? static_cast<std::uint32_t>(limit - w.count) : 0;
  d.reset = seconds_left(w.ms_left);
  return d;
}

RateDecision RedisRateLimiter::peek(std::string_view key, std::uint32_t limit,
                                    std::chrono::seconds window) {
  if (!client_.available()) return fallback_.peek(key, limit, window);
  Window w;
  try {
    std::string full = prefix_ + "rl:" + std::string(key);
    auto replies = client_.pipeline({{"GET", full}, {"PTTL", full}});
    w = {integer_of(replies[0]), integer_of(replies[1])};
  } catch (const RedisError&) {
    return fallback_.peek(key, limit, window);
  }
  RateDecision d;
  d.limit = limit;
  long long count = w.ms_left > 0 ? w.count : 0;
  d.allowed = count < static_cast<long long>(limit);
  d.remaining = d.allowed ? static_cast<std::uint32_t>(limit - count) : 0;
  d.reset = count == 0 ? window : seconds_left(w.ms_left);
  return d;
}

void RedisRateLimiter::refund(std::string_view key) {
  // The hit may have been counted by either; taking one back from both never counts too much.
  fallback_.refund(key);
  if (!client_.available()) return;
  try {
    std::string full = prefix_ + "rl:" + std::string(key);
    client_.eval(kRefundScript, {full}, {});
  } catch (const RedisError&) {
  }
}

}  // namespace shop::cache
