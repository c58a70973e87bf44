#include "orders/order_store.hpp"

#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <map>
#include <stdexcept>

#include "core/json_writer.hpp"

namespace shop::orders {
namespace {

using storage::to_value;
using storage::Value;

// SQLite: the cart in product-id order (any order would do: writers are serialized).
constexpr std::string_view kCartLines =
    "SELECT c.product_id, c.quantity FROM cart_items c WHERE c.user_id = $1 "
    "ORDER BY c.product_id";
// Safe: stock never goes below zero: the row changes only if enough is left, checked by the
// database at the moment of the update. SQLite: writers are serialized by BEGIN IMMEDIATE.
constexpr std::string_view kDeductStock =
    "UPDATE products SET stock = stock - $2 WHERE id = $1 AND stock >= $2 "
    "RETURNING name, price_cents, image_detail";
constexpr std::string_view kProductName = "SELECT name FROM products WHERE id = $1";

// Safe (PostgreSQL): the SQLite steps in one round trip. The cart rows are deleted, which locks
// them (a second checkout of the cart waits, then finds it empty; an add to a line waits, then
// starts a new line), and exactly the lines deleted are the ones ordered. Then the products are
// locked in id order (no lock cycles), and each line is deducted only if enough is left; the
// UPDATE re-checks the condition against the latest committed stock. A line without its `name`
// came short (the last column says which product).
constexpr std::string_view kTakeCartAndDeduct =
    "WITH cart AS (DELETE FROM cart_items WHERE user_id = $1 RETURNING product_id, quantity), "
    "locked AS (SELECT p.id FROM products p JOIN cart c ON c.product_id = p.id "
    "ORDER BY p.id FOR UPDATE OF p), "
    "deducted AS (UPDATE products p SET stock = p.stock - c.quantity FROM cart c, locked l "
    "WHERE p.id = c.product_id AND l.id = p.id AND p.stock >= c.quantity "
    "RETURNING p.id, p.name, p.price_cents, p.image_detail) "
    "SELECT c.product_id, c.quantity, d.name, d.price_cents, d.image_detail, "
    "CASE WHEN d.id IS NULL THEN (SELECT name FROM products WHERE id = c.product_id) END "
    "FROM cart c LEFT JOIN deducted d ON d.id = c.product_id ORDER BY c.product_id";

// Safe: new rows (a fresh random id), written in the checkout's transaction.
constexpr std::string_view kInsertOrder =
    "INSERT INTO orders (id, user_id, status, total_cents, shipping_address, created_at, "
    "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
// Safe: new rows of the new order, in the same transaction. placed_at repeats the order's
// created_at, so the sales report reads sales per product from one index of the lines.
constexpr std::string_view kInsertItems =
    "INSERT INTO order_items (order_id, line, product_id, name, image, price_cents, quantity, "
    "placed_at) VALUES ";
// Safe: the status moves only from the one the caller read, as stored at the moment of the
// update (of two concurrent moves only one applies); the caller locked the order, so the sales
// totals move from that status too.
constexpr std::string_view kMoveStatus =
    "UPDATE orders SET status = $2, updated_at = $3 WHERE id = $1 AND status = $4";
constexpr std::string_view kOrderColumns =
    "o.id, o.user_id, o.status, o.total_cents, o.shipping_address, o.created_at, o.updated_at, "
    "p.provider, p.status, p.intent_id, p.client_secret, p.refund_id, p.refund_status";
// An order with its payment, if it has one (src/payments/ writes that table).
constexpr std::string_view kOrderFrom = "orders o LEFT JOIN payments p ON p.order_id = o.id";
constexpr std::string_view kItemsOf =
    "SELECT order_id, product_id, name, image, price_cents, quantity FROM order_items "
    "WHERE order_id = $1 ORDER BY line";

Order order_from_row(const storage::Row& row) {
  Order o;
  o.id = row.get_text(0);
  o.user_id = row.get_text(1);
  auto status = parse_order_status(row.get_text(2));
  // The table's CHECK allows only the five names; anything else is a damaged row, not a status.
  if (!status) throw std::runtime_error("order " + o.id + " has an unknown status");
  o.status = *status;
  o.total = row.get_int(3);
  if (auto s = row.get_opt_text(4)) o.shipping = shipping_from_json(*s);
  o.created_at = row.get_int(5);
  o.updated_at = row.get_int(6);
  if (!row.is_null(7))
    o.payment = OrderPayment{row.get_text(7),      row.get_text(8),      row.get_opt_text(9),
                             row.get_opt_text(10), row.get_opt_text(11), row.get_opt_text(12)};
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
  if (q.status) add("status", std::string(to_string(*q.status)));
  return where;
}

}  // namespace

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

// "INSERT INTO order_items ... VALUES ($f, ..., $f+7), ..." for `lines` lines, numbered from f.
std::string insert_items_sql(std::size_t lines, std::size_t first) {
  std::string sql(kInsertItems);
  for (std::size_t i = 0; i < lines; ++i) {
    std::size_t f = first + i * 8;
    sql += fmt::format("{}(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})", i == 0 ? "" : ", ", f, f + 1,
                       f + 2, f + 3, f + 4, f + 5, f + 6, f + 7);
  }
  return sql;
}

}  // namespace

CartDeduction OrderStore::deduct_cart(storage::Executor& db, std::string_view user_id) const {
  CartDeduction out;
  if (db.dialect() == storage::Dialect::postgres) {
    for (const auto& line : db.execute(kTakeCartAndDeduct, {to_value(user_id)}).rows()) {
      if (line.is_null(2)) {
        out.came_short = true;
        out.short_product_name = line.get_opt_text(5);
        return out;
      }
      out.items.push_back(OrderItem{line.get_text(0), line.get_text(2), line.get_opt_text(4),
                                    line.get_int(3), line.get_int(1)});
    }
    return out;
  }
  // SQLite: writers are serialized by BEGIN IMMEDIATE, and statements run in process.
  for (const auto& line : db.execute(kCartLines, {to_value(user_id)}).rows()) {
    const std::string& product_id = line.get_text(0);
    std::int64_t quantity = line.get_int(1);
    auto deducted = db.execute(kDeductStock, {product_id, quantity});
    if (deducted.empty()) {
      auto name = db.execute(kProductName, {product_id});
      out.came_short = true;
      if (!name.empty()) out.short_product_name = name.front().get_opt_text(0);
      return out;
    }
    const auto& p = deducted.front();
    out.items.push_back(
        OrderItem{product_id, p.get_text(0), p.get_opt_text(2), p.get_int(1), quantity});
  }
  if (!out.items.empty()) carts_.clear(db, user_id);
  return out;
}

void OrderStore::insert(storage::Executor& db, const Order& o) const {
  std::vector<Value> order;
  order.emplace_back(o.id);
  order.emplace_back(o.user_id);
  order.emplace_back(std::string(to_string(o.status)));
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
    items.emplace_back(o.created_at);
  }
  if (db.dialect() == storage::Dialect::postgres) {
    std::vector<Value> all = order;
    all.insert(all.end(), items.begin(), items.end());
    db.execute(
        fmt::format("WITH new_order AS ({}) {}", kInsertOrder, insert_items_sql(o.items.size(), 8)),
        all);
  } else {
    // SQLite has no data-modifying WITH; it runs in process, so two statements cost little.
    db.execute(kInsertOrder, order);
    db.execute(insert_items_sql(o.items.size(), 1), items);
  }
  totals_.placed(db, o);
}

std::optional<Order> OrderStore::find(storage::Executor& db, std::string_view id) const {
  return find_with(db, fmt::format("SELECT {} FROM {} WHERE o.id = $1", kOrderColumns, kOrderFrom),
                   id);
}

std::optional<Order> OrderStore::lock(storage::Executor& db, std::string_view id) const {
  bool postgres = db.dialect() == storage::Dialect::postgres;
  return find_with(db,
                   fmt::format("SELECT {} FROM {} WHERE o.id = $1{}", kOrderColumns, kOrderFrom,
                               postgres ? " FOR UPDATE OF o" : ""),
                   id);
}

std::optional<Order> OrderStore::find_with(storage::Executor& db, std::string_view sql,
                                           std::string_view id) const {
  auto r = db.execute(sql, {to_value(id)});
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
      "SELECT {}{} FROM {}{}{} ORDER BY o.created_at DESC, o.id DESC LIMIT ${} OFFSET ${}",
      kOrderColumns, users, kOrderFrom, join, where, params.size() - 1, params.size());
  std::vector<Order> orders;
  std::map<std::string, std::size_t> index;
  for (const auto& row : db.execute(sql, params).rows()) {
    Order o = order_from_row(row);
    if (q.with_users)
      o.user = OrderUser{o.user_id, row.get_opt_text(13).value_or(""),
                         row.get_opt_text(14).value_or("")};
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

bool OrderStore::move_status(storage::Executor& db, const Order& order, OrderStatus to,
                             std::int64_t now) const {
  bool moved = db.execute(kMoveStatus, {to_value(order.id), to_value(to_string(to)), Value(now),
                                        to_value(to_string(order.status))})
                   .affected_rows() > 0;
  if (moved) totals_.moved(db, order, to);
  return moved;
}

}  // namespace shop::orders
