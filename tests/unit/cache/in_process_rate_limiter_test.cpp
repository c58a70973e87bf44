#include "cache/in_process_rate_limiter.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "fake_clock.hpp"

namespace shop::cache {
namespace {

using namespace std::chrono_literals;

using test::FakeClock;

TEST(InProcessRateLimiter, AllowsUpToTheLimitThenRefuses) {
  FakeClock clock;
  InProcessRateLimiter limiter(clock);
  for (std::uint32_t i = 1; i <= 3; ++i) {
    auto d = limiter.hit("k", 3, 60s);
    EXPECT_TRUE(d.allowed);
    EXPECT_EQ(d.remaining, 3 - i);
    EXPECT_EQ(d.limit, 3u);
  }
  auto d = limiter.hit("k", 3, 60s);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.remaining, 0u);
  EXPECT_EQ(d.reset, 60s);
}

TEST(InProcessRateLimiter, KeysAreIndependent) {
  FakeClock clock;
  InProcessRateLimiter limiter(clock);
  EXPECT_TRUE(limiter.hit("a", 1, 60s).allowed);
  EXPECT_FALSE(limiter.hit("a", 1, 60s).allowed);
  EXPECT_TRUE(limiter.hit("b", 1, 60s).allowed);
}

TEST(InProcessRateLimiter, WindowEndsAndResetCountsDown) {
  FakeClock clock;
  InProcessRateLimiter limiter(clock);
  limiter.hit("k", 1, 60s);
  clock.advance(20s);
  auto d = limiter.hit("k", 1, 60s);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reset, 40s);
  clock.advance(40s);
  EXPECT_TRUE(limiter.hit("k", 1, 60s).allowed);
}

TEST(InProcessRateLimiter, MemoryStaysBoundedUnderAFloodOfKeys) {
  FakeClock clock;
  InProcessRateLimiter limiter(clock, 100);
  for (int i = 0; i < 100000; ++i)
    limiter.hit("ip-" + std::to_string(i), 10, 900s);
  EXPECT_LE(limiter.size(), 16u * 100u);
}

TEST(InProcessRateLimiter, ExpiredWindowsAreSwept) {
  FakeClock clock;
  InProcessRateLimiter limiter(clock);
  for (int i = 0; i < 5000; ++i)
    limiter.hit("old-" + std::to_string(i), 10, 1s);
  clock.advance(2s);
  for (int i = 0; i < 40000; ++i)
    limiter.hit("new-" + std::to_string(i), 10, 900s);
  EXPECT_LT(limiter.size(), 45000u);
}

TEST(InProcessRateLimiter, ConcurrentHitsAreCountedExactly) {
  FakeClock clock;
  InProcessRateLimiter limiter(clock);
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i)
        allowed += limiter.hit("shared", 1500, 60s).allowed ? 1 : 0;
    });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(allowed.load(), 1500);
}

}  // namespace
}  // namespace shop::cache

namespace shop::cache {
namespace {

TEST(InProcessRateLimiter, PeekDoesNotCount) {
  FakeClock clock;
  InProcessRateLimiter limiter(clock);
  EXPECT_TRUE(limiter.peek("k", 2, 60s).allowed);
  EXPECT_EQ(limiter.peek("k", 2, 60s).remaining, 2u);
  limiter.hit("k", 2, 60s);
  limiter.hit("k", 2, 60s);
  auto d = limiter.peek("k", 2, 60s);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reset, 60s);
  clock.advance(61s);
  EXPECT_TRUE(limiter.peek("k", 2, 60s).allowed);
}

TEST(InProcessRateLimiter, RefundGivesBackOneHit) {
  FakeClock clock;
  InProcessRateLimiter limiter(clock);
  limiter.hit("k", 1, 60s);
  EXPECT_FALSE(limiter.peek("k", 1, 60s).allowed);
  limiter.refund("k");
  EXPECT_TRUE(limiter.hit("k", 1, 60s).allowed);
  limiter.refund("unknown");  // nothing to give back: no effect
}

}  // namespace
}  // namespace shop::cache
