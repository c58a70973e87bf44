#include "orders/order_service.hpp"

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/time.hpp"
#include "storage/transaction.hpp"

namespace shop::orders {
namespace {

using storage::TxMode;

Error short_of(const std::optional<std::string>& product_name) {
  return Error(ErrorCode::conflict,
               fmt::format("Not enough stock for {}", product_name.value_or("a product")));
}

}  // namespace

OrderService::OrderService(storage::Database& db, const Clock& clock, std::string public_url,
                           std::function<void()> stock_changed, PaymentHooks* payments)
    : db_(db),
      clock_(clock),
      json_(std::move(public_url)),
      stock_changed_(std::move(stock_changed)),
      payments_(payments) {}

std::int64_t OrderService::now_ms() const {
  return epoch_ms(clock_.now());
}

PlacedAnswer OrderService::place(std::string_view user_id,
                                 const std::optional<ShippingAddress>& shipping,
                                 const std::optional<IdempotentRequest>& idem) {
  std::int64_t now = now_ms();
  Order placed;
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
        order.status = OrderStatus::placed;
        order.shipping = shipping;
        order.created_at = order.updated_at = now;
        // A short line throws, and the transaction rolls back every line deducted before it.
        CartDeduction taken = store_.deduct_cart(tx, user_id);
        if (taken.came_short) throw short_of(taken.short_product_name);
        if (taken.items.empty()) throw Error(ErrorCode::invalid_input, "Cart is empty");
        order.items = std::move(taken.items);
        for (const auto& item : order.items)
          order.total += item.price * item.quantity;
        store_.insert(tx, order);
        if (payments_ != nullptr) {
          payments_->placed(tx, order);
          order = store_.find(tx, order.id).value();  // with its payment, still pending
        }
        PlacedAnswer fresh{201, json_.placed(order), false};
        if (idem) keys_.keep_answer(tx, user_id, idem->key, fresh.status, fresh.body);
        placed = std::move(order);
        return fresh;
      });
  if (answer.replayed) return answer;
  if (stock_changed_) stock_changed_();
  if (payments_ != nullptr) {
    // Committed: now the provider is asked, and the answer (and the one kept for a repeat of the
    // request) shows the payment as it came out. A crash before this leaves the order pending,
    // which the reconciler or POST /api/orders/:id/payment takes up.
    payments_->settle(placed.id);
    answer.body = json_.placed(reread(placed));
    if (idem) {
      auto lease = db_.acquire();
      keys_.keep_answer(lease, user_id, idem->key, answer.status, answer.body);
    }
  }
  return answer;
}

Order OrderService::reread(const Order& order) {
  auto lease = db_.acquire();
  return store_.find(lease, order.id).value_or(order);
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
  // The order is locked, so of two cancels the second sees it cancelled.
  if (order.status != OrderStatus::placed && order.status != OrderStatus::paid)
    throw Error(ErrorCode::conflict,
                fmt::format("An order that is {} cannot be cancelled", to_string(order.status)));
  // The products first, as checkout locks them (in id order, the order of the lines), then the
  // sales totals: two transactions never wait for each other in a circle.
  for (const auto& item : order.items)
    products_.return_stock(tx, item.product_id, item.quantity);
  if (!store_.move_status(tx, order, OrderStatus::cancelled, now))
    throw Error(ErrorCode::conflict, "The order changed meanwhile; try again");
  if (payments_ != nullptr) payments_->moved(tx, order, OrderStatus::cancelled);
  Order cancelled = order;
  cancelled.status = OrderStatus::cancelled;
  cancelled.updated_at = now;
  return cancelled;
}

Order OrderService::set_status(std::string_view id, OrderStatus status) {
  bool stock_returned = false;
  Order result = storage::with_transaction(db_, TxMode::write, [&](storage::Transaction& tx) {
    auto order = store_.lock(tx, id);
    if (!order) throw Error(ErrorCode::not_found, "Order not found");
    if (!status_move_allowed(order->status, status))
      throw Error(ErrorCode::conflict, fmt::format("Cannot change status from {} to {}",
                                                   to_string(order->status), to_string(status)));
    std::int64_t now = std::max(now_ms(), order->updated_at);
    if (status == OrderStatus::cancelled) {
      stock_returned = true;
      return cancel_in(tx, *order, now);
    }
    if (!store_.move_status(tx, *order, status, now))
      throw Error(ErrorCode::conflict, "The order changed meanwhile; try again");
    if (payments_ != nullptr) payments_->moved(tx, *order, status);
    order->status = status;
    order->updated_at = now;
    return *order;
  });
  if (stock_returned && stock_changed_) stock_changed_();
  if (payments_ == nullptr) return result;
  payments_->settle(result.id);
  return reread(result);
}

Order OrderService::cancel(std::string_view id, std::string_view caller_id, bool admin) {
  Order result = storage::with_transaction(db_, TxMode::write, [&](storage::Transaction& tx) {
    auto order = store_.lock(tx, id);
    if (!order || (!admin && order->user_id != caller_id))
      throw Error(ErrorCode::not_found, "Order not found");
    return cancel_in(tx, *order, std::max(now_ms(), order->updated_at));
  });
  if (stock_changed_) stock_changed_();
  if (payments_ == nullptr) return result;
  payments_->settle(result.id);
  return reread(result);
}

bool OrderService::expire(std::string_view id) {
  bool cancelled = storage::with_transaction(db_, TxMode::write, [&](storage::Transaction& tx) {
    auto order = store_.lock(tx, id);
    if (!order || order->status != OrderStatus::placed) return false;
    cancel_in(tx, *order, std::max(now_ms(), order->updated_at));
    return true;
  });
  if (cancelled && stock_changed_) stock_changed_();
  return cancelled;
}

}  // namespace shop::orders
