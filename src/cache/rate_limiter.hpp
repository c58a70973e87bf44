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
};

}  // namespace shop::cache
