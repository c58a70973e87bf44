#include "orders/order_totals.hpp"

#include <fmt/format.h>

#include <array>
#include <map>

namespace shop::orders {
namespace {

using storage::Value;

constexpr int kPostgresShards = 8;

// Safe: one statement adds to the row (or creates it), so concurrent orders of one hour add up;
// nothing is read first. Each column is a count or a sum, changed only by the deltas given.
constexpr std::string_view kAddToHour =
    "INSERT INTO sales_hours (hour, shard, orders, sales_cents, placed, paid, shipped, delivered, "
    "cancelled) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (hour, shard) DO UPDATE "
    "SET orders = sales_hours.orders + excluded.orders, "
    "sales_cents = sales_hours.sales_cents + excluded.sales_cents, "
    "placed = sales_hours.placed + excluded.placed, paid = sales_hours.paid + excluded.paid, "
    "shipped = sales_hours.shipped + excluded.shipped, "
    "delivered = sales_hours.delivered + excluded.delivered, "
    "cancelled = sales_hours.cancelled + excluded.cancelled";
// Safe the same way; the rows come in product id order, so two orders lock shared rows in the
// same order (and checkout has locked the products themselves before).
constexpr std::string_view kAddToProductDays =
    "INSERT INTO product_sales_days (day, product_id, units, sales_cents) VALUES {} "
    "ON CONFLICT (day, product_id) DO UPDATE "
    "SET units = product_sales_days.units + excluded.units, "
    "sales_cents = product_sales_days.sales_cents + excluded.sales_cents";

// Adds `sign` times the order: its sales (when `sales` is set) and a count under the statuses
// in `statuses`, each -1, 0 or +1.
void add(storage::Executor& db, const Order& o, const std::array<int, 5>& statuses, int sales) {
  if (sales != 0 && !o.items.empty()) {
    // Lines of one product are one row (a cart has one line per product, but an order need not).
    std::map<std::string_view, std::pair<std::int64_t, Cents>> by_product;
    for (const auto& item : o.items) {
      auto& [units, cents] = by_product[item.product_id];
      units += item.quantity;
      cents += item.price * item.quantity;
    }
    std::vector<Value> params;
    std::string rows;
    for (const auto& [product, sums] : by_product) {
      params.emplace_back(o.created_at - o.created_at % kTotalsDay);
      params.emplace_back(std::string(product));
      params.emplace_back(sales * sums.first);
      params.emplace_back(sales * sums.second);
      std::size_t f = params.size() - 3;
      rows +=
          fmt::format("{}(${}, ${}, ${}, ${})", rows.empty() ? "" : ", ", f, f + 1, f + 2, f + 3);
    }
    db.execute(fmt::format(kAddToProductDays, rows), params);
  }
  std::vector<Value> params;
  params.emplace_back(o.created_at - o.created_at % kTotalsHour);
  params.emplace_back(static_cast<std::int64_t>(totals_shard(db.dialect(), o.id)));
  params.emplace_back(static_cast<std::int64_t>(sales));
  params.emplace_back(sales * o.total);
  for (int s : statuses)
    params.emplace_back(static_cast<std::int64_t>(s));
  db.execute(kAddToHour, params);
}

}  // namespace

int totals_shard(storage::Dialect dialect, std::string_view order_id) {
  if (dialect != storage::Dialect::postgres) return 0;
  // FNV-1a: the same order always lands on the same row, whatever the build.
  std::uint32_t h = 2166136261u;
  for (unsigned char c : order_id)
    h = (h ^ c) * 16777619u;
  return static_cast<int>(h % kPostgresShards);
}

void OrderTotals::placed(storage::Executor& db, const Order& order) const {
  std::array<int, 5> statuses{};
  statuses[static_cast<std::size_t>(order.status)] = 1;
  add(db, order, statuses, order.status == OrderStatus::cancelled ? 0 : 1);
}

void OrderTotals::moved(storage::Executor& db, const Order& order, OrderStatus to) const {
  if (to == order.status) return;
  std::array<int, 5> statuses{};
  statuses[static_cast<std::size_t>(order.status)] = -1;
  statuses[static_cast<std::size_t>(to)] = 1;
  int sales = 0;
  if (to == OrderStatus::cancelled) sales = -1;
  if (order.status == OrderStatus::cancelled) sales = 1;
  add(db, order, statuses, sales);
}

}  // namespace shop::orders
