#include "auth/user_store.hpp"

namespace shop::auth {
namespace {

using storage::to_value;

constexpr std::string_view kSelectById =
    "SELECT id, email, name, password_hash, role, avatar_url, created_at, updated_at "
    "FROM users WHERE id = $1";
constexpr std::string_view kSelectByEmail =
    "SELECT id, email, name, password_hash, role, avatar_url, created_at, updated_at "
    "FROM users WHERE email = $1";
constexpr std::string_view kInsert =
    "INSERT INTO users (id, email, name, password_hash, role, avatar_url, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
constexpr std::string_view kUpdateNameEmail =
    "UPDATE users SET name = $2, email = $3, updated_at = $4 WHERE id = $1";
constexpr std::string_view kUpdatePassword =
    "UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1";
constexpr std::string_view kSetRole = "UPDATE users SET role = $2, updated_at = $3 WHERE id = $1";
constexpr std::string_view kSetAvatar =
    "UPDATE users SET avatar_url = $2, updated_at = $3 WHERE id = $1";
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

bool UserStore::update_name_and_email(storage::Executor& db, std::string_view id,
                                      std::string_view name, std::string_view email,
                                      std::int64_t now) const {
  return db.execute(kUpdateNameEmail, {to_value(id), to_value(name), to_value(email), now})
             .affected_rows() > 0;
}

bool UserStore::update_password(storage::Executor& db, std::string_view id, std::string_view hash,
                                std::int64_t now) const {
  return db.execute(kUpdatePassword, {to_value(id), to_value(hash), now}).affected_rows() > 0;
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
