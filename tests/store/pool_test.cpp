#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "storage/database.hpp"
#include "store_fixture.hpp"

namespace shop::storage::store_test {
namespace {

using namespace std::chrono_literals;

DatabaseOptions small_pool() {
  DatabaseOptions options;
  options.pool_size = 2;
  options.acquire_timeout = 200ms;
  return options;
}

TEST_P(StoreTest, Acquire_PoolExhausted_TimesOutAsUnavailable) {
  auto db = open(small_pool());
  auto first = db->acquire();
  auto second = db->acquire();

  const auto started = std::chrono::steady_clock::now();
  try {
    db->acquire();
    FAIL() << "expected shop::Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unavailable);
    EXPECT_EQ(e.public_message(), "Database is busy, try again");
  }
  EXPECT_GE(std::chrono::steady_clock::now() - started, 200ms);

  const auto stats = db->stats();
  EXPECT_EQ(stats.size, 2u);
  EXPECT_EQ(stats.in_use, 2u);
  EXPECT_EQ(stats.waiting, 0u);
  EXPECT_EQ(stats.timeouts, 1u);
}

TEST_P(StoreTest, Acquire_ConnectionReleasedWhileWaiting_GetsIt) {
  auto options = small_pool();
  options.acquire_timeout = 5s;
  auto db = open(options);
  auto first = db->acquire();
  auto second = db->acquire();

  auto waiter = std::async(std::launch::async, [&] {
    auto lease = db->acquire();
    return lease.execute("SELECT 1").front().get_int(0);
  });
  while (db->stats().waiting == 0)
    std::this_thread::sleep_for(1ms);
  first.release();

  EXPECT_EQ(waiter.get(), 1);
  const auto stats = db->stats();
  EXPECT_EQ(stats.waited, 1u);
  EXPECT_EQ(stats.timeouts, 0u);
  EXPECT_LE(stats.open, 2u);
}

TEST_P(StoreTest, Acquire_LeasesReturned_ReusesConnections) {
  auto db = open(small_pool());
  for (int i = 0; i < 20; ++i) {
    std::vector<ConnectionLease> leases;
    leases.push_back(db->acquire());
    leases.push_back(db->acquire());
  }
  const auto stats = db->stats();
  EXPECT_EQ(stats.open, 2u);
  EXPECT_EQ(stats.in_use, 0u);
  EXPECT_EQ(stats.timeouts, 0u);
}

}  // namespace
}  // namespace shop::storage::store_test
