// kill -9 of shopd while orders are being placed: after a restart every deduction has its order
// and every acknowledged order is there, and retrying an in-flight request with its
// Idempotency-Key places at most one order. On every backend.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <boost/json.hpp>
#include <mutex>
#include <set>
#include <thread>

#include "backends.hpp"
#include "catalog/product_store.hpp"
#include "fake_stripe.hpp"
#include "http_client.hpp"
#include "payments/stripe_signature.hpp"
#include "seed.hpp"
#include "storage/migrator.hpp"
#include "subprocess.hpp"
#include "temp_dir.hpp"

namespace shop::test {
namespace {

using namespace std::chrono_literals;

const std::string kSecret(40, 'k');
constexpr int kProducts = 8;
constexpr std::int64_t kStock = 100000;
constexpr int kBuyers = 12;

std::string id_of(int n) {
  char id[25];
  std::snprintf(id, sizeof id, "%024x", n);
  return id;
}

class CrashSafety : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = fresh_database(GetParam(), dir_.path());
    if (db_.url.empty()) GTEST_SKIP() << GetParam() << " is not available here";
    store_ = storage::open_database(db_.url, {.pool_size = 1});
    storage::Migrator(*store_).apply();
    {
      auto lease = store_->acquire();
      for (int i = 0; i < kProducts; ++i) {
        catalog::Product p;
        p.id = id_of(1000 + i);
        p.name = "P" + std::to_string(i);
        p.description = "";
        p.price = 100 + i;
        p.category = "C";
        p.stock = kStock;
        p.created_at = p.updated_at = 1;
        catalog::ProductStore().insert(lease, p);
      }
    }
    Seeder seed(*store_, kSecret, std::chrono::seconds(3600));
    for (int i = 0; i < kBuyers; ++i)
      bearer_.push_back(seed.user("b" + std::to_string(i) + "@example.com"));
  }
  void TearDown() override {
    store_.reset();
    if (db_.drop) db_.drop();
  }

  std::unique_ptr<Subprocess> start_shopd(std::uint16_t& port,
                                          std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> env{{"DATABASE_URL", db_.url},
                                           {"JWT_SECRET", kSecret},
                                           {"JWT_REFRESH_SECRET", kSecret},
                                           {"RATE_LIMIT_MAX", "0"},
                                           {"MEDIA_DIR", dir_.str() + "/media"}};
    env.merge(extra);
    return start_shopd_serve(env, dir_.str(), port);
  }

  std::int64_t scalar(const std::string& sql) {
    auto lease = store_->acquire();
    return lease.execute(sql).front().get_int(0);
  }

  TempDir dir_;
  FreshDatabase db_;
  std::unique_ptr<storage::Database> store_;
  std::vector<Headers> bearer_;
};

TEST_P(CrashSafety, KillDashNineUnderLoad_LosesNoAcknowledgedOrder_AndRetriesPlaceAtMostOne) {
  std::uint16_t port = 0;
  auto server = start_shopd(port);
  std::atomic<bool> stop{false};
  std::mutex m;
  std::set<std::string> acknowledged;           // order ids answered 201
  std::vector<std::string> in_flight(kBuyers);  // the key of the request the kill cut off
  std::vector<std::thread> buyers;
  for (int b = 0; b < kBuyers; ++b)
    buyers.emplace_back([&, b] {
      try {
        HttpClient c(port);
        for (int n = 0; !stop; ++n) {
          std::string product = id_of(1000 + (b + n) % kProducts);
          if (c.request("POST", "/api/cart/add", R"({"productId":")" + product + R"("})",
                        bearer_[b])
                  .status != 200)
            continue;
          std::string key = "buyer" + std::to_string(b) + "-order" + std::to_string(n);
          in_flight[b] = key;
          Headers h = bearer_[b];
          h.emplace_back("Idempotency-Key", key);
          auto r = c.request("POST", "/api/orders", "{}", h);
          if (r.status == 201) {
            std::lock_guard lock(m);
            acknowledged.insert(std::string(r.json().at("order").at("_id").as_string()));
          }
          in_flight[b].clear();
        }
      } catch (const std::exception&) {
        // The connection died with the server; in_flight[b] names the cut-off request, if any.
      }
    });
  std::this_thread::sleep_for(1500ms);
  server->signal(SIGKILL);
  server->wait(10s);
  stop = true;
  for (auto& t : buyers)
    t.join();
  ASSERT_GT(acknowledged.size(), 10u) << "the load did not get going before the kill";

  // Every unit that left stock is in an order line, and no order is without lines.
  std::int64_t sold = scalar("SELECT COALESCE(SUM(quantity), 0) FROM order_items");
  std::int64_t left = scalar("SELECT COALESCE(SUM(stock), 0) FROM products");
  EXPECT_EQ(left + sold, kProducts * kStock);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM orders o WHERE NOT EXISTS "
                   "(SELECT 1 FROM order_items i WHERE i.order_id = o.id)"),
            0);
  // Every acknowledged order survived.
  {
    auto lease = store_->acquire();
    for (const auto& id : acknowledged)
      EXPECT_FALSE(lease.execute("SELECT 1 FROM orders WHERE id = $1", {id}).empty()) << id;
  }

  // After a restart, retrying each cut-off request with its key places at most one order.
  auto restarted = start_shopd(port);
  HttpClient c(port);
  for (int b = 0; b < kBuyers; ++b) {
    if (in_flight[b].empty()) continue;
    std::int64_t before = scalar("SELECT COUNT(*) FROM orders");
    Headers h = bearer_[b];
    h.emplace_back("Idempotency-Key", in_flight[b]);
    auto first = c.request("POST", "/api/orders", "{}", h);
    auto again = c.request("POST", "/api/orders", "{}", h);
    EXPECT_TRUE(first.status == 201 || first.status == 400) << first.status << first.body;
    EXPECT_EQ(again.status, first.status);
    EXPECT_LE(scalar("SELECT COUNT(*) FROM orders") - before, 1);
    if (first.status == 201) {
      EXPECT_EQ(again.header("Idempotent-Replayed"), "true");
    }
  }
  sold = scalar("SELECT COALESCE(SUM(quantity), 0) FROM order_items");
  left = scalar("SELECT COALESCE(SUM(stock), 0) FROM products");
  EXPECT_EQ(left + sold, kProducts * kStock);
  restarted->signal(SIGTERM);
  restarted->wait(15s);
}

// kill -9 while Stripe is answering the call that makes an order's PaymentIntent: the intent
// exists at Stripe, the order committed, and shopd never learned the intent. After a restart the
// reconciler settles the payment again under the same idempotency key, so it records the intent
// Stripe made then instead of making a second one, and the buyer can pay it.
class PaymentCrashSafety : public CrashSafety {
 protected:
  std::map<std::string, std::string> payment_env() const {
    return {{"PAYMENT_PROVIDER", "stripe"},
            {"STRIPE_SECRET_KEY", FakeStripe::kSecretKey},
            {"STRIPE_WEBHOOK_SECRET", FakeStripe::kWebhookSecret},
            {"STRIPE_API_BASE", stripe_.base_url()},
            {"PAYMENT_RECONCILE_INTERVAL", "1"}};
  }
  std::optional<std::string> intent_recorded(const std::string& order_id) {
    auto lease = store_->acquire();
    auto rows = lease.execute("SELECT intent_id FROM payments WHERE order_id = $1", {order_id});
    if (rows.empty() || rows.front().is_null(0)) return std::nullopt;
    return rows.front().get_text(0);
  }

  FakeStripe stripe_;
};

TEST_P(PaymentCrashSafety, KillDashNineBetweenTheIntentAndItsRecord_TheReconcilerRepairsIt) {
  std::uint16_t port = 0;
  auto server = start_shopd(port, payment_env());
  stripe_.set_answer_delay(5s);  // Stripe makes the intent at once, answers 5 s later
  std::thread buyer([&] {
    try {
      HttpClient c(port);
      ASSERT_EQ(c.request("POST", "/api/cart/add", R"({"productId":")" + id_of(1000) + R"("})",
                          bearer_[0])
                    .status,
                200);
      c.request("POST", "/api/orders", "{}", bearer_[0]);
    } catch (const std::exception&) {
      // The server died under the request, as intended.
    }
  });
  bool made = false;
  for (int i = 0; i < 200 && !made; ++i) {
    std::this_thread::sleep_for(25ms);
    made = stripe_.intents().size() == 1;
  }
  ASSERT_TRUE(made) << "the checkout never reached Stripe";
  server->signal(SIGKILL);
  server->wait(10s);
  buyer.join();

  // What the crash left: an order committed with its stock taken, and no intent recorded.
  FakeStripe::Intent at_stripe = stripe_.intents().front();
  ASSERT_EQ(scalar("SELECT COUNT(*) FROM orders"), 1);
  EXPECT_EQ(scalar("SELECT stock FROM products WHERE id = '" + id_of(1000) + "'"), kStock - 1);
  EXPECT_EQ(intent_recorded(at_stripe.order_id), std::nullopt);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM payments WHERE status = 'pending'"), 1);
  // A minute passes: the reconciler leaves younger payments to a call that may be in flight.
  {
    auto lease = store_->acquire();
    lease.execute(
        "UPDATE payments SET created_at = created_at - 61000, updated_at = updated_at - 61000");
  }

  stripe_.set_answer_delay(0ms);
  auto restarted = start_shopd(port, payment_env());
  std::optional<std::string> recorded;
  for (int i = 0; i < 400 && !recorded; ++i) {
    std::this_thread::sleep_for(50ms);
    recorded = intent_recorded(at_stripe.order_id);
  }
  ASSERT_EQ(recorded, at_stripe.id);
  EXPECT_EQ(stripe_.intents().size(), 1u);  // the same key gave the same intent back
  EXPECT_GE(stripe_.replays(), 1);

  // The buyer sees it and pays it; the order is paid, its stock still taken once.
  HttpClient c(port);
  auto order = c.get("/api/orders/" + at_stripe.order_id, bearer_[0]);
  ASSERT_EQ(order.status, 200) << order.body;
  EXPECT_EQ(order.json().at("status"), "placed");
  EXPECT_EQ(order.json().at("payment").at("clientSecret").as_string(), at_stripe.client_secret);
  std::string event = stripe_.pay(at_stripe.id);
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  auto hook = c.request(
      "POST", "/api/payments/stripe/webhook", event,
      {{"Content-Type", "application/json"},
       {"Stripe-Signature", payments::stripe_signature(FakeStripe::kWebhookSecret, now, event)}});
  EXPECT_EQ(hook.status, 200) << hook.body;
  EXPECT_EQ(c.get("/api/orders/" + at_stripe.order_id, bearer_[0]).json().at("status"), "paid");
  EXPECT_EQ(scalar("SELECT stock FROM products WHERE id = '" + id_of(1000) + "'"), kStock - 1);
  restarted->signal(SIGTERM);
  restarted->wait(15s);
}

INSTANTIATE_TEST_SUITE_P(Backends, PaymentCrashSafety, ::testing::ValuesIn(backend_names()),
                         [](const auto& info) { return info.param; });

INSTANTIATE_TEST_SUITE_P(Backends, CrashSafety, ::testing::ValuesIn(backend_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace shop::test
