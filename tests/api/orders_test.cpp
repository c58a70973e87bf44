// Orders (/api/orders) over a real socket, on every backend: checkout atomicity under
// concurrency, idempotency, the order lifecycle.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <latch>
#include <map>
#include <thread>

#include "shop_api.hpp"

namespace shop::test {
namespace {

using ::testing::HasSubstr;

class OrdersApi : public ShopApi {};

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
  clock_.set_offset(std::chrono::hours(23));
  EXPECT_EQ(
      place(*client_, alice_, R"({"shippingAddress":null})", {{"Idempotency-Key", "k1"}}).status,
      409);  // still remembered
  clock_.set_offset(std::chrono::hours(25));
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
