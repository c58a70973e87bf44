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

// The users table. Methods take the executor to run on (a lease or a transaction).
class UserStore {
 public:
  std::optional<User> find_by_id(storage::Executor& db, std::string_view id) const;
  std::optional<User> find_by_email(storage::Executor& db, std::string_view email) const;
  // Throws storage::ConstraintViolation (unique) when the email is taken.
  void insert(storage::Executor& db, const User& user) const;
  // Each returns false when no such user exists.
  bool update_name_and_email(storage::Executor& db, std::string_view id, std::string_view name,
                             std::string_view email, std::int64_t now) const;
  bool update_password(storage::Executor& db, std::string_view id, std::string_view hash,
                       std::int64_t now) const;
  bool set_role(storage::Executor& db, std::string_view id, std::string_view role,
                std::int64_t now) const;
  bool set_avatar(storage::Executor& db, std::string_view id, std::string_view file,
                  std::int64_t now) const;
  bool remove(storage::Executor& db, std::string_view id) const;
};

}  // namespace shop::auth
