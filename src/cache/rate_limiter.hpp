#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

namespace shop::cache {

struct RateDecision {
  bool allowed = true;
  std::uint32_t limit = 0;
  std::uint32_t remaining = 0;
  std::chrono::seconds reset{0};  // until the window ends
};

// Counts hits per key in fixed windows. The in-process one serves one instance; a shared one
// (Redis) lets several instances share one budget.
class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Counts one hit for key and says whether it is within limit for the current window.
  virtual RateDecision hit(std::string_view key, std::uint32_t limit,
                           std::chrono::seconds window) = 0;
  // Says whether one more hit would be allowed, without counting one (e.g. failed logins are
  // counted only when they fail, but checked before every attempt).
  virtual RateDecision peek(std::string_view key, std::uint32_t limit,
                            std::chrono::seconds window) = 0;
  // Takes back one hit of the current window (a reserved attempt that turned out fine).
  virtual void refund(std::string_view key) = 0;
  // True when a call may wait on the network (then it must not run on an I/O thread).
  virtual bool may_block() const { return false; }
};

}  // namespace shop::cache
