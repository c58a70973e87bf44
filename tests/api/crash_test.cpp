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
#include "http_client.hpp"
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

  std::unique_ptr<Subprocess> start_shopd(std::uint16_t& port) {
    return start_shopd_serve({{"DATABASE_URL", db_.url},
                              {"JWT_SECRET", kSecret},
                              {"JWT_REFRESH_SECRET", kSecret},
                              {"RATE_LIMIT_MAX", "0"},
                              {"MEDIA_DIR", dir_.str() + "/media"}},
                             dir_.str(), port);
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

INSTANTIATE_TEST_SUITE_P(Backends, CrashSafety, ::testing::ValuesIn(backend_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace shop::test
