#include "auth/refresh_token_store.hpp"

namespace shop::auth {
namespace {

using storage::to_value;

// Safe: a new row (a fresh random id; the unique index on the hash).
constexpr std::string_view kInsert =
    "INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, created_at, expires_at) "
    "VALUES ($1, $2, $3, $4, $5, $6)";
constexpr std::string_view kSelectByHash =
    "SELECT id, family_id, user_id, created_at, expires_at, used_at, revoked_at "
    "FROM refresh_tokens WHERE token_hash = $1";
// Safe: retires the token only if it is still live as stored at the moment of the update, so of
// two refreshes with one token exactly one wins.
constexpr std::string_view kMarkUsed =
    "UPDATE refresh_tokens SET used_at = $2 "
    "WHERE id = $1 AND used_at IS NULL AND revoked_at IS NULL";
// Safe (all three): revocation only ever sets revoked_at, and only where it is still unset.
constexpr std::string_view kRevokeFamily =
    "UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL";
constexpr std::string_view kRevokeUser =
    "UPDATE refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL";
constexpr std::string_view kRevokeUserExcept =
    "UPDATE refresh_tokens SET revoked_at = $2 "
    "WHERE user_id = $1 AND revoked_at IS NULL AND family_id <> $3";
// Safe: deletes only tokens that expired (no refresh accepts them), in batches.
constexpr std::string_view kDeleteExpired =
    "DELETE FROM refresh_tokens WHERE id IN "
    "(SELECT id FROM refresh_tokens WHERE expires_at < $1 LIMIT $2)";

}  // namespace

void RefreshTokenStore::insert(storage::Executor& db, const RefreshToken& t,
                               std::string_view token_hash) const {
  db.execute(kInsert,
             {t.id, t.family_id, t.user_id, to_value(token_hash), t.created_at, t.expires_at});
}

std::optional<RefreshToken> RefreshTokenStore::find_by_hash(storage::Executor& db,
                                                            std::string_view token_hash) const {
  auto result = db.execute(kSelectByHash, {to_value(token_hash)});
  if (result.empty()) return std::nullopt;
  const auto& r = result.front();
  return RefreshToken{r.get_text(0), r.get_text(1),    r.get_text(2),   r.get_int(3),
                      r.get_int(4),  r.get_opt_int(5), r.get_opt_int(6)};
}

bool RefreshTokenStore::mark_used(storage::Executor& db, std::string_view id,
                                  std::int64_t now) const {
  return db.execute(kMarkUsed, {to_value(id), now}).affected_rows() == 1;
}

void RefreshTokenStore::revoke_family(storage::Executor& db, std::string_view family_id,
                                      std::int64_t now) const {
  db.execute(kRevokeFamily, {to_value(family_id), now});
}

void RefreshTokenStore::revoke_user(storage::Executor& db, std::string_view user_id,
                                    std::int64_t now,
                                    std::optional<std::string_view> except_family) const {
  if (except_family)
    db.execute(kRevokeUserExcept, {to_value(user_id), now, to_value(*except_family)});
  else
    db.execute(kRevokeUser, {to_value(user_id), now});
}

std::int64_t RefreshTokenStore::delete_expired(storage::Executor& db, std::int64_t before,
                                               std::int64_t batch) const {
  return db.execute(kDeleteExpired, {before, batch}).affected_rows();
}

}  // namespace shop::auth
