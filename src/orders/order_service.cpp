#include "orders/order_service.hpp"

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/time.hpp"
#include "storage/transaction.hpp"

namespace shop::orders {
namespace {

using storage::to_value;
using storage::TxMode;

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

// Safe (PostgreSQL): the same steps in one round trip. The cart rows are locked (a second checkout
// of the cart waits, then finds it empty), then the products in id order (no lock cycles), then
// each line is deducted only if enough is left; the UPDATE re-checks the condition against the
// latest committed stock. A line without its `name` came short (short_name says which product).
constexpr std::string_view kLockAndDeduct =
    "WITH cart AS (SELECT product_id, quantity FROM cart_items WHERE user_id = $1 FOR UPDATE), "
    "locked AS (SELECT p.id FROM products p JOIN cart c ON c.product_id = p.id "
    "ORDER BY p.id FOR UPDATE OF p), "
    "deducted AS (UPDATE products p SET stock = p.stock - c.quantity FROM cart c, locked l "
    "WHERE p.id = c.product_id AND l.id = p.id AND p.stock >= c.quantity "
    "RETURNING p.id, p.name, p.price_cents, p.image_detail) "
    "SELECT c.product_id, c.quantity, d.name, d.price_cents, d.image_detail, "
    "CASE WHEN d.id IS NULL THEN (SELECT name FROM products WHERE id = c.product_id) END "
    "FROM cart c LEFT JOIN deducted d ON d.id = c.product_id ORDER BY c.product_id";

Error short_of(const std::optional<std::string>& product_name) {
  return Error(ErrorCode::conflict,
               fmt::format("Not enough stock for {}", product_name.value_or("a product")));
}

// Takes every cart line's quantity from its product's stock and copies the line into the order
// (name, picture and price at this moment). Any short line: Error{conflict} naming the product,
// and the caller's transaction rolls back every line. An empty cart: Error{invalid_input}.
void deduct_cart(storage::Transaction& tx, std::string_view user_id, Order& order) {
  auto add_line = [&order](std::string product_id, std::string name,
                           std::optional<std::string> image, Cents price, std::int64_t quantity) {
    order.items.push_back(
        OrderItem{std::move(product_id), std::move(name), std::move(image), price, quantity});
    order.total += price * quantity;
  };
  if (tx.dialect() == storage::Dialect::postgres) {
    auto lines = tx.execute(kLockAndDeduct, {to_value(user_id)}).rows();
    if (lines.empty()) throw Error(ErrorCode::invalid_input, "Cart is empty");
    for (const auto& line : lines) {
      if (line.is_null(2)) throw short_of(line.get_opt_text(5));
      add_line(line.get_text(0), line.get_text(2), line.get_opt_text(4), line.get_int(3),
               line.get_int(1));
    }
    return;
  }
  // SQLite: writers are serialized by BEGIN IMMEDIATE, and statements run in process.
  auto lines = tx.execute(kCartLines, {to_value(user_id)}).rows();
  if (lines.empty()) throw Error(ErrorCode::invalid_input, "Cart is empty");
  for (const auto& line : lines) {
    const std::string& product_id = line.get_text(0);
    std::int64_t quantity = line.get_int(1);
    auto deducted = tx.execute(kDeductStock, {product_id, quantity});
    if (deducted.empty()) {
      auto name = tx.execute(kProductName, {product_id});
      throw short_of(name.empty() ? std::nullopt : name.front().get_opt_text(0));
    }
    const auto& p = deducted.front();
    add_line(product_id, p.get_text(0), p.get_opt_text(2), p.get_int(1), quantity);
  }
}

}  // namespace

OrderService::OrderService(storage::Database& db, const Clock& clock,
                           std::function<std::string(const Order&)> render,
                           std::function<void()> stock_changed)
    : db_(db),
      clock_(clock),
      render_(std::move(render)),
      stock_changed_(std::move(stock_changed)) {}

std::int64_t OrderService::now_ms() const {
  return epoch_ms(clock_.now());
}

PlacedAnswer OrderService::place(std::string_view user_id,
                                 const std::optional<ShippingAddress>& shipping,
                                 const std::optional<IdempotentRequest>& idem) {
  std::int64_t now = now_ms();
  PlacedAnswer answer =
      storage::with_transaction(db_, TxMode::write, [&](storage::Transaction& tx) {
        if (idem) {
          // Expired keys go when their user places the next keyed order (the primary key's
          // prefix finds them); housekeeping removes the rest.
          keys_.delete_expired_of(tx, user_id, now);
          std::int64_t expires = now + std::chrono::milliseconds(kKeyLifetime).count();
          if (!keys_.claim(tx, user_id, idem->key, idem->request_hash, now, expires)) {
            auto kept = keys_.find(tx, user_id, idem->key);
            if (!kept || kept->request_hash != idem->request_hash)
              throw Error(ErrorCode::conflict,
                          "Idempotency-Key was already used with another request body");
            return PlacedAnswer{kept->status, kept->body, true};
          }
        }
        Order order;
        order.id = new_id();
        order.user_id = std::string(user_id);
        order.status = "placed";
        order.shipping = shipping;
        order.created_at = order.updated_at = now;
        deduct_cart(tx, user_id, order);
        store_.insert_and_clear_cart(tx, order);
        PlacedAnswer fresh{201, render_(order), false};
        if (idem) keys_.keep_answer(tx, user_id, idem->key, fresh.status, fresh.body);
        return fresh;
      });
  if (!answer.replayed && stock_changed_) stock_changed_();
  return answer;
}

std::vector<Order> OrderService::list(const OrderListQuery& q, std::int64_t* total) {
  auto lease = db_.acquire();
  if (total != nullptr) *total = store_.count(lease, q);
  return store_.list(lease, q);
}

Order OrderService::get(std::string_view id, std::string_view caller_id, bool admin) {
  auto lease = db_.acquire();
  auto order = store_.find(lease, id);
  // Someone else's order is "not found": its existence is not revealed.
  if (!order || (!admin && order->user_id != caller_id))
    throw Error(ErrorCode::not_found, "Order not found");
  return *order;
}

Order OrderService::cancel_in(storage::Transaction& tx, const Order& order, std::int64_t now) {
  // The status changes only from placed or paid, so of two cancels only one gets here.
  if (!store_.move_status(tx, order.id, {"placed", "paid"}, "cancelled", now))
    throw Error(ErrorCode::conflict,
                fmt::format("An order that is {} cannot be cancelled", order.status));
  for (const auto& item : order.items)
    products_.return_stock(tx, item.product_id, item.quantity);
  Order cancelled = order;
  cancelled.status = "cancelled";
  cancelled.updated_at = now;
  return cancelled;
}

Order OrderService::set_status(std::string_view id, std::string_view status) {
  bool stock_returned = false;
  Order result = storage::with_transaction(db_, TxMode::write, [&](storage::Transaction& tx) {
    auto order = store_.find(tx, id);
    if (!order) throw Error(ErrorCode::not_found, "Order not found");
    if (!status_move_allowed(order->status, status))
      throw Error(ErrorCode::conflict,
                  fmt::format("Cannot change status from {} to {}", order->status, status));
    std::int64_t now = std::max(now_ms(), order->updated_at);
    if (status == "cancelled") {
      stock_returned = true;
      return cancel_in(tx, *order, now);
    }
    if (!store_.move_status(tx, order->id, {order->status}, status, now))
      throw Error(ErrorCode::conflict, "The order changed meanwhile; try again");
    order->status = std::string(status);
    order->updated_at = now;
    return *order;
  });
  if (stock_returned && stock_changed_) stock_changed_();
  return result;
}

Order OrderService::cancel(std::string_view id, std::string_view caller_id, bool admin) {
  Order result = storage::with_transaction(db_, TxMode::write, [&](storage::Transaction& tx) {
    auto order = store_.find(tx, id);
    if (!order || (!admin && order->user_id != caller_id))
      throw Error(ErrorCode::not_found, "Order not found");
    return cancel_in(tx, *order, std::max(now_ms(), order->updated_at));
  });
  if (stock_changed_) stock_changed_();
  return result;
}

}  // namespace shop::orders
