// The outbox on every backend: events are written in the caller's transaction, to the active
// endpoints subscribed to them, with a sequence number per resource that concurrent writers
// never share.
#include "events/outbox.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <latch>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/migrator.hpp"
#include "storage/transaction.hpp"
#include "store_fixture.hpp"

namespace shop::storage::store_test {
namespace {

using events::Event;
using events::Outbox;

class OutboxTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped()) return;
    Migrator(*db_).apply();
  }

  void endpoint(const std::string& id, const std::string& events, bool active = true) {
    auto lease = db_->acquire();
    lease.execute(
        "INSERT INTO webhook_endpoints (id, url, events, description, secret, active, "
        "consecutive_failures, created_at, updated_at) "
        "VALUES ($1, 'https://hooks.example/' || $1, $2, '', 'whsec_x', $3, 0, 1, 1)",
        {Value(id), Value(events), Value(std::int64_t{active ? 1 : 0})});
  }
  std::int64_t count(const std::string& sql) {
    auto lease = db_->acquire();
    return lease.execute(sql).front().get_int(0);
  }
  events::Recorded add(const Event& e, std::int64_t now = 1'800'000'000'000) {
    return with_transaction(*db_, TxMode::write,
                            [&](Transaction& tx) { return Outbox().add(tx, e, now); });
  }

  Event placed_{"order.placed", "order-1", R"({"_id":"order-1","totalAmount":12.5})"};
};

TEST_P(OutboxTest, WithoutASubscribedActiveEndpoint_NothingIsWritten) {
  EXPECT_EQ(add(placed_).deliveries, 0);
  endpoint("a", ",product.*,");
  endpoint("b", ",*,", false);
  EXPECT_EQ(add(placed_).deliveries, 0);
  EXPECT_EQ(count("SELECT count(*) FROM webhook_events"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM webhook_deliveries"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM event_sequences"), 0);
}

TEST_P(OutboxTest, AnEvent_GoesToEachActiveEndpointSubscribedToIt_WithItsBody) {
  endpoint("a", ",order.*,");
  endpoint("b", ",product.created,");
  endpoint("c", ",*,", false);
  endpoint("d", ",*,");
  events::Recorded r = add(placed_, 1'800'000'000'123);
  EXPECT_EQ(r.deliveries, 2);
  EXPECT_EQ(r.sequence, 1);
  auto lease = db_->acquire();
  auto rows = lease.execute(
      "SELECT endpoint_id, status, attempts, next_attempt_at FROM webhook_deliveries "
      "WHERE event_id = $1 ORDER BY endpoint_id",
      {Value(r.event_id)});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows.rows()[0].get_text(0), "a");
  EXPECT_EQ(rows.rows()[1].get_text(0), "d");
  EXPECT_EQ(rows.rows()[0].get_text(1), "pending");
  EXPECT_EQ(rows.rows()[0].get_int(2), 0);
  EXPECT_EQ(rows.rows()[0].get_int(3), 1'800'000'000'123);  // due at once
  auto body = boost::json::parse(
      lease.execute("SELECT body FROM webhook_events WHERE id = $1", {Value(r.event_id)})
          .front()
          .get_text(0));
  EXPECT_EQ(body.at("id").as_string(), r.event_id);
  EXPECT_EQ(body.at("type"), "order.placed");
  EXPECT_EQ(body.at("createdAt"), "2027-01-15T08:00:00.123Z");
  EXPECT_EQ(body.at("sequence"), 1);
  EXPECT_EQ(body.at("data"), boost::json::parse(placed_.data));
}

TEST_P(OutboxTest, ARolledBackChange_LeavesNoEvent_AndTakesNoSequenceNumber) {
  endpoint("a", ",*,");
  auto lease = db_->acquire();
  {
    Transaction tx(lease, TxMode::write);
    EXPECT_EQ(Outbox().add(tx, placed_, 1).deliveries, 1);
    tx.rollback();
  }
  EXPECT_EQ(count("SELECT count(*) FROM webhook_events"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM webhook_deliveries"), 0);
  EXPECT_EQ(add(placed_).sequence, 1);
}

TEST_P(OutboxTest, SequenceNumbers_CountPerResource) {
  endpoint("a", ",*,");
  EXPECT_EQ(add(placed_).sequence, 1);
  EXPECT_EQ(add({"order.paid", "order-1", "{}"}).sequence, 2);
  EXPECT_EQ(add({"product.created", "product-1", "{}"}).sequence, 1);
  EXPECT_EQ(add({"order.status_changed", "order-1", "{}"}).sequence, 3);
}

TEST_P(OutboxTest, ConcurrentWritersAboutOneResource_NeverShareASequenceNumber) {
  endpoint("a", ",*,");
  constexpr int kWriters = 8, kEach = 10;
  auto writers = open({.pool_size = kWriters});
  std::mutex m;
  std::vector<std::int64_t> seen;
  std::latch go(kWriters);
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w)
    threads.emplace_back([&] {
      go.arrive_and_wait();
      for (int i = 0; i < kEach; ++i) {
        auto r = with_transaction(*writers, TxMode::write, [&](Transaction& tx) {
          return Outbox().add(tx, {"product.updated", "product-1", "{}"}, 1);
        });
        std::lock_guard lock(m);
        seen.push_back(r.sequence);
      }
    });
  for (auto& t : threads)
    t.join();
  std::sort(seen.begin(), seen.end());
  std::vector<std::int64_t> expected(kWriters * kEach);
  for (std::size_t i = 0; i < expected.size(); ++i)
    expected[i] = static_cast<std::int64_t>(i) + 1;
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(count("SELECT count(DISTINCT sequence) FROM webhook_events"), kWriters * kEach);
}

INSTANTIATE_TEST_SUITE_P(Backends, OutboxTest, ::testing::ValuesIn(test::backend_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace shop::storage::store_test
