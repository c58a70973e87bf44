#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cart/cart_store.hpp"
#include "orders/order.hpp"
#include "orders/order_totals.hpp"
#include "storage/database.hpp"

namespace shop::orders {

struct OrderListQuery {
  std::optional<std::string> user_id;  // only this user's orders
  std::optional<OrderStatus> status;
  std::int64_t limit = 1000;
  std::int64_t offset = 0;
  bool with_users = false;  // join the user's name and email (admin list)
};

// What deduct_cart took from the buyer's cart.
struct CartDeduction {
  // Every line, with its product's name, picture and price at this moment; empty for an empty
  // cart.
  std::vector<OrderItem> items;
  // Set when a line's product had too little stock left (or was gone): then nothing may be kept,
  // and the caller rolls its transaction back. The product's name, when it still exists.
  bool came_short = false;
  std::optional<std::string> short_product_name;
};

// The orders and order_items tables, and checkout's deduction from products and the cart.
class OrderStore {
 public:
  // Takes the buyer's cart, in the caller's write transaction: each line's quantity is deducted
  // from its product's stock only if enough is left, and the cart is emptied. On PostgreSQL one
  // statement (one round trip) that locks the cart rows, then the products in id order; on
  // SQLite (writers serialized) one statement per line.
  CartDeduction deduct_cart(storage::Executor& db, std::string_view user_id) const;
  // Writes the order and its lines (on PostgreSQL as one statement, on SQLite as two), and adds
  // it to the sales totals.
  void insert(storage::Executor& db, const Order& order) const;
  std::optional<Order> find(storage::Executor& db, std::string_view id) const;
  // find(), locking the order until the transaction ends (PostgreSQL; SQLite's writers are
  // serialized), so that its status is the one move_status() moves it from.
  std::optional<Order> lock(storage::Executor& db, std::string_view id) const;
  // Newest first, items included; and the count of all matching orders.
  std::vector<Order> list(storage::Executor& db, const OrderListQuery& q) const;
  std::int64_t count(storage::Executor& db, const OrderListQuery& q) const;
  // Moves a locked order from its status to `to`, and the sales totals with it; false when its
  // status was no longer order.status (then nothing changed).
  bool move_status(storage::Executor& db, const Order& order, OrderStatus to,
                   std::int64_t now) const;

 private:
  std::optional<Order> find_with(storage::Executor& db, std::string_view sql,
                                 std::string_view id) const;

  cart::CartStore carts_;
  OrderTotals totals_;
};

// ShippingAddress ↔ the JSON text kept in orders.shipping_address.
std::string shipping_to_json(const ShippingAddress& a);
ShippingAddress shipping_from_json(std::string_view text);

}  // namespace shop::orders
