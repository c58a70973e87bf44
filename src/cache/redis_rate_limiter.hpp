#pragma once

#include <string>

#include "cache/rate_limiter.hpp"
#include "cache/redis_client.hpp"

namespace shop::cache {

// Fixed windows in Redis ("<prefix>rl:<key>", started with SET NX PX and counted with INCR), so
// every instance shares one budget per key. While Redis is unavailable each instance counts in its
// own `fallback` limiter instead: requests go on, with per-instance budgets.
class RedisRateLimiter final : public RateLimiter {
 public:
  RedisRateLimiter(RedisClient& client, std::string prefix, RateLimiter& fallback)
      : client_(client), prefix_(std::move(prefix)), fallback_(fallback) {}

  RateDecision hit(std::string_view key, std::uint32_t limit, std::chrono::seconds window) override;
  RateDecision peek(std::string_view key, std::uint32_t limit,
                    std::chrono::seconds window) override;
  void refund(std::string_view key) override;
  bool may_block() const override { return true; }

 private:
  RedisClient& client_;
  std::string prefix_;
  RateLimiter& fallback_;
};

}  // namespace shop::cache
