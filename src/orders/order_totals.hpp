#pragma once

#include <cstdint>

#include "orders/order.hpp"
#include "storage/database.hpp"

namespace shop::orders {

// The buckets of sales_hours and product_sales_days, in milliseconds.
constexpr std::int64_t kTotalsHour = 3'600'000;
constexpr std::int64_t kTotalsDay = 24 * kTotalsHour;

// The running totals the admin sales report reads (migrations/common/0008_sales_totals.sql):
// sales and orders by status per UTC hour, units and sales per product and UTC day. OrderStore
// keeps them in the transaction that writes the order, so they always agree with the orders.
class OrderTotals {
 public:
  // A new order: its hour's sales (unless it is cancelled) and status count, and its lines.
  void placed(storage::Executor& db, const Order& order) const;
  // An order moving from order.status to `to`: the status counts of its hour, and when it is
  // cancelled (or uncancelled, which no route does) its sales and its lines.
  void moved(storage::Executor& db, const Order& order, OrderStatus to) const;
};

// The row of an order's hour that its totals go to: 0 on SQLite (one writer at a time), one of
// several on PostgreSQL, picked by the order id, so concurrent checkouts rarely wait for one row.
int totals_shard(storage::Dialect dialect, std::string_view order_id);

}  // namespace shop::orders
