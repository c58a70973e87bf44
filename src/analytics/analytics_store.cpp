#include "analytics/analytics_store.hpp"

#include <fmt/format.h>

#include <map>

#include "orders/order_totals.hpp"

namespace shop::analytics {
namespace {

using storage::Value;

constexpr std::int64_t kHour = orders::kTotalsHour;
constexpr std::int64_t kDay = orders::kTotalsDay;

// Every statement here only reads. The report runs them in one read transaction, so they see
// one snapshot of the database, in which the running totals agree with the orders.

// A part [lo, hi) of the report's span number `index`.
struct Span {
  std::int64_t lo = 0;
  std::int64_t hi = 0;
  std::int64_t index = 0;
};

// What each span's totals are made of: orders, sales and the five status counts, from
// sales_hours over whole hours, or from the orders themselves (orders_sales_idx, which holds
// created_at, status and total_cents) over the part hours.
constexpr std::string_view kHourColumns =
    "sum(x.orders), sum(x.sales_cents), sum(x.placed), sum(x.paid), sum(x.shipped), "
    "sum(x.delivered), sum(x.cancelled)";
constexpr std::string_view kOrderColumns =
    "sum(CASE WHEN x.status <> 'cancelled' THEN 1 ELSE 0 END), "
    "sum(CASE WHEN x.status <> 'cancelled' THEN x.total_cents ELSE 0 END), "
    "sum(CASE WHEN x.status = 'placed' THEN 1 ELSE 0 END), "
    "sum(CASE WHEN x.status = 'paid' THEN 1 ELSE 0 END), "
    "sum(CASE WHEN x.status = 'shipped' THEN 1 ELSE 0 END), "
    "sum(CASE WHEN x.status = 'delivered' THEN 1 ELSE 0 END), "
    "sum(CASE WHEN x.status = 'cancelled' THEN 1 ELSE 0 END)";

// One aggregate per span over an index range of `table` x on `column`, all spans in one query.
// The spans come as one parameter: SQLite reads a JSON array of [lo, hi, index] with json_each,
// PostgreSQL three arrays with unnest.
std::string per_span_sql(storage::Dialect dialect, std::string_view columns, std::string_view table,
                         std::string_view column) {
  if (dialect == storage::Dialect::postgres)
    return fmt::format(
        "SELECT d.i, {0} FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS d(lo, hi, i) "
        "JOIN {1} x ON x.{2} >= d.lo AND x.{2} < d.hi GROUP BY d.i",
        columns, table, column);
  return fmt::format(
      "SELECT d.value ->> 2, {0} FROM json_each($1) d JOIN {1} x "
      "ON x.{2} >= (d.value ->> 0) AND x.{2} < (d.value ->> 1) GROUP BY d.value ->> 2",
      columns, table, column);
}

// Units and sales per product over whole UTC days.
constexpr std::string_view kProductDays =
    "SELECT product_id, sum(units), sum(sales_cents) FROM product_sales_days "
    "WHERE day >= $1 AND day < $2 GROUP BY product_id";
// The same over part days: every line placed in the span (order_items_sales_idx alone), less the
// lines of the span's cancelled orders (orders_status_created_idx, then their lines).
constexpr std::string_view kLineSales =
    "SELECT product_id, sum(quantity), sum(price_cents * quantity) FROM order_items "
    "WHERE placed_at >= $1 AND placed_at < $2 GROUP BY product_id";
constexpr std::string_view kCancelledLineSales =
    "SELECT i.product_id, sum(i.quantity), sum(i.price_cents * i.quantity) "
    "FROM orders o JOIN order_items i ON i.order_id = o.id "
    "WHERE o.status = 'cancelled' AND o.created_at >= $1 AND o.created_at < $2 "
    "GROUP BY i.product_id";
constexpr std::string_view kProductNow = "SELECT name, image_list FROM products WHERE id = $1";
// order_items_product_idx.
constexpr std::string_view kProductLine =
    "SELECT name, image FROM order_items WHERE product_id = $3 AND placed_at >= $1 "
    "AND placed_at < $2 LIMIT 1";

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

// Multiples of `unit` at or after, and at or before, a time (never negative here).
std::int64_t round_up(std::int64_t t, std::int64_t unit) {
  return (t + unit - 1) / unit * unit;
}
std::int64_t round_down(std::int64_t t, std::int64_t unit) {
  return t / unit * unit;
}

// Runs a per_span_sql() query over `spans`, adding each row's seven totals to its span's.
void add_per_span(storage::Executor& db, std::string_view columns, std::string_view table,
                  std::string_view column, const std::vector<Span>& spans,
                  std::vector<SpanTotals>& out) {
  if (spans.empty()) return;
  std::string sql = per_span_sql(db.dialect(), columns, table, column);
  storage::Result rows;
  if (db.dialect() == storage::Dialect::postgres) {
    std::vector<std::int64_t> lo, hi, index;
    for (const auto& s : spans) {
      lo.push_back(s.lo);
      hi.push_back(s.hi);
      index.push_back(s.index);
    }
    rows = db.execute(sql, {Value(pg_array(lo)), Value(pg_array(hi)), Value(pg_array(index))});
  } else {
    std::string json = "[";
    for (const auto& s : spans)
      json += fmt::format("{}[{},{},{}]", json.size() == 1 ? "" : ",", s.lo, s.hi, s.index);
    rows = db.execute(sql, {Value(json + "]")});
  }
  for (const auto& row : rows.rows()) {
    auto i = static_cast<std::size_t>(row.get_int(0));
    if (i >= out.size()) continue;
    out[i].sales.orders += row.get_int(1);
    out[i].sales.sales += row.get_int(2);
    for (std::size_t s = 0; s < out[i].by_status.size(); ++s)
      out[i].by_status[s] += row.get_int(3 + static_cast<int>(s));
  }
}

}  // namespace

std::vector<SpanTotals> AnalyticsStore::totals_by_span(
    storage::Executor& db, const std::vector<std::int64_t>& starts) const {
  std::vector<SpanTotals> out(starts.size() < 2 ? 0 : starts.size() - 1);
  // Each span is its whole hours, read from sales_hours, and the part hours at its ends (a zone
  // such as UTC+05:30), read from the orders.
  std::vector<Span> hours;
  std::vector<Span> parts;
  for (std::size_t i = 0; i < out.size(); ++i) {
    std::int64_t lo = starts[i];
    std::int64_t hi = starts[i + 1];
    auto index = static_cast<std::int64_t>(i);
    std::int64_t first = round_up(lo, kHour);
    std::int64_t last = round_down(hi, kHour);
    if (first >= last) {
      parts.push_back({lo, hi, index});
      continue;
    }
    hours.push_back({first, last, index});
    if (lo < first) parts.push_back({lo, first, index});
    if (last < hi) parts.push_back({last, hi, index});
  }
  add_per_span(db, kHourColumns, "sales_hours", "hour", hours, out);
  add_per_span(db, kOrderColumns, "orders", "created_at", parts, out);
  return out;
}

std::vector<ProductSales> AnalyticsStore::product_sales(storage::Executor& db, std::int64_t from,
                                                        std::int64_t to) const {
  std::map<std::string, ProductSales> by_id;
  auto add = [&](const storage::Result& rows, std::int64_t sign) {
    for (const auto& row : rows.rows()) {
      const std::string& id = row.get_text(0);
      auto& p = by_id[id];
      p.product_id = id;
      p.units += sign * row.get_int(1);
      p.sales += sign * row.get_int(2);
    }
  };
  // Whole UTC days from product_sales_days; the part days at the ends from the lines.
  std::int64_t first = round_up(from, kDay);
  std::int64_t last = round_down(to, kDay);
  std::vector<std::pair<std::int64_t, std::int64_t>> parts;
  if (first < last) {
    add(db.execute(kProductDays, {Value(first), Value(last)}), 1);
    if (from < first) parts.emplace_back(from, first);
    if (last < to) parts.emplace_back(last, to);
  } else {
    parts.emplace_back(from, to);
  }
  for (auto [lo, hi] : parts) {
    add(db.execute(kLineSales, {Value(lo), Value(hi)}), 1);
    add(db.execute(kCancelledLineSales, {Value(lo), Value(hi)}), -1);
  }
  std::vector<ProductSales> out;
  out.reserve(by_id.size());
  for (auto& [id, p] : by_id)
    if (p.units > 0) out.push_back(std::move(p));
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
