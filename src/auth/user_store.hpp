#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "storage/database.hpp"

namespace shop::auth {

struct User {
  std::string id;
  std::string email;  // trimmed, lower case
  std::string name;
  std::string password_hash;
  std::string role;                       // "user" or "admin"
  std::optional<std::string> avatar_url;  // media file name of the avatar
  std::int64_t created_at = 0;            // ms since the epoch
  std::int64_t updated_at = 0;
};

// The columns of a user that a profile change writes; absent ones keep their stored value.
struct UserChanges {
  std::optional<std::string> name = std::nullopt;
  std::optional<std::string> email = std::nullopt;
  std::optional<std::string> password_hash = std::nullopt;
  // When set, the change applies only if the stored hash is still this one: the current
  // password was checked against it.
  std::optional<std::string> expected_password_hash = std::nullopt;
};

// A user and whether the login session of an access token is still open.
struct UserInSession {
  User user;
  bool session_open = false;
};

// The users table. Methods take the executor to run on (a lease or a transaction).
class UserStore {
 public:
  std::optional<User> find_by_id(storage::Executor& db, std::string_view id) const;
  std::optional<User> find_by_email(storage::Executor& db, std::string_view email) const;
  // find_by_id(), locking the row until the transaction ends (PostgreSQL; SQLite's writers are
  // serialized already).
  std::optional<User> lock_by_id(storage::Executor& db, std::string_view id) const;
  // The user, and whether session_id is a login session of theirs that was not ended (logout,
  // reuse detection, password change), in one query: what every authenticated request asks.
  std::optional<UserInSession> find_in_session(storage::Executor& db, std::string_view id,
                                               std::string_view session_id) const;
  // Throws storage::ConstraintViolation (unique) when the email is taken.
  void insert(storage::Executor& db, const User& user) const;
  // Each returns false when no such user exists (update: or the expected hash changed).
  bool update(storage::Executor& db, std::string_view id, const UserChanges& changes,
              std::int64_t now) const;
  bool set_role(storage::Executor& db, std::string_view id, std::string_view role,
                std::int64_t now) const;
  bool set_avatar(storage::Executor& db, std::string_view id, std::string_view file,
                  std::int64_t now) const;
  bool remove(storage::Executor& db, std::string_view id) const;
};

}  // namespace shop::auth
