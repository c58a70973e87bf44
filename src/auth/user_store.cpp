#include "auth/user_store.hpp"

#include <fmt/format.h>

namespace shop::auth {
namespace {

using storage::to_value;

constexpr std::string_view kSelectById =
    "SELECT id, email, name, password_hash, role, avatar_url, created_at, updated_at "
    "FROM users WHERE id = $1";
constexpr std::string_view kSelectByEmail =
    "SELECT id, email, name, password_hash, role, avatar_url, created_at, updated_at "
    "FROM users WHERE email = $1";
constexpr std::string_view kLockById =
    "SELECT id, email, name, password_hash, role, avatar_url, created_at, updated_at "
    "FROM users WHERE id = $1 FOR UPDATE";
// A session is open while its refresh-token family has a token that was not revoked (rotation
// retires tokens with used_at; logout, reuse detection and password changes revoke them all).
constexpr std::string_view kSelectInSession =
    "SELECT id, email, name, password_hash, role, avatar_url, created_at, updated_at, "
    "CASE WHEN EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.family_id = $2 "
    "AND t.user_id = $1 AND t.revoked_at IS NULL) THEN 1 ELSE 0 END FROM users WHERE id = $1";
// Safe: a new row; the unique index on email decides between two sign-ups of one address.
constexpr std::string_view kInsert =
    "INSERT INTO users (id, email, name, password_hash, role, avatar_url, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
// Safe: sets the role the operator asked for, whatever it was (no decision on a value read).
constexpr std::string_view kSetRole = "UPDATE users SET role = $2, updated_at = $3 WHERE id = $1";
// Safe: the caller locked the row (lock_by_id) to learn the avatar this one replaces.
constexpr std::string_view kSetAvatar =
    "UPDATE users SET avatar_url = $2, updated_at = $3 WHERE id = $1";
// Safe: one statement.
constexpr std::string_view kDelete = "DELETE FROM users WHERE id = $1";

// Column order of the SELECTs above.
User from_row(const storage::Row& row) {
  return User{row.get_text(0), row.get_text(1),     row.get_text(2), row.get_text(3),
              row.get_text(4), row.get_opt_text(5), row.get_int(6),  row.get_int(7)};
}

std::optional<User> first_user(storage::Result result) {
  if (result.empty()) return std::nullopt;
  return from_row(result.front());
}

}  // namespace

std::optional<User> UserStore::find_by_id(storage::Executor& db, std::string_view id) const {
  return first_user(db.execute(kSelectById, {to_value(id)}));
}

std::optional<User> UserStore::find_by_email(storage::Executor& db, std::string_view email) const {
  return first_user(db.execute(kSelectByEmail, {to_value(email)}));
}

void UserStore::insert(storage::Executor& db, const User& u) const {
  db.execute(kInsert, {u.id, u.email, u.name, u.password_hash, u.role, to_value(u.avatar_url),
                       u.created_at, u.updated_at});
}

std::optional<User> UserStore::lock_by_id(storage::Executor& db, std::string_view id) const {
  return first_user(db.execute(db.dialect() == storage::Dialect::postgres ? kLockById : kSelectById,
                               {to_value(id)}));
}

std::optional<UserInSession> UserStore::find_in_session(storage::Executor& db, std::string_view id,
                                                        std::string_view session_id) const {
  auto result = db.execute(kSelectInSession, {to_value(id), to_value(session_id)});
  if (result.empty()) return std::nullopt;
  return UserInSession{from_row(result.front()), result.front().get_int(8) == 1};
}

bool UserStore::update(storage::Executor& db, std::string_view id, const UserChanges& c,
                       std::int64_t now) const {
  // Safe: one statement that writes only the columns given, and, when the decision rested on
  // the password hash read earlier, only if that hash is still the stored one.
  std::vector<storage::Value> params;
  params.push_back(to_value(id));
  params.emplace_back(now);
  std::string sets, condition;
  auto add = [&](std::string& out, std::string_view fmt_text, const std::string& v) {
    params.emplace_back(v);
    out += fmt::format(fmt::runtime(fmt_text), params.size());
  };
  if (c.name) add(sets, "name = ${}, ", *c.name);
  if (c.email) add(sets, "email = ${}, ", *c.email);
  if (c.password_hash) add(sets, "password_hash = ${}, ", *c.password_hash);
  if (c.expected_password_hash)
    add(condition, " AND password_hash = ${}", *c.expected_password_hash);
  std::string sql = fmt::format(
      "UPDATE users SET {}updated_at = CASE WHEN updated_at > $2 THEN "
      "updated_at ELSE $2 END WHERE id = $1{}",
      sets, condition);
  return db.execute(sql, params).affected_rows() > 0;
}

bool UserStore::set_role(storage::Executor& db, std::string_view id, std::string_view role,
                         std::int64_t now) const {
  return db.execute(kSetRole, {to_value(id), to_value(role), now}).affected_rows() > 0;
}

bool UserStore::set_avatar(storage::Executor& db, std::string_view id, std::string_view file,
                           std::int64_t now) const {
  return db.execute(kSetAvatar, {to_value(id), to_value(file), now}).affected_rows() > 0;
}

bool UserStore::remove(storage::Executor& db, std::string_view id) const {
  return db.execute(kDelete, {to_value(id)}).affected_rows() > 0;
}

}  // namespace shop::auth
