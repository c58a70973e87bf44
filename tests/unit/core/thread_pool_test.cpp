#include "core/thread_pool.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <future>

namespace shop {
namespace {

TEST(ThreadPool, RunsEveryTask) {
  ThreadPool pool(3, 1000);
  std::atomic<int> done{0};
  for (int i = 0; i < 500; ++i)
    ASSERT_TRUE(pool.try_post([&] { ++done; }));
  while (done.load() < 500)
    std::this_thread::yield();
  EXPECT_EQ(done.load(), 500);
}

TEST(ThreadPool, FullQueueRefusesInsteadOfGrowing) {
  ThreadPool pool(1, 2);
  std::promise<void> release;
  auto gate = release.get_future().share();
  std::atomic<bool> started{false};
  ASSERT_TRUE(pool.try_post([gate, &started] {
    started = true;
    gate.wait();
  }));
  while (!started.load())
    std::this_thread::yield();
  EXPECT_TRUE(pool.try_post([] {}));
  EXPECT_TRUE(pool.try_post([] {}));
  EXPECT_FALSE(pool.try_post([] {}));  // one running, two queued: full
  EXPECT_EQ(pool.queued(), 2u);
  EXPECT_EQ(pool.busy(), 1u);
  release.set_value();
}

TEST(ThreadPool, StopJoinsAndRefusesNewWork) {
  ThreadPool pool(2, 10);
  pool.stop();
  EXPECT_FALSE(pool.try_post([] {}));
  pool.stop();  // idempotent
}

}  // namespace
}  // namespace shop

namespace shop {
namespace {

TEST(ThreadPool, NiceThreadsRunWithLowerPriority) {
  ThreadPool pool(1, 4, 10);
  std::promise<int> seen;
  auto result = seen.get_future();
  ASSERT_TRUE(pool.try_post([&seen] {
    errno = 0;
    seen.set_value(::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid())));
  }));
  EXPECT_EQ(result.get(), ::getpriority(PRIO_PROCESS, 0) + 10);
}

}  // namespace
}  // namespace shop
