// The cart (/api/cart) over a real socket, on every backend: exact totals, stock and quantity
// checks, and refusals that change nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "catalog/product_store.hpp"
#include "shop_api.hpp"

namespace shop::test {
namespace {

using ::testing::HasSubstr;

class CartApi : public ShopApi {};

TEST_P(CartApi, AddUpdateRemoveClear_WithExactTotals) {
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

TEST_P(CartApi, StockUnknownProductsAndBadQuantities) {
  std::string a = product("Scarce", 100, 3);
  ASSERT_EQ(add(alice_, a, 2).status, 200);
  auto over = add(alice_, a, 2);  // the cart already holds 2
  EXPECT_EQ(over.status, 409);
  EXPECT_EQ(over.json().at("message"), "Only 3 items available in stock.");
  EXPECT_EQ(add(alice_, unknown_id(999999)).status, 404);
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

INSTANTIATE_TEST_SUITE_P(Backends, CartApi, ::testing::ValuesIn(backend_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace shop::test
