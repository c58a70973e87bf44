// Production mode over real sockets: two shopd processes sharing one PostgreSQL and one Redis,
// and one instance serving on while its Redis is killed, hung and restarted under load.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <boost/json.hpp>
#include <map>
#include <mutex>
#include <thread>

#include "backends.hpp"
#include "http_client.hpp"
#include "redis_server.hpp"
#include "seed.hpp"
#include "storage/migrator.hpp"
#include "subprocess.hpp"
#include "temp_dir.hpp"
#include "test_server.hpp"

namespace shop::test {
namespace {

using namespace std::chrono_literals;

const std::string kSecret(40, 'm');

// Users and products made straight in the database, with bearer headers signed by kSecret.
class Shop {
 public:
  explicit Shop(const std::string& url)
      : db_(storage::open_database(url, {.pool_size = 2})), seed_(migrated(*db_), kSecret) {}
  Headers user(const std::string& role = "user") {
    return seed_.user("u" + std::to_string(++users_) + "@example.com", role);
  }
  std::string product(const std::string& name, std::int64_t stock) {
    return seed_.product(name, 1000, stock);
  }
  std::int64_t scalar(const std::string& sql) { return seed_.count(sql); }

 private:
  static storage::Database& migrated(storage::Database& db) {
    storage::Migrator(db).apply();
    return db;
  }
  std::unique_ptr<storage::Database> db_;
  Seeder seed_;
  int users_ = 0;
};

// ---- Two instances on one PostgreSQL and one Redis ------------------------------------------

class TwoInstances : public ::testing::Test {
 protected:
  void SetUp() override {
    if (redis_test_url().empty()) GTEST_SKIP() << "SHOPD_TEST_REDIS_URL is not set";
    db_ = fresh_database("Postgres", dir_.path());
    if (db_.url.empty()) GTEST_SKIP() << "PostgreSQL is not available here";
    shop_ = std::make_unique<Shop>(db_.url);
    std::string prefix = unique_redis_prefix();
    a_ = start(prefix, port_a_);
    b_ = start(prefix, port_b_);
  }
  void TearDown() override {
    for (auto* p : {a_.get(), b_.get()})
      if (p != nullptr) {
        p->signal(SIGTERM);
        p->wait(15s);
      }
    shop_.reset();
    if (db_.drop) db_.drop();
  }

  std::unique_ptr<Subprocess> start(const std::string& prefix, std::uint16_t& port) {
    auto p = start_shopd_serve({{"DATABASE_URL", db_.url},
                                {"REDIS_URL", redis_test_url()},
                                {"REDIS_KEY_PREFIX", prefix},
                                {"JWT_SECRET", kSecret},
                                {"JWT_REFRESH_SECRET", kSecret},
                                {"AUTH_RATE_LIMIT_MAX", "5"},
                                {"WORKER_THREADS", "16"},
                                {"MEDIA_DIR", dir_.str() + "/media"}},
                               dir_.str(), port);
    EXPECT_NE(p->output().find("rate_limits=redis://"), std::string::npos) << p->output();
    return p;
  }

  TempDir dir_;
  FreshDatabase db_;
  std::unique_ptr<Shop> shop_;
  std::uint16_t port_a_ = 0, port_b_ = 0;
  std::unique_ptr<Subprocess> a_, b_;
};

TEST_F(TwoInstances, ProductUpdatedThroughOne_IsSeenAtOnceThroughTheOther) {
  Headers admin = shop_->user("admin");
  std::string id = shop_->product("Old name", 5);
  HttpClient a(port_a_), b(port_b_);
  std::string path = "/api/products/" + id;
  ASSERT_EQ(b.get(path).header("X-Cache"), "MISS");
  auto cached = b.get(path);
  ASSERT_EQ(cached.header("X-Cache"), "HIT");
  EXPECT_EQ(a.get(path).header("X-Cache"), "HIT") << "one cache for both instances";
  EXPECT_EQ(b.get("/api/products").status, 200);
  ASSERT_EQ(b.get("/api/products").header("X-Cache"), "HIT");

  for (int round = 0; round < 5; ++round) {
    std::string name = "New name " + std::to_string(round);
    ASSERT_EQ(a.request("PUT", path, R"({"name":")" + name + R"("})", admin).status, 200);
    auto fresh = b.get(path);
    EXPECT_EQ(fresh.json().at("name").as_string(), name) << "round " << round;
    auto list = b.get("/api/products");
    EXPECT_EQ(list.json().at("products").at(0).at("name").as_string(), name);
  }
  auto ready = b.get("/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.json().at("cache").as_string(), "redis");
}

TEST_F(TwoInstances, LoginRateLimit_CountsRequestsToBoth) {
  HttpClient a(port_a_), b(port_b_);
  std::string body = R"({"email":"nobody@example.com","password":"wrong-password"})";
  for (int i = 0; i < 5; ++i) {
    auto r = (i % 2 == 0 ? a : b).post_json("/api/users/login", body);
    EXPECT_EQ(r.status, 401) << "attempt " << i << ": " << r.body;
  }
  EXPECT_EQ(a.post_json("/api/users/login", body).status, 429);
  auto limited = b.post_json("/api/users/login", body);
  EXPECT_EQ(limited.status, 429);
  EXPECT_TRUE(limited.header("Retry-After").has_value());
}

TEST_F(TwoInstances, HundredBuyersSplitAcrossBoth_NeverOversell) {
  std::string id = shop_->product("Scarce", 10);
  constexpr int kBuyers = 100;
  std::vector<Headers> buyers;
  for (int i = 0; i < kBuyers; ++i)
    buyers.push_back(shop_->user());
  std::atomic<int> placed{0}, short_of_stock{0}, other{0};
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kBuyers; ++i)
    threads.emplace_back([&, i] {
      try {
        HttpClient c(i % 2 == 0 ? port_a_ : port_b_);
        auto add =
            c.request("POST", "/api/cart/add", R"({"productId":")" + id + R"("})", buyers[i]);
        if (add.status != 200) {
          ++other;
          return;
        }
        ++ready;
        while (ready.load() < kBuyers && other.load() == 0)
          std::this_thread::yield();
        int status = c.request("POST", "/api/orders", "{}", buyers[i]).status;
        (status == 201 ? placed : status == 409 ? short_of_stock : other)++;
      } catch (const std::exception&) {
        ++other;
      }
    });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(placed.load(), 10);
  EXPECT_EQ(short_of_stock.load(), 90);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(shop_->scalar("SELECT stock FROM products WHERE id = '" + id + "'"), 0);
  EXPECT_EQ(shop_->scalar("SELECT COUNT(*) FROM orders"), 10);
  // Both instances show the sold-out product (the orders invalidated the shared cache).
  HttpClient a(port_a_), b(port_b_);
  EXPECT_EQ(a.get("/api/products/" + id).json().at("stock").as_int64(), 0);
  EXPECT_EQ(b.get("/api/products/" + id).json().at("stock").as_int64(), 0);
}

// ---- Redis goes away under load ---------------------------------------------------------------

TEST(RedisFault, KilledAndHungUnderLoad_NoRequestFails_AndTheCacheComesBack) {
  RedisServer redis;
  if (!redis.available()) GTEST_SKIP() << "SHOPD_TEST_REDIS_SERVER is not set";
  TestServer server({{"REDIS_URL", redis.url()},
                     {"REDIS_KEY_PREFIX", unique_redis_prefix()},
                     {"REDIS_TIMEOUT_MS", "100"},
                     {"JWT_SECRET", kSecret},
                     {"JWT_REFRESH_SECRET", kSecret},
                     {"WORKER_THREADS", "16"},
                     {"RATE_LIMIT_MAX", "1000000"}});
  Shop shop("sqlite://" + server.dir().str() + "/shopd.db");
  Headers admin = shop.user("admin");
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(shop.product("P" + std::to_string(i), 100));
  {
    HttpClient c(server.port());
    c.get("/api/products");
    ASSERT_EQ(c.get("/api/products").header("X-Cache"), "HIT");
  }

  std::atomic<bool> stop{false};
  std::mutex m;
  std::map<int, int> statuses;
  std::atomic<long long> slowest_us{0};
  std::vector<std::thread> load;
  for (int t = 0; t < 6; ++t)
    load.emplace_back([&, t] {
      HttpClient c(server.port());
      for (int n = 0; !stop; ++n) {
        auto started = std::chrono::steady_clock::now();
        int status = 0;
        if (t == 0 && n % 10 == 0)  // a write now and then: invalidations while Redis is away
          status = c.request("PUT", "/api/products/" + ids[n / 10 % ids.size()],
                             R"({"stock":)" + std::to_string(100 + n) + "}", admin)
                       .status;
        else if (n % 2 == 0)
          status = c.get("/api/products?limit=5").status;
        else
          status = c.get("/api/products/" + ids[n % ids.size()]).status;
        auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
        long long seen = slowest_us.load();
        while (us > seen && !slowest_us.compare_exchange_weak(seen, us)) {
        }
        std::lock_guard lock(m);
        ++statuses[status];
      }
    });
  std::this_thread::sleep_for(400ms);
  redis.pause();  // hung: connections open, no answers
  std::this_thread::sleep_for(600ms);
  {
    auto ready = HttpClient(server.port()).get("/readyz");
    EXPECT_EQ(ready.status, 200);
    EXPECT_EQ(ready.json().at("cache").as_string(), "degraded");
  }
  redis.resume();
  std::this_thread::sleep_for(400ms);
  redis.kill();  // gone
  std::this_thread::sleep_for(600ms);
  redis.start();  // back, empty
  std::this_thread::sleep_for(1500ms);
  stop = true;
  for (auto& t : load)
    t.join();

  int total = 0;
  for (auto [status, count] : statuses) {
    total += count;
    EXPECT_EQ(status, 200) << count << " answers had status " << status;
  }
  EXPECT_GT(total, 200) << "the load did not get going";
  EXPECT_LT(slowest_us.load(), 1'000'000) << "no request waits long on a missing Redis";

  // Redis is used again: hits come back and a write made during the outage is visible.
  HttpClient c(server.port());
  bool hit = false;
  for (int i = 0; i < 50 && !hit; ++i) {
    c.get("/api/products?limit=5");
    hit = c.get("/api/products?limit=5").header("X-Cache") == "HIT";
    if (!hit) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(hit) << server.logs();
  auto ready = c.get("/readyz");
  EXPECT_EQ(ready.json().at("cache").as_string(), "redis");
  for (const auto& id : ids) {
    std::int64_t stock = shop.scalar("SELECT stock FROM products WHERE id = '" + id + "'");
    EXPECT_EQ(c.get("/api/products/" + id).json().at("stock").as_int64(), stock);
  }
  auto metrics = c.get("/metrics").body;
  EXPECT_NE(metrics.find("shopd_redis_up 1"), std::string::npos) << metrics;
  std::string logs = server.logs();
  EXPECT_NE(logs.find("is unreachable"), std::string::npos);
  EXPECT_NE(logs.find("reachable again"), std::string::npos);
}

TEST(RedisFault, StartsWithoutRedis_AndUsesItOnceItAnswers) {
  RedisServer redis;
  if (!redis.available()) GTEST_SKIP() << "SHOPD_TEST_REDIS_SERVER is not set";
  redis.kill();
  TestServer server({{"REDIS_URL", redis.url()}, {"REDIS_KEY_PREFIX", unique_redis_prefix()}});
  HttpClient c(server.port());
  EXPECT_EQ(c.get("/api/products").status, 200);
  EXPECT_EQ(c.get("/readyz").json().at("cache").as_string(), "degraded");
  redis.start();
  bool back = false;
  for (int i = 0; i < 50 && !back; ++i) {
    back = c.get("/readyz").json().at("cache").as_string() == "redis";
    if (!back) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(back);
  c.get("/api/products");
  EXPECT_EQ(c.get("/api/products").header("X-Cache"), "HIT");
}

}  // namespace
}  // namespace shop::test
