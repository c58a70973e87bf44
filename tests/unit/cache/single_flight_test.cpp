#include "cache/single_flight.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <latch>
#include <stdexcept>
#include <thread>
#include <vector>

namespace shop::cache {
namespace {

using namespace std::chrono_literals;

// Waits (bounded) until counter reaches target, then a little longer so the threads that counted
// themselves have also entered run().
void wait_for_arrivals(const std::atomic<int>& counter, int target) {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (counter.load() < target && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(50ms);
}

TEST(SingleFlight, SingleCaller_RunsTheLoadAndLeavesNothingBehind) {
  SingleFlight flights;
  auto [value, shared] = flights.run("k", [] { return std::string("v"); });
  EXPECT_EQ(value, "v");
  EXPECT_FALSE(shared);
  EXPECT_EQ(flights.in_flight(), 0u);
  EXPECT_EQ(flights.run("k", [] { return std::string("w"); }).first, "w");  // a fresh load
}

TEST(SingleFlight, ThirtyTwoConcurrentCallers_RunTheLoadOnceAndAllGetItsValue) {
  constexpr int kThreads = 32;
  SingleFlight flights;
  std::latch start(kThreads);
  std::atomic<int> arrived{0};
  std::atomic<int> loads{0};
  std::atomic<int> shared_count{0};
  std::vector<std::string> values(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      ++arrived;
      auto [value, shared] = flights.run("products:0:list", [&] {
        ++loads;
        wait_for_arrivals(arrived, kThreads);
        return std::string("body");
      });
      values[t] = value;
      if (shared) ++shared_count;
    });
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(loads.load(), 1);
  EXPECT_EQ(shared_count.load(), kThreads - 1);
  for (const auto& v : values)
    EXPECT_EQ(v, "body");
  EXPECT_EQ(flights.in_flight(), 0u);
}

TEST(SingleFlight, LoadThrows_EveryWaiterGetsTheExceptionAndTheNextCallRetries) {
  constexpr int kThreads = 8;
  SingleFlight flights;
  std::latch start(kThreads);
  std::atomic<int> arrived{0};
  std::atomic<int> loads{0};
  std::atomic<int> caught{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      start.arrive_and_wait();
      ++arrived;
      try {
        flights.run("k", [&]() -> std::string {
          ++loads;
          wait_for_arrivals(arrived, kThreads);
          throw std::runtime_error("database unavailable");
        });
      } catch (const std::runtime_error& e) {
        if (std::string(e.what()) == "database unavailable") ++caught;
      }
    });
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(loads.load(), 1);
  EXPECT_EQ(caught.load(), kThreads);
  EXPECT_EQ(flights.in_flight(), 0u);

  auto [value, shared] = flights.run("k", [&] {
    ++loads;
    return std::string("recovered");
  });
  EXPECT_EQ(value, "recovered");
  EXPECT_FALSE(shared);
  EXPECT_EQ(loads.load(), 2);
}

TEST(SingleFlight, DifferentKeys_DoNotWaitForEachOther) {
  SingleFlight flights;
  std::promise<void> b_done;
  auto b_done_future = b_done.get_future();
  std::future_status a_saw = std::future_status::deferred;
  std::thread a([&] {
    flights.run("a", [&] {
      a_saw = b_done_future.wait_for(10s);  // blocks until "b" finished, which must not need "a"
      return std::string("a");
    });
  });
  while (flights.in_flight() == 0)
    std::this_thread::sleep_for(1ms);
  auto [value, shared] = flights.run("b", [] { return std::string("b"); });
  b_done.set_value();
  a.join();
  EXPECT_EQ(value, "b");
  EXPECT_FALSE(shared);
  EXPECT_EQ(a_saw, std::future_status::ready);
}

}  // namespace
}  // namespace shop::cache
