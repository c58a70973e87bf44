#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/database.hpp"

namespace spdlog {
class logger;
}

namespace shop {
class Clock;
}

namespace shop::orders {
class OrderService;
}

namespace shop::payments {

class PaymentService;

// What one run did.
struct Reconciled {
  std::int64_t expired = 0;   // orders cancelled because their payment did not come in time
  std::int64_t paid = 0;      // orders found paid at the provider (their webhook never came)
  std::int64_t repaired = 0;  // payments settled again: an intent never recorded, a refund due,
                              // a capture due
};

// The background job that keeps payments and orders in line with the provider, once per
// cluster (the Scheduler's lease), every PAYMENT_RECONCILE_INTERVAL:
// - an online order still placed and unpaid PAYMENT_HOLD_MINUTES after checkout: the provider is
//   asked first, so a lost webhook never cancels a paid order (it becomes paid instead); else its
//   intent is canceled at the provider, then the order is cancelled and its stock returned. An
//   intent that succeeds meanwhile refuses the cancel, and the order becomes paid.
// - a payment left pending a minute after it was last touched (a crash between the commit and
//   the provider's answer, or the provider down), a refund due, a capture due: settled again,
//   under the same keys.
// - with MANUAL_HOLD_DAYS, orders paid by hand still placed after that many days: cancelled.
class PaymentReconciler {
 public:
  static constexpr std::int64_t kBatch = 100;  // orders per kind per run
  static constexpr std::chrono::minutes kPendingGrace{1};

  PaymentReconciler(storage::Database& db, PaymentService& payments, orders::OrderService& orders,
                    std::optional<std::chrono::days> manual_hold, const Clock& clock,
                    spdlog::logger& log)
      : db_(db),
        payments_(payments),
        orders_(orders),
        manual_hold_(manual_hold),
        clock_(clock),
        log_(log) {}

  Reconciled run_once();

 private:
  std::vector<std::string> ids(std::string_view sql, std::int64_t cutoff);
  // One order whose hold expired; what became of it.
  enum class Outcome { expired, paid, unchanged };
  Outcome expire(const std::string& order_id);

  storage::Database& db_;
  PaymentService& payments_;
  orders::OrderService& orders_;
  std::optional<std::chrono::days> manual_hold_;
  const Clock& clock_;
  spdlog::logger& log_;
};

}  // namespace shop::payments
