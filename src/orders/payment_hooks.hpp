#pragma once

#include <string_view>

#include "orders/order.hpp"

namespace shop::storage {
class Transaction;
}

namespace shop::orders {

// What the order lifecycle tells payments (src/payments/ implements it; the app wires it in).
// The first two run inside the order's transaction and only write to the database; the last runs
// after the commit, outside any transaction, and is where a payment provider is called.
class PaymentHooks {
 public:
  virtual ~PaymentHooks() = default;
  // A new order, in the checkout transaction: it now awaits payment (or not, for manual).
  virtual void placed(storage::Transaction& tx, const Order& order) = 0;
  // An order moving from order.status to `to` (a cancel included), in its transaction.
  virtual void moved(storage::Transaction& tx, const Order& order, OrderStatus to) = 0;
  // After the commit of either: brings the provider in line with the order (starts the payment,
  // refunds a cancelled paid order, captures a shipped one). Never throws: a provider that fails
  // is left to the reconciler, and the order stays as committed.
  virtual void settle(std::string_view order_id) = 0;
};

}  // namespace shop::orders
