#include "payments/payment_service.hpp"

#include <spdlog/logger.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/time.hpp"
#include "storage/transaction.hpp"

namespace shop::payments {
namespace {

using orders::OrderStatus;
using storage::TxMode;

// Statuses after which an intent changes no more, or only by a refund.
bool settled(std::string_view status) {
  return status == "succeeded" || status == "canceled";
}

// The buyer's money is held or taken: the order counts as paid.
bool money_held(std::string_view status) {
  return status == "succeeded" || status == "requires_capture";
}

std::string key(std::string_view what, const Payment& p) {
  return fmt::format("shopd-{}-{}-{}", what, p.order_id, p.attempt);
}

}  // namespace

PaymentService::PaymentService(storage::Database& db, PaymentProvider* provider,
                               PaymentSettings settings, const Clock& clock, spdlog::logger& log)
    : db_(db), provider_(provider), settings_(std::move(settings)), clock_(clock), log_(log) {}

std::int64_t PaymentService::now_ms() const {
  return epoch_ms(clock_.now());
}

void PaymentService::placed(storage::Transaction& tx, const orders::Order& order) {
  if (provider_ == nullptr) return;
  Payment p;
  p.order_id = order.id;
  p.provider = settings_.provider;
  p.status = "pending";
  p.amount = order.total;
  p.currency = settings_.currency;
  p.attempt = 1;
  p.created_at = p.updated_at = order.created_at;
  store_.insert(tx, p);
}

void PaymentService::moved(storage::Transaction& tx, const orders::Order& order, OrderStatus to) {
  if (provider_ == nullptr || to != OrderStatus::cancelled) return;
  // The order is locked; its payment after it (the same order as the webhook takes them).
  auto p = store_.lock(tx, order.id);
  if (p && money_held(p->status)) store_.refund_due(tx, order.id, now_ms());
}

void PaymentService::settle(std::string_view order_id) {
  if (provider_ == nullptr) return;
  try {
    settle_or_throw(order_id);
  } catch (const ProviderUnavailable& e) {
    log_.warn("payment of order {} left for later: {}", order_id, e.what());
    record_error(order_id, e.what());
  } catch (const ProviderRefused& e) {
    log_.warn("payment of order {}: the provider refused ({}): {}", order_id, e.code(), e.what());
    record_error(order_id, e.what());
  } catch (const std::exception& e) {
    log_.error("payment of order {} could not be settled: {}", order_id, e.what());
  }
}

void PaymentService::record_error(std::string_view order_id, std::string_view what) noexcept {
  try {
    auto lease = db_.acquire();
    store_.record_error(lease, order_id, what, now_ms());
  } catch (const std::exception& e) {
    // Only a note for the admin: the reconciler settles the payment again either way.
    log_.warn("payment of order {}: its error could not be recorded: {}", order_id, e.what());
  }
}

void PaymentService::settle_or_throw(std::string_view order_id) {
  std::optional<Payment> p;
  std::optional<orders::Order> order;
  {
    auto lease = db_.acquire();
    p = store_.find(lease, order_id);
    if (p) order = orders_.find(lease, order_id);
  }
  if (!p || !order) return;
  switch (order->status) {
    case OrderStatus::placed:
      if (!p->intent_id) {
        Intent intent =
            provider_->initiate({p->order_id, p->amount, p->currency, key("intent", *p)});
        auto lease = db_.acquire();
        store_.record_intent(lease, p->order_id, p->attempt, intent, now_ms());
      }
      return;
    case OrderStatus::cancelled:
      if (p->refund_status == "due") {
        refund(*p);
      } else if (p->intent_id && !settled(p->status)) {
        cancel_intent(*p);
      }
      return;
    case OrderStatus::shipped:
    case OrderStatus::delivered:
      if (p->intent_id && p->status == "requires_capture") {
        Intent captured = provider_->capture(*p->intent_id, key("capture", *p));
        storage::with_transaction(db_, TxMode::write, [&](storage::Transaction& tx) {
          auto now = store_.lock(tx, p->order_id);
          if (now && now->status == "requires_capture")
            store_.set_status(tx, p->order_id, captured.status, now_ms());
        });
      }
      return;
    case OrderStatus::paid:
      return;
  }
}

void PaymentService::cancel_intent(const Payment& p) {
  try {
    record_status(p.order_id, provider_->cancel(*p.intent_id, key("cancel", p)).status);
  } catch (const ProviderRefused& e) {
    if (e.intent_status() == "canceled") {  // canceled before (by the reconciler, or a retry)
      record_status(p.order_id, "canceled");
      return;
    }
    if (!money_held(e.intent_status())) throw;
    // Too late: the buyer paid for an order that is cancelled. The money goes back.
    Payment paid = p;
    storage::with_transaction(db_, TxMode::write, [&](storage::Transaction& tx) {
      store_.lock(tx, p.order_id);
      store_.set_status(tx, p.order_id, e.intent_status(), now_ms());
      store_.refund_due(tx, p.order_id, now_ms());
    });
    refund(paid);
  }
}

void PaymentService::refund(const Payment& p) {
  if (!p.intent_id) return;
  Refund r = provider_->refund(*p.intent_id, 0, fmt::format("shopd-refund-{}", p.order_id));
  auto lease = db_.acquire();
  store_.record_refund(lease, p.order_id, r, now_ms());
  log_.info("payment of order {} refunded: refund {} is {}", p.order_id, r.id, r.status);
}

orders::Order PaymentService::start(std::string_view order_id, std::string_view caller_id) {
  {
    auto lease = db_.acquire();
    auto order = orders_.find(lease, order_id);
    if (!order || order->user_id != caller_id) throw Error(ErrorCode::not_found, "Order not found");
    if (order->status != OrderStatus::placed)
      throw Error(ErrorCode::conflict, fmt::format("An order that is {} cannot be paid",
                                                   orders::to_string(order->status)));
    auto p = store_.find(lease, order_id);
    if (provider_ == nullptr || !p)
      throw Error(ErrorCode::conflict, "This order is paid by hand, not online");
    if (money_held(p->status) || p->status == "processing")
      throw Error(ErrorCode::conflict, "This order's payment is already under way");
    // A canceled intent cannot be used again: a new attempt gets a new one.
    if (p->status == "canceled") store_.restart(lease, order_id, now_ms());
  }
  try {
    settle_or_throw(order_id);
  } catch (const ProviderUnavailable& e) {
    log_.warn("payment of order {} could not start: {}", order_id, e.what());
    record_error(order_id, e.what());
    throw Error(ErrorCode::unavailable, "The payment provider cannot be reached; try again");
  } catch (const ProviderRefused& e) {
    log_.warn("payment of order {}: the provider refused ({}): {}", order_id, e.code(), e.what());
    throw Error(ErrorCode::conflict, "The payment provider refused the payment");
  }
  auto lease = db_.acquire();
  return orders_.find(lease, order_id).value();
}

bool PaymentService::held_in(storage::Transaction& tx, const orders::Order& order, const Payment& p,
                             const std::string& status) {
  if (p.status == "succeeded" || p.status == status) return false;
  std::int64_t now = now_ms();
  store_.set_status(tx, p.order_id, status, now);
  if (order.status == OrderStatus::placed) {
    orders_.move_status(tx, order, OrderStatus::paid, std::max(now, order.updated_at));
  } else if (order.status == OrderStatus::cancelled) {
    store_.refund_due(tx, p.order_id, now);
    return true;
  }
  return false;
}

void PaymentService::record_held(std::string_view order_id, const std::string& status) {
  bool refund = false;
  storage::with_transaction(db_, TxMode::write, [&](storage::Transaction& tx) {
    auto order = orders_.lock(tx, order_id);
    auto p = store_.lock(tx, order_id);
    refund = order && p && held_in(tx, *order, *p, status);
  });
  if (refund) settle(order_id);
}

void PaymentService::record_status(std::string_view order_id, const std::string& status) {
  storage::with_transaction(db_, TxMode::write, [&](storage::Transaction& tx) {
    auto p = store_.lock(tx, order_id);
    if (p && !money_held(p->status)) store_.set_status(tx, order_id, status, now_ms());
  });
}

std::optional<Intent> PaymentService::learn_intent(std::string_view order_id) {
  std::optional<Payment> p;
  {
    auto lease = db_.acquire();
    p = store_.find(lease, order_id);
  }
  if (!p) return std::nullopt;
  if (!p->intent_id) {
    // Never recorded: the call may have reached the provider before a crash. The same key gives
    // back the intent it made then (or makes it now), never a second one.
    Intent made = provider_->initiate({p->order_id, p->amount, p->currency, key("intent", *p)});
    auto lease = db_.acquire();
    store_.record_intent(lease, p->order_id, p->attempt, made, now_ms());
    return made;
  }
  return provider_->retrieve(*p->intent_id);
}

void PaymentService::webhook(std::string_view body, std::string_view signature) {
  if (provider_ == nullptr)
    throw Error(ErrorCode::not_found, "Online payments are not set up on this shop");
  ProviderEvent e = provider_->parse_webhook(body, signature, now_ms() / 1000);
  std::optional<std::string> to_settle;
  storage::with_transaction(db_, TxMode::write, [&](storage::Transaction& tx) {
    to_settle.reset();
    if (!store_.claim_event(tx, e.id, e.type, now_ms())) return;  // handled before
    if (e.intent_id.empty()) return;
    auto found = store_.find_by_intent(tx, e.intent_id);
    if (!found) return;  // not an intent of this shop
    // The order first, then its payment: the order lifecycle locks them in that order too.
    auto order = orders_.lock(tx, found->order_id);
    auto p = store_.lock(tx, found->order_id);
    if (!order || !p || p->intent_id != e.intent_id) return;
    std::int64_t now = now_ms();
    if (e.type == "payment_intent.succeeded" ||
        e.type == "payment_intent.amount_capturable_updated") {
      if (held_in(tx, *order, *p,
                  e.type == "payment_intent.succeeded" ? "succeeded" : "requires_capture"))
        to_settle = p->order_id;
    } else if (e.type == "payment_intent.payment_failed") {
      if (!settled(p->status) && !money_held(p->status))
        store_.set_status(tx, p->order_id, "failed", now);
    } else if (e.type == "payment_intent.canceled") {
      if (!money_held(p->status)) store_.set_status(tx, p->order_id, "canceled", now);
    } else if (e.type == "payment_intent.processing" ||
               e.type == "payment_intent.requires_action") {
      if (!settled(p->status) && !money_held(p->status) && !e.intent_status.empty())
        store_.set_status(tx, p->order_id, e.intent_status, now);
    } else if (e.type == "charge.refunded") {
      // Sent for every refund, ours or one made in Stripe's dashboard. Only a whole refund
      // settles the payment: after a part one, a cancel must still give the rest back.
      if (e.fully_refunded) {
        store_.refund_settled(tx, p->order_id, now);
      } else {
        log_.info("payment of order {} partly refunded at the provider", p->order_id);
      }
    }
  });
  if (to_settle) settle(*to_settle);
}

}  // namespace shop::payments
