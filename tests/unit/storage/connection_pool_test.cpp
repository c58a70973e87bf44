#include "storage/connection_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>

#include "core/error.hpp"

namespace shop::storage {
namespace {

using namespace std::chrono_literals;

// A connection that runs nothing; tests steer its transaction and health flags.
class FakeConnection final : public Connection {
 public:
  Dialect dialect() const override { return Dialect::sqlite; }
  Result execute_params(std::string_view, std::span<const Value>) override { return {}; }
  void execute_script(std::string_view) override {}
  void begin(TxMode) override { open_tx = true; }
  void commit() override { open_tx = false; }
  void rollback() override {
    ++rollbacks;
    open_tx = false;
  }
  bool in_transaction() const noexcept override { return open_tx; }
  bool is_healthy() const noexcept override { return healthy; }

  bool open_tx = false;
  bool healthy = true;
  int rollbacks = 0;
};

struct Opened {
  int count = 0;
  bool fail_next = false;
};

ConnectionPool::Factory fake_factory(Opened& opened) {
  return [&opened]() -> std::unique_ptr<Connection> {
    if (opened.fail_next) {
      opened.fail_next = false;
      throw std::runtime_error("cannot connect");
    }
    ++opened.count;
    return std::make_unique<FakeConnection>();
  };
}

FakeConnection& fake(ConnectionLease& lease) {
  return dynamic_cast<FakeConnection&>(lease.connection());
}

TEST(ConnectionPool, Acquire_OpensLazilyAndReusesReturnedConnections) {
  Opened opened;
  ConnectionPool pool(fake_factory(opened), 3, 100ms);
  EXPECT_EQ(opened.count, 0);
  { auto lease = pool.acquire(); }
  { auto lease = pool.acquire(); }
  EXPECT_EQ(opened.count, 1);
  EXPECT_EQ(pool.stats().acquisitions, 2u);
  EXPECT_EQ(pool.stats().open, 1u);
}

TEST(ConnectionPool, Acquire_AllLeased_TimesOutAsUnavailable) {
  Opened opened;
  ConnectionPool pool(fake_factory(opened), 1, 50ms);
  auto held = pool.acquire();
  try {
    pool.acquire();
    FAIL() << "expected shop::Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unavailable);
  }
  EXPECT_EQ(pool.stats().timeouts, 1u);
}

TEST(ConnectionPool, FactoryFails_SlotIsFreedAgain) {
  Opened opened;
  ConnectionPool pool(fake_factory(opened), 1, 50ms);
  opened.fail_next = true;
  EXPECT_THROW(pool.acquire(), std::runtime_error);
  EXPECT_EQ(pool.stats().open, 0u);
  EXPECT_EQ(pool.stats().in_use, 0u);
  EXPECT_NO_THROW(pool.acquire());
}

TEST(ConnectionPool, ReturnedInsideTransaction_IsRolledBack) {
  Opened opened;
  ConnectionPool pool(fake_factory(opened), 1, 50ms);
  {
    auto lease = pool.acquire();
    lease->begin(TxMode::write);
  }
  auto lease = pool.acquire();
  EXPECT_FALSE(lease->in_transaction());
  EXPECT_EQ(fake(lease).rollbacks, 1);
  EXPECT_EQ(opened.count, 1);
}

TEST(ConnectionPool, UnhealthyConnection_IsDroppedAndReplaced) {
  Opened opened;
  ConnectionPool pool(fake_factory(opened), 1, 50ms);
  {
    auto lease = pool.acquire();
    fake(lease).healthy = false;
  }
  EXPECT_EQ(pool.stats().open, 0u);
  auto lease = pool.acquire();
  EXPECT_TRUE(fake(lease).healthy);
  EXPECT_EQ(opened.count, 2);
}

TEST(ConnectionPool, LeaseMovedAndReleased_ReturnsOnce) {
  Opened opened;
  ConnectionPool pool(fake_factory(opened), 2, 50ms);
  auto a = pool.acquire();
  ConnectionLease b = std::move(a);
  EXPECT_THROW(a.connection(), std::logic_error);
  b.release();
  b.release();
  EXPECT_EQ(pool.stats().in_use, 0u);
  EXPECT_EQ(pool.stats().open, 1u);
}

TEST(ConnectionPool, ZeroSize_IsRejected) {
  Opened opened;
  EXPECT_THROW(ConnectionPool(fake_factory(opened), 0, 50ms), std::invalid_argument);
}

}  // namespace
}  // namespace shop::storage
