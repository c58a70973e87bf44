#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "orders/order.hpp"
#include "storage/database.hpp"

namespace shop::orders {

struct OrderListQuery {
  std::optional<std::string> user_id;  // only this user's orders
  std::optional<std::string> status;
  std::int64_t limit = 1000;
  std::int64_t offset = 0;
  bool with_users = false;  // join the user's name and email (admin list)
};

// The orders and order_items tables.
class OrderStore {
 public:
  // Writes the order and its lines and empties the buyer's cart: on PostgreSQL as one statement
  // (one round trip), on SQLite as three.
  void insert_and_clear_cart(storage::Executor& db, const Order& order) const;
  std::optional<Order> find(storage::Executor& db, std::string_view id) const;
  // Newest first, items included; and the count of all matching orders.
  std::vector<Order> list(storage::Executor& db, const OrderListQuery& q) const;
  std::int64_t count(storage::Executor& db, const OrderListQuery& q) const;
  // Moves the status only if it is one of `from` now; false when it was not (or no such order).
  bool move_status(storage::Executor& db, std::string_view id,
                   const std::vector<std::string_view>& from, std::string_view to,
                   std::int64_t now) const;
};

// ShippingAddress ↔ the JSON text kept in orders.shipping_address.
std::string shipping_to_json(const ShippingAddress& a);
ShippingAddress shipping_from_json(std::string_view text);

}  // namespace shop::orders
