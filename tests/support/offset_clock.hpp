#pragma once

#include <atomic>
#include <chrono>

#include "core/clock.hpp"

namespace shop::test {

// The system clock moved by `offset`, which a test may change at any time (token expiry, key
// lifetimes, lease expiry).
class OffsetClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::now() + offset.load();
  }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::now() + offset.load();
  }
  std::atomic<std::chrono::milliseconds> offset{std::chrono::milliseconds(0)};
};

}  // namespace shop::test
