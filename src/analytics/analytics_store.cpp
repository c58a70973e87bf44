#include "analytics/analytics_store.hpp"

#include <fmt/format.h>

#include <map>

#include "orders/order_status.hpp"

namespace shop::analytics {
namespace {

using storage::Value;

// Every statement here only reads. The report runs them in one read transaction, so they see
// one snapshot of the database.

// Sales per local day. The days' bounds come as one parameter: SQLite reads a JSON array of
// [from, to) pairs with json_each, PostgreSQL two arrays with unnest. Each day is an index range
// of orders_sales_idx (created_at, status, total_cents, id), read without touching the table.
constexpr std::string_view kSalesByDaySqlite =
    "SELECT d.key, count(o.created_at), coalesce(sum(o.total_cents), 0) "
    "FROM json_each($1) d JOIN orders o "
    "ON o.created_at >= (d.value ->> 0) AND o.created_at < (d.value ->> 1) "
    "AND o.status <> 'cancelled' GROUP BY d.key";
constexpr std::string_view kSalesByDayPostgres =
    "SELECT d.i - 1, count(o.created_at), coalesce(sum(o.total_cents), 0) "
    "FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS d(lo, hi, i) JOIN orders o "
    "ON o.created_at >= d.lo AND o.created_at < d.hi AND o.status <> 'cancelled' GROUP BY d.i";

constexpr std::string_view kSales =
    "SELECT count(*), coalesce(sum(total_cents), 0) FROM orders "
    "WHERE created_at >= $1 AND created_at < $2 AND status <> 'cancelled'";

// Units and sales per product: every line placed in the span (order_items_sales_idx alone),
// less the lines of the span's cancelled orders (orders_status_created_idx, then their lines).
constexpr std::string_view kLineSales =
    "SELECT product_id, sum(quantity), sum(price_cents * quantity) FROM order_items "
    "WHERE placed_at >= $1 AND placed_at < $2 GROUP BY product_id";
constexpr std::string_view kCancelledLineSales =
    "SELECT i.product_id, sum(i.quantity), sum(i.price_cents * i.quantity) "
    "FROM orders o JOIN order_items i ON i.order_id = o.id "
    "WHERE o.status = 'cancelled' AND o.created_at >= $1 AND o.created_at < $2 "
    "GROUP BY i.product_id";
constexpr std::string_view kProductNow = "SELECT name, image_list FROM products WHERE id = $1";
constexpr std::string_view kProductLine =
    "SELECT name, image FROM order_items WHERE placed_at >= $1 AND placed_at < $2 "
    "AND product_id = $3 LIMIT 1";

constexpr std::string_view kByStatus =
    "SELECT status, count(*) FROM orders WHERE created_at >= $1 AND created_at < $2 "
    "GROUP BY status";

constexpr std::string_view kNewCustomers =
    "SELECT count(*) FROM users WHERE created_at >= $1 AND created_at < $2 AND role <> 'admin'";

constexpr std::string_view kLowStock =
    "SELECT id, name, stock FROM products WHERE stock <= $1 ORDER BY stock, name, id LIMIT $2";

// "{1,2,3}": a PostgreSQL array literal of whole numbers.
std::string pg_array(const std::vector<std::int64_t>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i)
    out += fmt::format("{}{}", i == 0 ? "" : ",", values[i]);
  return out + "}";
}

}  // namespace

std::vector<SalesTotals> AnalyticsStore::sales_by_span(
    storage::Executor& db, const std::vector<std::int64_t>& starts) const {
  std::vector<SalesTotals> out(starts.size() < 2 ? 0 : starts.size() - 1);
  if (out.empty()) return out;
  storage::Result rows;
  if (db.dialect() == storage::Dialect::postgres) {
    std::vector<std::int64_t> lo(starts.begin(), starts.end() - 1);
    std::vector<std::int64_t> hi(starts.begin() + 1, starts.end());
    rows = db.execute(kSalesByDayPostgres, {Value(pg_array(lo)), Value(pg_array(hi))});
  } else {
    std::string spans = "[";
    for (std::size_t i = 0; i + 1 < starts.size(); ++i)
      spans += fmt::format("{}[{},{}]", i == 0 ? "" : ",", starts[i], starts[i + 1]);
    rows = db.execute(kSalesByDaySqlite, {Value(spans + "]")});
  }
  for (const auto& row : rows.rows()) {
    auto i = static_cast<std::size_t>(row.get_int(0));
    if (i < out.size()) out[i] = SalesTotals{row.get_int(1), row.get_int(2)};
  }
  return out;
}

SalesTotals AnalyticsStore::sales(storage::Executor& db, std::int64_t from, std::int64_t to) const {
  auto r = db.execute(kSales, {Value(from), Value(to)});
  return SalesTotals{r.front().get_int(0), r.front().get_int(1)};
}

std::vector<ProductSales> AnalyticsStore::product_sales(storage::Executor& db, std::int64_t from,
                                                        std::int64_t to) const {
  std::map<std::string, ProductSales> by_id;
  for (const auto& row : db.execute(kLineSales, {Value(from), Value(to)}).rows()) {
    const std::string& id = row.get_text(0);
    by_id[id] = ProductSales{id, "", std::nullopt, row.get_int(1), row.get_int(2)};
  }
  for (const auto& row : db.execute(kCancelledLineSales, {Value(from), Value(to)}).rows()) {
    auto it = by_id.find(row.get_text(0));
    if (it == by_id.end()) continue;
    it->second.units -= row.get_int(1);
    it->second.sales -= row.get_int(2);
    if (it->second.units <= 0) by_id.erase(it);
  }
  std::vector<ProductSales> out;
  out.reserve(by_id.size());
  for (auto& [id, p] : by_id)
    out.push_back(std::move(p));
  return out;
}

void AnalyticsStore::describe(storage::Executor& db, std::vector<ProductSales>& products,
                              std::int64_t from, std::int64_t to) const {
  for (auto& p : products) {
    auto now = db.execute(kProductNow, {Value(p.product_id)});
    if (!now.empty()) {
      p.name = now.front().get_text(0);
      p.image = now.front().get_opt_text(1);
      continue;
    }
    auto line = db.execute(kProductLine, {Value(from), Value(to), Value(p.product_id)});
    if (!line.empty()) {
      p.name = line.front().get_text(0);
      p.image = line.front().get_opt_text(1);
    }
  }
}

std::array<std::int64_t, 5> AnalyticsStore::orders_by_status(storage::Executor& db,
                                                             std::int64_t from,
                                                             std::int64_t to) const {
  std::array<std::int64_t, 5> out{};
  for (const auto& row : db.execute(kByStatus, {Value(from), Value(to)}).rows()) {
    auto status = orders::parse_order_status(row.get_text(0));
    if (status) out[static_cast<std::size_t>(*status)] = row.get_int(1);
  }
  return out;
}

std::int64_t AnalyticsStore::new_customers(storage::Executor& db, std::int64_t from,
                                           std::int64_t to) const {
  return db.execute(kNewCustomers, {Value(from), Value(to)}).front().get_int(0);
}

std::vector<LowStockProduct> AnalyticsStore::low_stock(storage::Executor& db,
                                                       std::int64_t threshold,
                                                       std::int64_t limit) const {
  std::vector<LowStockProduct> out;
  for (const auto& row : db.execute(kLowStock, {Value(threshold), Value(limit)}).rows())
    out.push_back(LowStockProduct{row.get_text(0), row.get_text(1), row.get_int(2)});
  return out;
}

}  // namespace shop::analytics
