// Cart (/api/cart) and orders (/api/orders) over a real socket, on every backend: totals,
// checkout atomicity under concurrency, idempotency, the order lifecycle.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <latch>
#include <map>
#include <thread>

#include "auth/access_token.hpp"
#include "auth/user_store.hpp"
#include "backends.hpp"
#include "catalog/product_store.hpp"
#include "core/clock.hpp"
#include "http_client.hpp"
#include "offset_clock.hpp"
#include "seed.hpp"
#include "storage/migrator.hpp"
#include "test_server.hpp"

namespace shop::test {
namespace {

using ::testing::HasSubstr;

const std::string kSecret(40, 'j');

class OrdersApi : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = fresh_database(GetParam(), dir_.path());
    if (db_.url.empty()) GTEST_SKIP() << GetParam() << " is not available here";
    app::AppHooks hooks;
    hooks.clock = &clock_;
    server_ = std::make_unique<TestServer>(Env{{"DATABASE_URL", db_.url},
                                               {"JWT_SECRET", kSecret},
                                               {"JWT_REFRESH_SECRET", std::string(40, 'r')},
                                               {"RATE_LIMIT_MAX", "0"},
                                               {"WORKER_THREADS", "16"},
                                               {"PUBLIC_URL", "https://shop.example"}},
                                           std::move(hooks));
    store_ = storage::open_database(db_.url, {.pool_size = 2});
    seed_ = std::make_unique<Seeder>(*store_, kSecret);
    client_ = std::make_unique<HttpClient>(server_->port());
    admin_ = user("admin@example.com", "admin");
    alice_ = user("alice@example.com");
    bob_ = user("bob@example.com");
  }
  void TearDown() override {
    client_.reset();
    server_.reset();
    seed_.reset();
    store_.reset();
    if (db_.drop) db_.drop();
  }

  // A user with a session made straight in the database (no password hashing: tests need many)
  // and a bearer header signed by the server's secret.
  Headers user(const std::string& email, const std::string& role = "user") {
    return seed_->user(email, role);
  }
  static std::string fmt_id(int n) {
    char id[25];
    std::snprintf(id, sizeof id, "%024x", n);
    return id;
  }
  std::string product(const std::string& name, Cents price, std::int64_t stock) {
    return seed_->product(name, price, stock);
  }
  std::int64_t stock(const std::string& id) { return seed_->stock(id); }
  std::int64_t count(const std::string& sql) { return seed_->count(sql); }
  HttpResponse add(HttpClient& c, const Headers& who, const std::string& product_id, int q = 1) {
    return c.request(
        "POST", "/api/cart/add",
        R"({"productId":")" + product_id + R"(","quantity":)" + std::to_string(q) + "}", who);
  }
  HttpResponse add(const Headers& who, const std::string& product_id, int q = 1) {
    return add(*client_, who, product_id, q);
  }
  // Every buyer checks out at the same moment, each on its own connection; status → count.
  std::map<int, int> place_all_at_once(const std::vector<Headers>& buyers) {
    std::map<int, int> statuses;
    std::mutex m;
    std::latch go(static_cast<std::ptrdiff_t>(buyers.size()));
    std::vector<std::thread> threads;
    for (const Headers& buyer : buyers)
      threads.emplace_back([&, buyer] {
        HttpClient c(server_->port());
        go.arrive_and_wait();
        int status = place(c, buyer).status;
        std::lock_guard lock(m);
        ++statuses[status];
      });
    for (auto& t : threads)
      t.join();
    return statuses;
  }
  HttpResponse place(HttpClient& c, const Headers& who, const std::string& body = "{}",
                     Headers extra = {}) {
    Headers h = who;
    h.insert(h.end(), extra.begin(), extra.end());
    return c.request("POST", "/api/orders", body, h);
  }

  TempDir dir_;
  FreshDatabase db_;
  OffsetClock clock_;
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<storage::Database> store_;
  std::unique_ptr<Seeder> seed_;
  std::unique_ptr<HttpClient> client_;
  Headers admin_, alice_, bob_;
};

TEST_P(OrdersApi, Cart_AddUpdateRemoveClear_WithExactTotals) {
  std::string a = product("Ten cents", 10, 50);
  std::string b = product("Twenty cents", 20, 50);
  ASSERT_EQ(add(alice_, a).status, 200);
  auto r = add(alice_, b);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json().at("message"), "Item added to cart.");
  EXPECT_THAT(r.body, HasSubstr(R"("totalItems":2,"totalPrice":0.3})"));  // 0.1 + 0.2, exactly
  auto got = client_->get("/api/cart", alice_);
  ASSERT_EQ(got.status, 200);
  auto j = got.json();
  EXPECT_EQ(j.at("items").as_array().size(), 2u);
  EXPECT_EQ(j.at("items").at(0).at("product").at("name"), "Ten cents");
  EXPECT_EQ(j.at("items").at(0).at("quantity"), 1);
  EXPECT_THAT(got.body, HasSubstr(R"("price":0.1,)"));

  ASSERT_EQ(add(alice_, a, 2).status, 200);  // adds up: 3
  auto upd = client_->request("PUT", "/api/cart/update",
                              R"({"productId":")" + b + R"(","quantity":5})", alice_);
  ASSERT_EQ(upd.status, 200) << upd.body;
  EXPECT_EQ(upd.json().at("message"), "Cart updated");
  EXPECT_THAT(upd.body, HasSubstr(R"("totalItems":8,"totalPrice":1.3})"));
  auto zero = client_->request("PUT", "/api/cart/update",
                               R"({"productId":")" + a + R"(","quantity":0})", alice_);
  ASSERT_EQ(zero.status, 200) << zero.body;  // 0 removes the line
  EXPECT_EQ(zero.json().at("cart").at("items").as_array().size(), 1u);
  ASSERT_EQ(add(alice_, a, 3).status, 200);
  auto rm = client_->request("DELETE", "/api/cart/remove/" + b, "", alice_);
  ASSERT_EQ(rm.status, 200);
  EXPECT_EQ(rm.json().at("message"), "Item removed from cart");
  EXPECT_EQ(rm.json().at("cart").at("totalItems"), 3);
  EXPECT_EQ(
      client_->request("DELETE", "/api/cart/remove", R"({"productId":")" + b + R"("})", alice_)
          .status,
      404);  // no longer in the cart
  ASSERT_EQ(
      client_->request("DELETE", "/api/cart/remove", R"({"productId":")" + a + R"("})", alice_)
          .status,
      200);
  ASSERT_EQ(add(alice_, a).status, 200);
  auto clear = client_->request("DELETE", "/api/cart/clear", "", alice_);
  EXPECT_EQ(clear.status, 200);
  EXPECT_EQ(clear.json().at("message"), "Cart cleared");
  EXPECT_EQ(client_->request("DELETE", "/api/cart/clear", "", alice_).status, 200);
  EXPECT_EQ(client_->get("/api/cart", alice_).json().at("totalItems"), 0);
  EXPECT_EQ(client_->get("/api/cart", bob_).json().at("items").as_array().size(), 0u);
  EXPECT_EQ(client_->get("/api/cart").status, 401);
}

TEST_P(OrdersApi, Cart_StockUnknownProductsAndBadQuantities) {
  std::string a = product("Scarce", 100, 3);
  ASSERT_EQ(add(alice_, a, 2).status, 200);
  auto over = add(alice_, a, 2);  // the cart already holds 2
  EXPECT_EQ(over.status, 409);
  EXPECT_EQ(over.json().at("message"), "Only 3 items available in stock.");
  EXPECT_EQ(add(alice_, fmt_id(999999)).status, 404);
  EXPECT_EQ(add(alice_, "not-an-id").status, 404);
  for (const char* q :
       {"-1", "0", "1.5", "\"3\"", "1e309", "9223372036854775808", "1001", "true", "null x"}) {
    auto r = client_->request("POST", "/api/cart/add",
                              R"({"productId":")" + a + R"(","quantity":)" + q + "}", alice_);
    EXPECT_EQ(r.status, 400) << q << " " << r.body;
  }
  EXPECT_EQ(
      client_->request("PUT", "/api/cart/update", R"({"productId":")" + a + R"("})", alice_).status,
      400);
  auto cart = client_->get("/api/cart", alice_).json();
  EXPECT_EQ(cart.at("totalItems"), 2);  // unchanged by every refusal
  // Deleting a product takes it out of every cart.
  auto lease = store_->acquire();
  catalog::ProductStore().remove(lease, a);
  EXPECT_EQ(client_->get("/api/cart", alice_).json().at("items").as_array().size(), 0u);
}

TEST_P(OrdersApi, PlaceOrder_CopiesNamesAndPrices_DeductsStock_EmptiesTheCart) {
  std::string a = product("Mug", 1250, 10);
  std::string b = product("Tea", 399, 10);
  ASSERT_EQ(add(alice_, a, 2).status, 200);
  ASSERT_EQ(add(alice_, b, 3).status, 200);
  auto r = place(*client_, alice_,
                 R"({"shippingAddress":{"name":"Alice","line1":"1 Main St","city":"Paris",)"
                 R"("postalCode":"75001","country":"fr"}})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json().at("message"), "Order placed successfully");
  auto o = r.json().at("order");
  EXPECT_EQ(o.at("status"), "placed");
  EXPECT_THAT(r.body, HasSubstr(R"("totalAmount":36.97,)"));
  EXPECT_THAT(r.body, HasSubstr(R"("priceAtPurchase":12.5})"));
  EXPECT_EQ(o.at("shippingAddress").at("country"), "FR");
  EXPECT_EQ(o.at("items").as_array().size(), 2u);
  EXPECT_EQ(stock(a), 8);
  EXPECT_EQ(stock(b), 7);
  EXPECT_EQ(client_->get("/api/cart", alice_).json().at("totalItems"), 0);
  std::string id(o.at("_id").as_string());

  // Later changes to the product do not touch the order.
  {
    auto lease = store_->acquire();
    lease.execute("UPDATE products SET price_cents = 1, name = 'Renamed' WHERE id = $1", {a});
  }
  auto mine = client_->get("/api/orders/my", alice_);
  ASSERT_EQ(mine.status, 200);
  EXPECT_EQ(mine.json().as_array().size(), 1u);
  EXPECT_THAT(mine.body, HasSubstr(R"("name":"Mug")"));
  EXPECT_THAT(mine.body, HasSubstr(R"("priceAtPurchase":12.5})"));
  EXPECT_EQ(client_->get("/api/orders/" + id, alice_).status, 200);
  EXPECT_EQ(client_->get("/api/orders/" + id, bob_).status, 404);  // not revealed
  EXPECT_EQ(client_->get("/api/orders/" + id, admin_).status, 200);
  EXPECT_EQ(client_->get("/api/orders/my", bob_).json().as_array().size(), 0u);
  EXPECT_EQ(client_->get("/api/orders", bob_).status, 403);
  auto all = client_->get("/api/orders?page=1&limit=10", admin_);
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(all.header("X-Total-Count"), "1");
  EXPECT_EQ(all.json().at(0).at("user").at("email"), "alice@example.com");
  EXPECT_EQ(client_->get("/api/orders?status=paid", admin_).json().as_array().size(), 0u);
  EXPECT_EQ(client_->get("/api/orders?status=bogus", admin_).status, 400);
  EXPECT_EQ(client_->get("/api/orders?limit=0", admin_).status, 400);

  EXPECT_EQ(place(*client_, alice_).status, 400);  // the cart is empty now
  EXPECT_EQ(place(*client_, alice_).json().at("message"), "Cart is empty");
}

TEST_P(OrdersApi, ShortSecondLine_Is409_AndNothingChanges) {
  std::string plenty = product("Plenty", 100, 10);
  std::string scarce = product("Scarce item", 100, 1);
  ASSERT_EQ(add(alice_, plenty, 2).status, 200);
  ASSERT_EQ(add(alice_, scarce, 1).status, 200);
  ASSERT_EQ(add(bob_, scarce, 1).status, 200);
  ASSERT_EQ(place(*client_, bob_).status, 201);  // bob takes the last one
  auto r = place(*client_, alice_);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.json().at("message"), "Not enough stock for Scarce item");
  EXPECT_EQ(stock(plenty), 10);
  EXPECT_EQ(stock(scarce), 0);
  EXPECT_EQ(client_->get("/api/cart", alice_).json().at("totalItems"), 3);  // cart kept
  EXPECT_EQ(count("SELECT COUNT(*) FROM orders"), 1);
}

TEST_P(OrdersApi, HundredBuyersTenUnits_ExactlyTenOrders_StockZero_No500) {
  std::string item = product("Hot item", 1999, 10);
  std::vector<Headers> buyers;
  for (int i = 0; i < 100; ++i) {
    buyers.push_back(user("buyer" + std::to_string(i) + "@example.com"));
    ASSERT_EQ(add(buyers.back(), item).status, 200);
  }
  std::map<int, int> statuses = place_all_at_once(buyers);
  EXPECT_EQ(statuses[201], 10);
  EXPECT_EQ(statuses[409], 90);
  EXPECT_EQ(statuses.size(), 2u) << "other statuses appeared";
  EXPECT_EQ(stock(item), 0);
  EXPECT_EQ(count("SELECT COALESCE(SUM(quantity), 0) FROM order_items"), 10);
}

TEST_P(OrdersApi, OverlappingMultiLineCarts_AtOnce_NeverOversellNorFail) {
  // Three products in every cart, added in different orders, more demand than stock: checkouts
  // lock products in one order (no deadlock cycles) and each is all or nothing.
  std::vector<std::string> items = {product("A", 100, 25), product("B", 200, 25),
                                    product("C", 300, 25)};
  constexpr int kBuyers = 40;
  std::vector<Headers> buyers;
  for (int i = 0; i < kBuyers; ++i) {
    buyers.push_back(user("multi" + std::to_string(i) + "@example.com"));
    for (int k = 0; k < 3; ++k)
      ASSERT_EQ(add(buyers.back(), items[(i + k) % 3]).status, 200);
  }
  std::map<int, int> statuses = place_all_at_once(buyers);
  EXPECT_EQ(statuses[201], 25);
  EXPECT_EQ(statuses[409], kBuyers - 25);
  EXPECT_EQ(statuses.size(), 2u) << "other statuses appeared";
  for (const auto& item : items)
    EXPECT_EQ(stock(item), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM order_items"), 75) << "every order has all three lines";
}

TEST_P(OrdersApi, IdempotencyKey_TwentyAtOnce_PlaceOneOrder) {
  std::string item = product("Lamp", 5000, 100);
  ASSERT_EQ(add(alice_, item, 2).status, 200);
  std::vector<HttpResponse> answers(20);
  std::latch go(20);
  std::vector<std::thread> threads;
  for (int i = 0; i < 20; ++i)
    threads.emplace_back([&, i] {
      HttpClient c(server_->port());
      go.arrive_and_wait();
      answers[i] = place(c, alice_, "{}", {{"Idempotency-Key", "order-123"}});
    });
  for (auto& t : threads)
    t.join();
  int replayed = 0;
  for (const auto& a : answers) {
    EXPECT_EQ(a.status, 201) << a.body;
    EXPECT_EQ(a.body, answers[0].body);
    replayed += a.header("Idempotent-Replayed") == "true" ? 1 : 0;
  }
  EXPECT_EQ(replayed, 19);
  EXPECT_EQ(count("SELECT COUNT(*) FROM orders"), 1);
  EXPECT_EQ(stock(item), 98);
  // Same key, another body: 409. Another user may use the same key.
  auto other =
      place(*client_, alice_, R"({"shippingAddress":null})", {{"Idempotency-Key", "order-123"}});
  EXPECT_EQ(other.status, 409);
  ASSERT_EQ(add(bob_, item).status, 200);
  EXPECT_EQ(place(*client_, bob_, "{}", {{"Idempotency-Key", "order-123"}}).status, 201);
  EXPECT_EQ(place(*client_, bob_, "{}", {{"Idempotency-Key", std::string(256, 'k')}}).status, 400);
}

TEST_P(OrdersApi, IdempotencyKey_ExpiresAfter24Hours) {
  std::string item = product("Pen", 100, 100);
  ASSERT_EQ(add(alice_, item).status, 200);
  ASSERT_EQ(place(*client_, alice_, "{}", {{"Idempotency-Key", "k1"}}).status, 201);
  ASSERT_EQ(add(alice_, item).status, 200);
  clock_.offset = std::chrono::hours(23);
  EXPECT_EQ(
      place(*client_, alice_, R"({"shippingAddress":null})", {{"Idempotency-Key", "k1"}}).status,
      409);  // still remembered
  clock_.offset = std::chrono::hours(25);
  auto fresh = place(*client_, alice_, R"({"shippingAddress":null})", {{"Idempotency-Key", "k1"}});
  EXPECT_EQ(fresh.status, 201) << fresh.body;  // forgotten: a new order
  EXPECT_FALSE(fresh.header("Idempotent-Replayed").has_value());
  EXPECT_EQ(count("SELECT COUNT(*) FROM orders"), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM idempotency_keys"), 1);
}

TEST_P(OrdersApi, Lifecycle_AllowedMovesOnly_CancelReturnsStockOnce) {
  std::string item = product("Chair", 4500, 5);
  ASSERT_EQ(add(alice_, item, 2).status, 200);
  std::string id(place(*client_, alice_).json().at("order").at("_id").as_string());
  auto status = [&](const std::string& s) {
    return client_->request("PATCH", "/api/orders/" + id + "/status",
                            R"({"status":")" + s + R"("})", admin_);
  };
  EXPECT_EQ(status("shipped").status, 409);  // placed → shipped skips paid
  EXPECT_EQ(status("bogus").status, 400);
  EXPECT_EQ(
      client_->request("PATCH", "/api/orders/" + id + "/status", R"({"status":"paid"})", alice_)
          .status,
      403);
  EXPECT_EQ(client_->request("POST", "/api/orders/" + id + "/cancel", "", bob_).status, 404);
  ASSERT_EQ(status("paid").status, 200);
  EXPECT_EQ(stock(item), 3);

  // Two cancels at once: one succeeds, the stock comes back once.
  std::vector<int> codes(2);
  std::latch go(2);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i)
    threads.emplace_back([&, i] {
      HttpClient c(server_->port());
      go.arrive_and_wait();
      codes[i] = c.request("POST", "/api/orders/" + id + "/cancel", "", alice_).status;
    });
  for (auto& t : threads)
    t.join();
  std::sort(codes.begin(), codes.end());
  EXPECT_EQ(codes, (std::vector<int>{200, 409}));
  EXPECT_EQ(stock(item), 5);
  EXPECT_EQ(client_->get("/api/orders/" + id, alice_).json().at("status"), "cancelled");
  EXPECT_EQ(status("paid").status, 409);

  // The full happy path on a second order.
  ASSERT_EQ(add(alice_, item, 1).status, 200);
  std::string id2(place(*client_, alice_).json().at("order").at("_id").as_string());
  for (const char* s : {"paid", "shipped", "delivered"}) {
    auto r = client_->request("PATCH", "/api/orders/" + id2 + "/status",
                              std::string(R"({"status":")") + s + R"("})", admin_);
    ASSERT_EQ(r.status, 200) << s;
    EXPECT_EQ(r.json().at("status"), s);
  }
  EXPECT_EQ(client_->request("POST", "/api/orders/" + id2 + "/cancel", "", alice_).status, 409);
  EXPECT_EQ(stock(item), 4);
}

TEST_P(OrdersApi, ShippingAddress_IsValidated) {
  std::string item = product("Desk", 100, 5);
  ASSERT_EQ(add(alice_, item).status, 200);
  for (
      const std::string& bad :
      {std::string(R"({"shippingAddress":"Paris"})"),
       std::string(
           R"({"shippingAddress":{"name":"A","line1":"1","city":"P","postalCode":"1","country":"FRA"}})"),
       std::string(
           R"({"shippingAddress":{"name":"A","line1":"1","city":"P","postalCode":"1","country":"1x"}})"),
       std::string(
           R"({"shippingAddress":{"line1":"1","city":"P","postalCode":"1","country":"FR"}})"),
       R"({"shippingAddress":{"name":")" + std::string(101, 'n') +
           R"(","line1":"1","city":"P","postalCode":"1","country":"FR"}})",
       std::string(
           R"({"shippingAddress":{"name":"A\n","line1":1,"city":"P","postalCode":"1","country":"FR"}})")}) {
    EXPECT_EQ(place(*client_, alice_, bad).status, 400) << bad;
  }
  EXPECT_EQ(stock(item), 5);
  EXPECT_EQ(count("SELECT COUNT(*) FROM orders"), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, OrdersApi, ::testing::ValuesIn(backend_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace shop::test
