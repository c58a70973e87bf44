#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "storage/database.hpp"

namespace shop::orders {

// An answer kept under an Idempotency-Key.
struct KeptAnswer {
  std::string request_hash;
  int status = 0;
  std::string body;
};

// The idempotency_keys table: per user, a key, the SHA-256 of its request and the answer, kept
// in the transaction that places the order.
class IdempotencyStore {
 public:
  // Takes the key for this request unless it exists; true when taken. On PostgreSQL a
  // concurrent claim of the same key waits until the first transaction ends.
  bool claim(storage::Executor& db, std::string_view user_id, std::string_view key,
             std::string_view request_hash, std::int64_t now, std::int64_t expires_at) const;
  std::optional<KeptAnswer> find(storage::Executor& db, std::string_view user_id,
                                 std::string_view key) const;
  void keep_answer(storage::Executor& db, std::string_view user_id, std::string_view key,
                   int status, std::string_view body) const;
  // Deletes the user's keys that expired by `now` (their next keyed order does it).
  void delete_expired_of(storage::Executor& db, std::string_view user_id, std::int64_t now) const;
  // Deletes up to `batch` keys of anyone that expired by `now`; returns how many (housekeeping).
  std::int64_t delete_expired(storage::Executor& db, std::int64_t now, std::int64_t batch) const;
};

}  // namespace shop::orders
