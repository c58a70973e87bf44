#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "core/clock.hpp"

namespace shop::test {

// The one clock tests inject (token expiry, key lifetimes, rate-limit windows, leases). By
// default it stands still, at kWallStart and kSteadyStart, and moves only when the test calls
// advance(). Made with Start::system it runs with the system clock, moved by the same offset:
// for a whole server, whose own timers must go on. Thread-safe.
class FakeClock final : public Clock {
 public:
  enum class Start { fixed, system };
  static constexpr std::chrono::system_clock::time_point kWallStart{
      std::chrono::seconds(1'800'000'000)};  // 2027-01-15
  static constexpr std::chrono::steady_clock::time_point kSteadyStart{std::chrono::hours(1)};

  explicit FakeClock(Start start = Start::fixed) : follows_system_(start == Start::system) {}

  std::chrono::system_clock::time_point now() const override {
    auto base = follows_system_ ? std::chrono::system_clock::now() : kWallStart;
    return base + std::chrono::duration_cast<std::chrono::system_clock::duration>(offset());
  }
  std::chrono::steady_clock::time_point steady_now() const override {
    auto base = follows_system_ ? std::chrono::steady_clock::now() : kSteadyStart;
    return base + std::chrono::duration_cast<std::chrono::steady_clock::duration>(offset());
  }

  // Moves both times forward by d.
  void advance(std::chrono::nanoseconds d) { offset_ns_ += d.count(); }
  // Sets how far both times are from where they started.
  void set_offset(std::chrono::nanoseconds d) { offset_ns_ = d.count(); }
  std::chrono::nanoseconds offset() const { return std::chrono::nanoseconds(offset_ns_.load()); }

 private:
  bool follows_system_;
  std::atomic<std::int64_t> offset_ns_{0};
};

}  // namespace shop::test
