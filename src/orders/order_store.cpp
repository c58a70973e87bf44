#include "orders/order_store.hpp"

#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <map>

#include "core/json_writer.hpp"

namespace shop::orders {
namespace {

using storage::to_value;
using storage::Value;

// Safe: new rows (a fresh random id), written in the checkout's transaction.
constexpr std::string_view kInsertOrder =
    "INSERT INTO orders (id, user_id, status, total_cents, shipping_address, created_at, "
    "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
// Safe: new rows of the new order, in the same transaction.
constexpr std::string_view kInsertItems =
    "INSERT INTO order_items (order_id, line, product_id, name, image, price_cents, quantity) "
    "VALUES ";
// Safe: the checkout locked these cart rows (PostgreSQL: FOR UPDATE; SQLite: BEGIN IMMEDIATE).
constexpr std::string_view kClearCart = "DELETE FROM cart_items WHERE user_id = $1";
// Safe as kClearCart; inside the PostgreSQL statement the buyer is the order's $2.
constexpr std::string_view kClearCartOfOrder = "DELETE FROM cart_items WHERE user_id = $2";
constexpr std::string_view kOrderColumns =
    "o.id, o.user_id, o.status, o.total_cents, o.shipping_address, o.created_at, o.updated_at";
constexpr std::string_view kItemsOf =
    "SELECT order_id, product_id, name, image, price_cents, quantity FROM order_items "
    "WHERE order_id = $1 ORDER BY line";

Order order_from_row(const storage::Row& row) {
  Order o;
  o.id = row.get_text(0);
  o.user_id = row.get_text(1);
  o.status = row.get_text(2);
  o.total = row.get_int(3);
  if (auto s = row.get_opt_text(4)) o.shipping = shipping_from_json(*s);
  o.created_at = row.get_int(5);
  o.updated_at = row.get_int(6);
  return o;
}

OrderItem item_from_row(const storage::Row& row) {
  return OrderItem{row.get_text(1), row.get_text(2), row.get_opt_text(3), row.get_int(4),
                   row.get_int(5)};
}

// " WHERE ..." for the list filters, with their parameters.
std::string where_clause(const OrderListQuery& q, std::vector<Value>& params) {
  std::string where;
  auto add = [&](std::string_view column, const std::string& v) {
    params.emplace_back(v);
    where += where.empty() ? " WHERE " : " AND ";
    where += fmt::format("o.{} = ${}", column, params.size());
  };
  if (q.user_id) add("user_id", *q.user_id);
  if (q.status) add("status", *q.status);
  return where;
}

}  // namespace

bool status_move_allowed(std::string_view from, std::string_view to) {
  return (from == "placed" && (to == "paid" || to == "cancelled")) ||
         (from == "paid" && (to == "shipped" || to == "cancelled")) ||
         (from == "shipped" && to == "delivered");
}

std::string shipping_to_json(const ShippingAddress& a) {
  JsonWriter w;
  w.begin_object().key("name").string(a.name).key("line1").string(a.line1);
  if (a.line2) w.key("line2").string(*a.line2);
  w.key("city").string(a.city).key("postalCode").string(a.postal_code);
  w.key("country").string(a.country).end_object();
  return w.take();
}

ShippingAddress shipping_from_json(std::string_view text) {
  auto v = boost::json::parse(text).as_object();
  auto str = [&](const char* k) { return std::string(v.at(k).as_string()); };
  ShippingAddress a{str("name"), str("line1"),      std::nullopt,
                    str("city"), str("postalCode"), str("country")};
  if (auto it = v.find("line2"); it != v.end()) a.line2 = std::string(it->value().as_string());
  return a;
}

namespace {

// "INSERT INTO order_items ... VALUES ($f, ..., $f+6), ..." for `lines` lines, numbered from f.
std::string insert_items_sql(std::size_t lines, std::size_t first) {
  std::string sql(kInsertItems);
  for (std::size_t i = 0; i < lines; ++i) {
    std::size_t f = first + i * 7;
    sql += fmt::format("{}(${}, ${}, ${}, ${}, ${}, ${}, ${})", i == 0 ? "" : ", ", f, f + 1, f + 2,
                       f + 3, f + 4, f + 5, f + 6);
  }
  return sql;
}

}  // namespace

void OrderStore::insert_and_clear_cart(storage::Executor& db, const Order& o) const {
  std::vector<Value> order;
  order.emplace_back(o.id);
  order.emplace_back(o.user_id);
  order.emplace_back(o.status);
  order.emplace_back(o.total);
  order.push_back(o.shipping ? Value(shipping_to_json(*o.shipping)) : Value(nullptr));
  order.emplace_back(o.created_at);
  order.emplace_back(o.updated_at);
  std::vector<Value> items;
  std::int64_t line = 0;
  for (const auto& item : o.items) {
    items.emplace_back(o.id);
    items.emplace_back(++line);
    items.emplace_back(item.product_id);
    items.emplace_back(item.name);
    items.push_back(to_value(item.image));
    items.emplace_back(item.price);
    items.emplace_back(item.quantity);
  }
  if (db.dialect() == storage::Dialect::postgres) {
    std::vector<Value> all = order;
    all.insert(all.end(), items.begin(), items.end());
    db.execute(fmt::format("WITH new_order AS ({}), new_items AS ({}) {}", kInsertOrder,
                           insert_items_sql(o.items.size(), 8), kClearCartOfOrder),
               all);
    return;
  }
  // SQLite has no data-modifying WITH; it runs in process, so three statements cost little.
  db.execute(kInsertOrder, order);
  db.execute(insert_items_sql(o.items.size(), 1), items);
  std::vector<Value> user;
  user.emplace_back(o.user_id);
  db.execute(kClearCart, user);
}

std::optional<Order> OrderStore::find(storage::Executor& db, std::string_view id) const {
  auto r = db.execute(fmt::format("SELECT {} FROM orders o WHERE o.id = $1", kOrderColumns),
                      {to_value(id)});
  if (r.empty()) return std::nullopt;
  Order o = order_from_row(r.front());
  for (const auto& row : db.execute(kItemsOf, {to_value(id)}).rows())
    o.items.push_back(item_from_row(row));
  return o;
}

std::vector<Order> OrderStore::list(storage::Executor& db, const OrderListQuery& q) const {
  std::vector<Value> params;
  std::string where = where_clause(q, params);
  std::string users = q.with_users ? ", u.name, u.email" : "";
  std::string join = q.with_users ? " LEFT JOIN users u ON u.id = o.user_id" : "";
  params.emplace_back(q.limit);
  params.emplace_back(q.offset);
  std::string sql = fmt::format(
      "SELECT {}{} FROM orders o{}{} ORDER BY o.created_at DESC, o.id DESC LIMIT ${} OFFSET ${}",
      kOrderColumns, users, join, where, params.size() - 1, params.size());
  std::vector<Order> orders;
  std::map<std::string, std::size_t> index;
  for (const auto& row : db.execute(sql, params).rows()) {
    Order o = order_from_row(row);
    if (q.with_users)
      o.user =
          OrderUser{o.user_id, row.get_opt_text(7).value_or(""), row.get_opt_text(8).value_or("")};
    index[o.id] = orders.size();
    orders.push_back(std::move(o));
  }
  if (orders.empty()) return orders;
  // The items of the whole page in one query.
  std::vector<Value> ids;
  std::string marks;
  for (const auto& o : orders) {
    ids.emplace_back(o.id);
    marks += fmt::format("{}${}", marks.empty() ? "" : ", ", ids.size());
  }
  auto items =
      db.execute(fmt::format("SELECT order_id, product_id, name, image, price_cents, quantity "
                             "FROM order_items WHERE order_id IN ({}) ORDER BY order_id, line",
                             marks),
                 ids);
  for (const auto& row : items.rows())
    orders[index.at(row.get_text(0))].items.push_back(item_from_row(row));
  return orders;
}

std::int64_t OrderStore::count(storage::Executor& db, const OrderListQuery& q) const {
  std::vector<Value> params;
  std::string where = where_clause(q, params);
  return db.execute(fmt::format("SELECT COUNT(*) FROM orders o{}", where), params)
      .front()
      .get_int(0);
}

bool OrderStore::move_status(storage::Executor& db, std::string_view id,
                             const std::vector<std::string_view>& from, std::string_view to,
                             std::int64_t now) const {
  std::vector<Value> params;
  params.push_back(to_value(id));
  params.push_back(to_value(to));
  params.emplace_back(now);
  std::string marks;
  for (auto f : from) {
    params.push_back(to_value(f));
    marks += fmt::format("{}${}", marks.empty() ? "" : ", ", params.size());
  }
  // Safe: the status moves only from one of `from` as stored at the moment of the update, so of
  // two concurrent moves (two cancels) only one applies.
  return db.execute(fmt::format("UPDATE orders SET status = $2, updated_at = $3 "
                                "WHERE id = $1 AND status IN ({})",
                                marks),
                    params)
             .affected_rows() > 0;
}

}  // namespace shop::orders
