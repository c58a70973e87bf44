#include "payments/payment_reconciler.hpp"

#include <spdlog/logger.h>

#include "core/clock.hpp"
#include "core/time.hpp"
#include "orders/order_service.hpp"
#include "payments/payment_provider.hpp"
#include "payments/payment_service.hpp"

namespace shop::payments {
namespace {

using storage::Value;

// Online orders still placed whose payment has not come in, placed before the cutoff: oldest
// first (payments_status_idx, then each order by its key).
constexpr std::string_view kUnpaidSince =
    "SELECT p.order_id FROM payments p JOIN orders o ON o.id = p.order_id "
    "WHERE o.status = 'placed' AND p.created_at < $1 "
    "AND p.status NOT IN ('succeeded', 'requires_capture') ORDER BY p.created_at LIMIT $2";
// Payments that still wait for the provider: no intent recorded and untouched since the cutoff
// (a call made since, by checkout or a buyer starting again, may still be in flight), a refund
// due, a capture due on a shipped order.
constexpr std::string_view kToSettle =
    "SELECT p.order_id FROM payments p JOIN orders o ON o.id = p.order_id "
    "WHERE (p.status = 'pending' AND p.intent_id IS NULL AND o.status = 'placed' "
    "AND p.updated_at < $1) OR p.refund_status = 'due' "
    "OR (p.status = 'requires_capture' AND o.status IN ('shipped', 'delivered')) "
    "ORDER BY p.created_at LIMIT $2";
// Orders paid by hand (no payment row) still placed, placed before the cutoff
// (orders_status_created_idx).
constexpr std::string_view kManualSince =
    "SELECT o.id FROM orders o LEFT JOIN payments p ON p.order_id = o.id "
    "WHERE o.status = 'placed' AND o.created_at < $1 AND p.order_id IS NULL "
    "ORDER BY o.created_at LIMIT $2";

bool money_held(std::string_view status) {
  return status == "succeeded" || status == "requires_capture";
}

}  // namespace

std::vector<std::string> PaymentReconciler::ids(std::string_view sql, std::int64_t cutoff) {
  auto lease = db_.acquire();
  std::vector<std::string> out;
  for (const auto& row : lease.execute(sql, {Value(cutoff), Value(kBatch)}).rows())
    out.push_back(row.get_text(0));
  return out;
}

PaymentReconciler::Outcome PaymentReconciler::expire(const std::string& order_id) {
  PaymentProvider* provider = payments_.provider();
  std::optional<Intent> intent = payments_.learn_intent(order_id);
  if (!intent) return Outcome::unchanged;
  if (money_held(intent->status)) {
    payments_.record_held(order_id, intent->status);
    return Outcome::paid;
  }
  if (intent->status != "canceled") {
    try {
      Intent canceled = provider->cancel(intent->id, "shopd-expire-" + order_id + "-" + intent->id);
      payments_.record_status(order_id, canceled.status);
    } catch (const ProviderRefused& e) {
      if (money_held(e.intent_status())) {
        // Paid at the last moment: the order is paid, not cancelled.
        payments_.record_held(order_id, e.intent_status());
        return Outcome::paid;
      }
      if (e.intent_status() != "canceled") throw;
      payments_.record_status(order_id, "canceled");
    }
  } else {
    payments_.record_status(order_id, "canceled");
  }
  // The intent can no longer take money: the order goes, and its stock comes back.
  return orders_.expire(order_id) ? Outcome::expired : Outcome::unchanged;
}

Reconciled PaymentReconciler::run_once() {
  Reconciled r;
  std::int64_t now = epoch_ms(clock_.now());
  if (payments_.online()) {
    auto hold = std::chrono::duration_cast<std::chrono::milliseconds>(payments_.settings().hold);
    for (const auto& id : ids(kUnpaidSince, now - hold.count())) {
      try {
        switch (expire(id)) {
          case Outcome::expired:
            ++r.expired;
            log_.info("order {} cancelled: its payment did not come within the hold", id);
            break;
          case Outcome::paid:
            ++r.paid;
            log_.info("order {} paid: the provider had the payment, its webhook never came", id);
            break;
          case Outcome::unchanged:
            break;
        }
      } catch (const std::exception& e) {
        // The provider is down or refused: the order stays placed until the next run.
        log_.warn("order {} past its payment hold, left for the next run: {}", id, e.what());
      }
    }
    auto grace = std::chrono::duration_cast<std::chrono::milliseconds>(kPendingGrace);
    for (const auto& id : ids(kToSettle, now - grace.count())) {
      payments_.settle(id);
      ++r.repaired;
    }
  }
  if (manual_hold_) {
    auto hold = std::chrono::duration_cast<std::chrono::milliseconds>(*manual_hold_);
    for (const auto& id : ids(kManualSince, now - hold.count()))
      if (orders_.expire(id)) {
        ++r.expired;
        log_.info("order {} cancelled: unpaid after MANUAL_HOLD_DAYS", id);
      }
  }
  return r;
}

}  // namespace shop::payments
