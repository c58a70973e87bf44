#pragma once

#include <array>
#include <mutex>
#include <string>
#include <unordered_map>

#include "cache/rate_limiter.hpp"
#include "core/clock.hpp"

namespace shop::cache {

// Fixed windows in sharded hash maps. Expired windows are swept as a shard grows, and a shard
// never holds more than max_keys_per_shard keys (the oldest windows go first), so a flood of
// spoofed keys cannot exhaust memory.
class InProcessRateLimiter final : public RateLimiter {
 public:
  explicit InProcessRateLimiter(const Clock& clock, std::size_t max_keys_per_shard = 16384)
      : clock_(clock), max_keys_(max_keys_per_shard) {}

  RateDecision hit(std::string_view key, std::uint32_t limit, std::chrono::seconds window) override;
  RateDecision peek(std::string_view key, std::uint32_t limit,
                    std::chrono::seconds window) override;
  void refund(std::string_view key) override;

  std::size_t size() const;

 private:
  struct Window {
    std::chrono::steady_clock::time_point ends;
    std::uint32_t count = 0;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, Window, Hash, std::equal_to<>> windows;
    std::size_t next_sweep = 1024;
  };
  void sweep(Shard& shard, std::chrono::steady_clock::time_point now);

  const Clock& clock_;
  std::size_t max_keys_;
  std::array<Shard, 16> shards_;
};

}  // namespace shop::cache
