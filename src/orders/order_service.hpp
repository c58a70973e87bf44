#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/product_store.hpp"
#include "orders/idempotency_store.hpp"
#include "orders/order.hpp"
#include "orders/order_json.hpp"
#include "orders/order_store.hpp"
#include "orders/payment_hooks.hpp"

namespace shop {
class Clock;
}

namespace shop::storage {
class Transaction;
}

namespace shop::orders {

// What POST /api/orders answers: fresh, or replayed from an earlier request with the same key.
struct PlacedAnswer {
  int status = 201;
  std::string body;
  bool replayed = false;
};

struct IdempotentRequest {
  std::string key;           // Idempotency-Key, 1..255 characters
  std::string request_hash;  // SHA-256 of what identifies the request (its body)
};

// Checkout and the order lifecycle.
class OrderService {
 public:
  // public_url is the base of image URLs in order JSON; stock_changed runs after every commit
  // that changed product stock (the catalog cache); payments (none: orders are paid by hand)
  // hears of every order placed and moved.
  OrderService(storage::Database& db, const Clock& clock, std::string public_url,
               std::function<void()> stock_changed, PaymentHooks* payments = nullptr);

  // Turns the user's cart into an order in one transaction: each line's stock is deducted only
  // if enough is left (else Error{conflict, "Not enough stock for <name>"} and nothing changed),
  // name and price are copied, the cart is emptied. With a key, a repeat gets the first answer.
  PlacedAnswer place(std::string_view user_id, const std::optional<ShippingAddress>& shipping,
                     const std::optional<IdempotentRequest>& idempotency);

  std::vector<Order> list(const OrderListQuery& q, std::int64_t* total);
  // The order if the caller owns it or is an admin; Error{not_found} otherwise.
  Order get(std::string_view id, std::string_view caller_id, bool admin);
  // Admin status change along the allowed moves; Error{conflict} for any other.
  Order set_status(std::string_view id, OrderStatus status);
  // Cancels a placed or paid order and gives its stock back, exactly once.
  Order cancel(std::string_view id, std::string_view caller_id, bool admin);
  // Cancels an order that is still placed, because its payment did not come in time (the
  // payment reconciler); false when it is no longer placed (paid meanwhile, or cancelled).
  bool expire(std::string_view id);

  const OrderJson& json() const { return json_; }

  static constexpr std::chrono::hours kKeyLifetime{24};

 private:
  Order cancel_in(storage::Transaction& tx, const Order& order, std::int64_t now);
  std::int64_t now_ms() const;
  // The order as it is now, for an answer after settle() changed its payment.
  Order reread(const Order& order);

  storage::Database& db_;
  const Clock& clock_;
  OrderJson json_;
  std::function<void()> stock_changed_;
  PaymentHooks* payments_;
  OrderStore store_;
  IdempotencyStore keys_;
  catalog::ProductStore products_;
};

}  // namespace shop::orders
