#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "storage/database.hpp"

namespace shop::auth {

// One refresh token of a login session ("family"); the token itself is never stored.
struct RefreshToken {
  std::string id;
  std::string family_id;
  std::string user_id;
  std::int64_t created_at = 0;  // ms since the epoch
  std::int64_t expires_at = 0;
  std::optional<std::int64_t> used_at;     // set when rotated away
  std::optional<std::int64_t> revoked_at;  // set by logout, theft detection, password change
};

// The refresh_tokens table.
class RefreshTokenStore {
 public:
  void insert(storage::Executor& db, const RefreshToken& token, std::string_view token_hash) const;
  std::optional<RefreshToken> find_by_hash(storage::Executor& db,
                                           std::string_view token_hash) const;
  // Retires a live token; false when it was already used or revoked (another request won).
  bool mark_used(storage::Executor& db, std::string_view id, std::int64_t now) const;
  // Revokes every token of a login session.
  void revoke_family(storage::Executor& db, std::string_view family_id, std::int64_t now) const;
  // Revokes every session of a user except, if given, one family (the caller's own).
  void revoke_user(storage::Executor& db, std::string_view user_id, std::int64_t now,
                   std::optional<std::string_view> except_family = std::nullopt) const;
  // Deletes up to `batch` tokens that expired before `before`; returns how many (housekeeping).
  std::int64_t delete_expired(storage::Executor& db, std::int64_t before, std::int64_t batch) const;
};

}  // namespace shop::auth
