#include "payments/payment_store.hpp"

#include <fmt/format.h>

namespace shop::payments {
namespace {

using storage::to_value;
using storage::Value;

constexpr std::string_view kColumns =
    "order_id, provider, status, amount_cents, currency, attempt, intent_id, client_secret, "
    "refund_id, refund_status, last_error, created_at, updated_at";

// Safe: a new row for a new order, in the checkout's transaction.
constexpr std::string_view kInsert =
    "INSERT INTO payments (order_id, provider, status, amount_cents, currency, attempt, "
    "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)";
// Safe: one conditional statement: only the attempt the intent was made for, only if no intent
// is recorded for it yet (or this same one), so a late answer of an old attempt changes nothing.
constexpr std::string_view kRecordIntent =
    "UPDATE payments SET intent_id = $3, client_secret = $4, status = $5, last_error = NULL, "
    "updated_at = $6 WHERE order_id = $1 AND attempt = $2 "
    "AND (intent_id IS NULL OR intent_id = $3)";
// Safe: only the column this writes.
constexpr std::string_view kRecordError =
    "UPDATE payments SET last_error = $2, updated_at = $3 WHERE order_id = $1";
// Safe: on a row the caller locked.
constexpr std::string_view kSetStatus =
    "UPDATE payments SET status = $2, updated_at = $3 WHERE order_id = $1";
// Safe: one conditional statement, only from canceled.
constexpr std::string_view kRestart =
    "UPDATE payments SET attempt = attempt + 1, intent_id = NULL, client_secret = NULL, "
    "status = 'pending', last_error = NULL, updated_at = $2 "
    "WHERE order_id = $1 AND status = 'canceled'";
// Safe: one conditional statement, only when no refund is due or made.
constexpr std::string_view kRefundDue =
    "UPDATE payments SET refund_status = 'due', updated_at = $2 "
    "WHERE order_id = $1 AND refund_status IS NULL";
// Safe: one conditional statement, only over a refund that is due or pending, never over one
// that succeeded.
constexpr std::string_view kRecordRefund =
    "UPDATE payments SET refund_id = $2, refund_status = $3, updated_at = $4 "
    "WHERE order_id = $1 AND (refund_status IS NULL OR refund_status <> 'succeeded')";
// Safe: on a row the caller locked (the webhook's transaction).
constexpr std::string_view kRefundSettled =
    "UPDATE payments SET refund_status = 'succeeded', updated_at = $2 WHERE order_id = $1";
// Safe: the primary key decides; a second claim does nothing.
constexpr std::string_view kClaimEvent =
    "INSERT INTO payment_events (id, type, received_at) VALUES ($1, $2, $3) "
    "ON CONFLICT (id) DO NOTHING";

Payment from_row(const storage::Row& r) {
  Payment p;
  p.order_id = r.get_text(0);
  p.provider = r.get_text(1);
  p.status = r.get_text(2);
  p.amount = r.get_int(3);
  p.currency = r.get_text(4);
  p.attempt = r.get_int(5);
  p.intent_id = r.get_opt_text(6);
  p.client_secret = r.get_opt_text(7);
  p.refund_id = r.get_opt_text(8);
  p.refund_status = r.get_opt_text(9);
  p.last_error = r.get_opt_text(10);
  p.created_at = r.get_int(11);
  p.updated_at = r.get_int(12);
  return p;
}

std::optional<Payment> one(storage::Executor& db, std::string_view where, std::string_view key,
                           bool lock) {
  bool postgres = db.dialect() == storage::Dialect::postgres;
  auto r = db.execute(fmt::format("SELECT {} FROM payments WHERE {} = $1{}", kColumns, where,
                                  lock && postgres ? " FOR UPDATE" : ""),
                      {to_value(key)});
  if (r.empty()) return std::nullopt;
  return from_row(r.front());
}

}  // namespace

void PaymentStore::insert(storage::Executor& db, const Payment& p) const {
  db.execute(kInsert,
             {to_value(p.order_id), to_value(p.provider), to_value(p.status), Value(p.amount),
              to_value(p.currency), Value(p.attempt), Value(p.created_at)});
}

std::optional<Payment> PaymentStore::find(storage::Executor& db, std::string_view order_id) const {
  return one(db, "order_id", order_id, false);
}

std::optional<Payment> PaymentStore::lock(storage::Executor& db, std::string_view order_id) const {
  return one(db, "order_id", order_id, true);
}

std::optional<Payment> PaymentStore::find_by_intent(storage::Executor& db,
                                                    std::string_view intent_id) const {
  return one(db, "intent_id", intent_id, false);
}

bool PaymentStore::record_intent(storage::Executor& db, std::string_view order_id,
                                 std::int64_t attempt, const Intent& intent,
                                 std::int64_t now) const {
  return db.execute(kRecordIntent,
                    {to_value(order_id), Value(attempt), to_value(intent.id),
                     intent.client_secret ? Value(*intent.client_secret) : Value(nullptr),
                     to_value(intent.status), Value(now)})
             .affected_rows() > 0;
}

void PaymentStore::record_error(storage::Executor& db, std::string_view order_id,
                                std::string_view error, std::int64_t now) const {
  db.execute(kRecordError, {to_value(order_id), to_value(error.substr(0, 500)), Value(now)});
}

void PaymentStore::set_status(storage::Executor& db, std::string_view order_id,
                              std::string_view status, std::int64_t now) const {
  db.execute(kSetStatus, {to_value(order_id), to_value(status), Value(now)});
}

void PaymentStore::restart(storage::Executor& db, std::string_view order_id,
                           std::int64_t now) const {
  db.execute(kRestart, {to_value(order_id), Value(now)});
}

void PaymentStore::refund_due(storage::Executor& db, std::string_view order_id,
                              std::int64_t now) const {
  db.execute(kRefundDue, {to_value(order_id), Value(now)});
}

void PaymentStore::record_refund(storage::Executor& db, std::string_view order_id,
                                 const Refund& refund, std::int64_t now) const {
  db.execute(kRecordRefund,
             {to_value(order_id), to_value(refund.id), to_value(refund.status), Value(now)});
}

void PaymentStore::refund_settled(storage::Executor& db, std::string_view order_id,
                                  std::int64_t now) const {
  db.execute(kRefundSettled, {to_value(order_id), Value(now)});
}

bool PaymentStore::claim_event(storage::Executor& db, std::string_view id, std::string_view type,
                               std::int64_t now) const {
  return db.execute(kClaimEvent, {to_value(id), to_value(type), Value(now)}).affected_rows() > 0;
}

}  // namespace shop::payments
