#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/money.hpp"
#include "payments/payment_provider.hpp"
#include "storage/database.hpp"

namespace shop::payments {

// A row of the payments table (migrations/common/0009_payments.sql).
struct Payment {
  std::string order_id;
  std::string provider;
  std::string status;  // pending, failed, or the provider's status of the intent
  Cents amount = 0;
  std::string currency;
  std::int64_t attempt = 1;
  std::optional<std::string> intent_id;
  std::optional<std::string> client_secret;
  std::optional<std::string> refund_id;
  std::optional<std::string> refund_status;
  std::optional<std::string> last_error;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

// The payments and payment_events tables. Every write is one conditional statement, or runs on
// a row the caller locked with lock().
class PaymentStore {
 public:
  void insert(storage::Executor& db, const Payment& p) const;
  std::optional<Payment> find(storage::Executor& db, std::string_view order_id) const;
  // find(), locking the row until the transaction ends (PostgreSQL; SQLite's writers are
  // serialized).
  std::optional<Payment> lock(storage::Executor& db, std::string_view order_id) const;
  std::optional<Payment> find_by_intent(storage::Executor& db, std::string_view intent_id) const;

  // The intent the provider made for attempt `attempt`: kept only while that attempt is the
  // current one and no other intent is recorded for it; false otherwise.
  bool record_intent(storage::Executor& db, std::string_view order_id, std::int64_t attempt,
                     const Intent& intent, std::int64_t now) const;
  // Why the provider could not be asked, for the log and the admin; the status stays.
  void record_error(storage::Executor& db, std::string_view order_id, std::string_view error,
                    std::int64_t now) const;
  // Sets the status of a locked row (the caller decided the move).
  void set_status(storage::Executor& db, std::string_view order_id, std::string_view status,
                  std::int64_t now) const;
  // A new attempt, without an intent yet: after the last one was canceled.
  void restart(storage::Executor& db, std::string_view order_id, std::int64_t now) const;
  // A refund becomes due, unless one is already due or made.
  void refund_due(storage::Executor& db, std::string_view order_id, std::int64_t now) const;
  void record_refund(storage::Executor& db, std::string_view order_id, const Refund& refund,
                     std::int64_t now) const;
  // The whole payment went back (charge.refunded for the whole charge: ours, or one made at the
  // provider).
  void refund_settled(storage::Executor& db, std::string_view order_id, std::int64_t now) const;

  // Claims a webhook event id; false when it was claimed before (then it is not applied again).
  // On PostgreSQL a concurrent claim of the same id waits until the first transaction ends.
  bool claim_event(storage::Executor& db, std::string_view id, std::string_view type,
                   std::int64_t now) const;
};

}  // namespace shop::payments
