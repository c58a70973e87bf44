#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "orders/order.hpp"
#include "orders/order_store.hpp"
#include "orders/payment_hooks.hpp"
#include "payments/payment_provider.hpp"
#include "payments/payment_store.hpp"
#include "storage/database.hpp"

namespace spdlog {
class logger;
}

namespace shop {
class Clock;
}

namespace shop::payments {

struct PaymentSettings {
  std::string provider = "manual";  // PAYMENT_PROVIDER: manual or stripe
  std::string currency = "usd";     // CURRENCY, ISO 4217, lower case
  std::chrono::minutes hold{30};    // PAYMENT_HOLD_MINUTES
};

// Payments through an online provider: a payment row for every new order (in its transaction),
// the provider asked after the commit (settle), its webhooks applied exactly once, refunds of
// cancelled paid orders. With the manual provider it does nothing: orders are paid by hand.
class PaymentService : public orders::PaymentHooks {
 public:
  // provider: null for manual.
  PaymentService(storage::Database& db, PaymentProvider* provider, PaymentSettings settings,
                 const Clock& clock, spdlog::logger& log);

  bool online() const { return provider_ != nullptr; }

  void placed(storage::Transaction& tx, const orders::Order& order) override;
  void moved(storage::Transaction& tx, const orders::Order& order, orders::OrderStatus to) override;
  void settle(std::string_view order_id) override;

  // POST /api/orders/:id/payment: starts the payment of the caller's placed order, or starts it
  // again after it was canceled at the provider; the order with its payment.
  orders::Order start(std::string_view order_id, std::string_view caller_id);
  // POST /api/payments/stripe/webhook: verifies the event on the raw body (Error{invalid_input}
  // when unsigned, forged or stale, and nothing changes) and applies it once.
  void webhook(std::string_view body, std::string_view signature);

  // For the reconciler. The provider's intent for the order as it is now: retrieved, or, when
  // none was recorded (a crash between the call and its record), made again under the same key.
  std::optional<Intent> learn_intent(std::string_view order_id);
  // The provider holds the buyer's money (succeeded, or requires_capture): the order becomes
  // paid, as a webhook would make it; refunded when it was cancelled meanwhile.
  void record_held(std::string_view order_id, const std::string& status);
  // Any other status the provider reported, unless the money is held.
  void record_status(std::string_view order_id, const std::string& status);
  PaymentProvider* provider() { return provider_; }
  const PaymentSettings& settings() const { return settings_; }

 private:
  std::int64_t now_ms() const;
  // settle()'s work; throws what the provider throws.
  void settle_or_throw(std::string_view order_id);
  // Notes the provider's failure on the payment for the admin; never throws (it runs after the
  // order committed, where a failure must not turn the answer into a 500).
  void record_error(std::string_view order_id, std::string_view what) noexcept;
  // A cancelled order's open intent: canceled at the provider, or, when the buyer paid after
  // all, refunded.
  void cancel_intent(const Payment& p);
  // In the caller's transaction, with the order and the payment locked: records that the money
  // is held; true when a refund became due (the order was cancelled).
  bool held_in(storage::Transaction& tx, const orders::Order& order, const Payment& p,
               const std::string& status);
  void refund(const Payment& p);

  storage::Database& db_;
  PaymentProvider* provider_;
  PaymentSettings settings_;
  const Clock& clock_;
  spdlog::logger& log_;
  PaymentStore store_;
  orders::OrderStore orders_;
};

}  // namespace shop::payments
