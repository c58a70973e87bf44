// The payments store under concurrent writers, on every backend (PostgreSQL at READ COMMITTED is
// where a read-decide-write would lose): each write is one conditional statement, so of writers
// that meet exactly one wins.
#include "payments/payment_store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <latch>
#include <thread>
#include <vector>

#include "auth/user_store.hpp"
#include "catalog/product_store.hpp"
#include "core/ids.hpp"
#include "orders/order_store.hpp"
#include "storage/migrator.hpp"
#include "storage/transaction.hpp"
#include "store_fixture.hpp"

namespace shop::storage::store_test {
namespace {

using payments::Intent;
using payments::Payment;
using payments::PaymentStore;

constexpr int kWriters = 8;

class PaymentStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped()) return;
    Migrator(*db_).apply();
    writers_ = open({.pool_size = kWriters});
    auto lease = db_->acquire();
    auth::User u{new_id(), "buyer@example.com", "B", "h", "user", std::nullopt, 1, 1};
    auth::UserStore().insert(lease, u);
    catalog::Product mug;
    mug.id = new_id();
    mug.name = "Mug";
    mug.description = "d";
    mug.price = 1250;
    mug.category = "Kitchen";
    mug.stock = 9;
    mug.created_at = mug.updated_at = 1000;
    catalog::ProductStore().insert(lease, mug);
    orders::Order o;
    o.id = order_id_ = new_id();
    o.items.push_back({mug.id, "Mug", std::nullopt, 1250, 1});
    o.user_id = u.id;
    o.total = 1250;
    o.created_at = o.updated_at = 1000;
    orders::OrderStore().insert(lease, o);
    Payment p;
    p.order_id = order_id_;
    p.provider = "stripe";
    p.status = "pending";
    p.amount = 1250;
    p.currency = "usd";
    p.created_at = p.updated_at = 1000;
    store_.insert(lease, p);
  }
  void TearDown() override {
    writers_.reset();
    StoreTest::TearDown();
  }

  // Runs write(i) for every writer at the same moment, each on a connection of its own.
  void at_once(const std::function<void(ConnectionLease&, int)>& write) {
    std::latch go(kWriters);
    std::vector<std::thread> threads;
    for (int i = 0; i < kWriters; ++i)
      threads.emplace_back([&, i] {
        auto lease = writers_->acquire();
        go.arrive_and_wait();
        write(lease, i);
      });
    for (auto& t : threads)
      t.join();
  }

  Payment now() {
    auto lease = db_->acquire();
    return store_.find(lease, order_id_).value();
  }

  PaymentStore store_;
  std::string order_id_;
  std::unique_ptr<Database> writers_;
};

TEST_P(PaymentStoreTest, IntentsRecordedAtOnce_KeepExactlyOne) {
  std::atomic<int> kept{0};
  at_once([&](ConnectionLease& lease, int i) {
    Intent intent{"pi_" + std::to_string(i), "requires_payment_method",
                  "pi_" + std::to_string(i) + "_secret", 1250};
    if (store_.record_intent(lease, order_id_, 1, intent, 2000 + i)) ++kept;
  });
  EXPECT_EQ(kept, 1);
  Payment p = now();
  ASSERT_TRUE(p.intent_id);
  EXPECT_EQ(*p.client_secret, *p.intent_id + "_secret");  // one writer's row, not a mix
  EXPECT_EQ(p.status, "requires_payment_method");
  // The same intent again (a retry under the same key) is kept; another one is not.
  auto lease = db_->acquire();
  EXPECT_TRUE(store_.record_intent(
      lease, order_id_, 1, {*p.intent_id, "requires_payment_method", p.client_secret, 1250}, 3000));
  EXPECT_FALSE(store_.record_intent(lease, order_id_, 1,
                                    {"pi_other", "requires_payment_method", "s", 1250}, 3000));
}

TEST_P(PaymentStoreTest, RestartsAtOnce_MakeOneNewAttempt_AndALateAnswerOfTheOldOneChangesNothing) {
  {
    auto lease = db_->acquire();
    ASSERT_TRUE(store_.record_intent(lease, order_id_, 1,
                                     {"pi_first", "requires_payment_method", "s1", 1250}, 2000));
    store_.set_status(lease, order_id_, "canceled", 2100);
  }
  at_once([&](ConnectionLease& lease, int i) { store_.restart(lease, order_id_, 3000 + i); });
  Payment p = now();
  EXPECT_EQ(p.attempt, 2);
  EXPECT_EQ(p.status, "pending");
  EXPECT_FALSE(p.intent_id);
  EXPECT_FALSE(p.client_secret);
  auto lease = db_->acquire();
  // The first attempt's intent answered again, late: it belongs to an attempt that is over.
  EXPECT_FALSE(store_.record_intent(lease, order_id_, 1,
                                    {"pi_first", "requires_payment_method", "s1", 1250}, 4000));
  EXPECT_TRUE(store_.record_intent(lease, order_id_, 2,
                                   {"pi_second", "requires_payment_method", "s2", 1250}, 4000));
  EXPECT_EQ(*now().intent_id, "pi_second");
}

TEST_P(PaymentStoreTest, AnEventClaimedAtOnce_IsClaimedOnce) {
  std::atomic<int> claimed{0};
  at_once([&](ConnectionLease& lease, int) {
    Transaction tx(lease, TxMode::write);
    if (store_.claim_event(tx, "evt_1", "payment_intent.succeeded", 5000)) ++claimed;
    tx.commit();
  });
  EXPECT_EQ(claimed, 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, PaymentStoreTest, ::testing::ValuesIn(test::backend_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace shop::storage::store_test
