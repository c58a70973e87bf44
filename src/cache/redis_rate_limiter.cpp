#include "cache/redis_rate_limiter.hpp"

#include <algorithm>

namespace shop::cache {
namespace {

// KEYS[1] window key; ARGV: window in ms. Returns {count, ms until the window ends}.
constexpr std::string_view kHitScript =
    "local c = redis.call('INCR', KEYS[1])\n"
    "local t = redis.call('PTTL', KEYS[1])\n"
    "if t < 0 then\n"
    "  redis.call('PEXPIRE', KEYS[1], ARGV[1])\n"
    "  t = tonumber(ARGV[1])\n"
    "end\n"
    "return {c, t}\n";

// KEYS[1] window key. Returns {count, ms until the window ends} without counting.
constexpr std::string_view kPeekScript =
    "local c = tonumber(redis.call('GET', KEYS[1]) or '0')\n"
    "return {c, redis.call('PTTL', KEYS[1])}\n";

// KEYS[1] window key. Takes one hit back (never below zero, keeping the window's end).
constexpr std::string_view kRefundScript =
    "local c = tonumber(redis.call('GET', KEYS[1]) or '0')\n"
    "if c > 0 then redis.call('DECR', KEYS[1]) end\n"
    "return 0\n";

struct Window {
  long long count = 0;
  long long ms_left = 0;  // < 0: no window
};

Window parse_window(const RedisReply& reply) {
  if (reply.type != RedisReply::Type::array || reply.elements.size() != 2 ||
      reply.elements[0].type != RedisReply::Type::integer ||
      reply.elements[1].type != RedisReply::Type::integer)
    throw RedisError("Redis: unexpected answer to a rate limit script");
  return {reply.elements[0].integer, reply.elements[1].integer};
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
    std::string full = prefix_ + "rl:" + std::string(key);
    std::string ms = std::to_string(std::max<long long>(1, window.count()) * 1000);
    w = parse_window(client_.eval(kHitScript, {full}, {ms}));
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
    w = parse_window(client_.eval(kPeekScript, {full}, {}));
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
