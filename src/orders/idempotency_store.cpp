#include "orders/idempotency_store.hpp"

namespace shop::orders {
namespace {

using storage::to_value;

// Safe: a new row, or nothing; the primary key decides between two claims of one key.
constexpr std::string_view kClaim =
    "INSERT INTO idempotency_keys (user_id, idempotency_key, request_hash, status, response, "
    "created_at, expires_at) VALUES ($1, $2, $3, 0, '', $4, $5) "
    "ON CONFLICT (user_id, idempotency_key) DO NOTHING";
constexpr std::string_view kFind =
    "SELECT request_hash, status, response FROM idempotency_keys "
    "WHERE user_id = $1 AND idempotency_key = $2";
// Safe: the row was claimed by the caller's transaction, which still holds it.
constexpr std::string_view kKeepAnswer =
    "UPDATE idempotency_keys SET status = $3, response = $4 "
    "WHERE user_id = $1 AND idempotency_key = $2";
// Safe: deletes only rows already expired, which no request reads as valid.
constexpr std::string_view kDeleteExpiredOf =
    "DELETE FROM idempotency_keys WHERE user_id = $1 AND expires_at <= $2";
// Safe: the same, in batches, so no statement holds many rows at once.
constexpr std::string_view kDeleteExpired =
    "DELETE FROM idempotency_keys WHERE (user_id, idempotency_key) IN "
    "(SELECT user_id, idempotency_key FROM idempotency_keys WHERE expires_at <= $1 LIMIT $2)";

}  // namespace

bool IdempotencyStore::claim(storage::Executor& db, std::string_view user_id, std::string_view key,
                             std::string_view request_hash, std::int64_t now,
                             std::int64_t expires_at) const {
  return db.execute(kClaim,
                    {to_value(user_id), to_value(key), to_value(request_hash), now, expires_at})
             .affected_rows() > 0;
}

std::optional<KeptAnswer> IdempotencyStore::find(storage::Executor& db, std::string_view user_id,
                                                 std::string_view key) const {
  auto r = db.execute(kFind, {to_value(user_id), to_value(key)});
  if (r.empty()) return std::nullopt;
  const auto& row = r.front();
  return KeptAnswer{row.get_text(0), static_cast<int>(row.get_int(1)), row.get_text(2)};
}

void IdempotencyStore::keep_answer(storage::Executor& db, std::string_view user_id,
                                   std::string_view key, int status, std::string_view body) const {
  db.execute(kKeepAnswer, {to_value(user_id), to_value(key), status, to_value(body)});
}

void IdempotencyStore::delete_expired_of(storage::Executor& db, std::string_view user_id,
                                         std::int64_t now) const {
  db.execute(kDeleteExpiredOf, {to_value(user_id), now});
}

std::int64_t IdempotencyStore::delete_expired(storage::Executor& db, std::int64_t now,
                                              std::int64_t batch) const {
  return db.execute(kDeleteExpired, {now, batch}).affected_rows();
}

}  // namespace shop::orders
