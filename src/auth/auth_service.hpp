#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "auth/access_token.hpp"
#include "auth/password_hasher.hpp"
#include "auth/refresh_token_store.hpp"
#include "auth/user_store.hpp"
#include "cache/rate_limiter.hpp"
#include "core/clock.hpp"
#include "core/keyed_turns.hpp"
#include "storage/database.hpp"

namespace shop::auth {

struct RegisterInput {
  std::string name, email, password;
};

struct LoginInput {
  std::string email, password;
};

struct ProfileChange {
  std::optional<std::string> name, email, current_password, new_password;
};

// What register and login hand out.
struct IssuedSession {
  User user;
  std::string access_token;
  std::string refresh_token;
};

struct RefreshedTokens {
  std::string access_token;
  std::string refresh_token;
};

// The caller of a request, as the auth middleware establishes it.
struct Caller {
  User user;
  std::string session_id;
};

struct AuthSettings {
  std::chrono::seconds refresh_ttl{604800};
  std::uint32_t failed_logins_per_account = 100;
  std::chrono::seconds failed_login_window{3600};
  // A token presented again this soon after it was rotated is a concurrent refresh from the
  // same client, not theft: refused, but the session stays alive.
  std::chrono::seconds reuse_grace{10};
};

enum class AdminOutcome { created, promoted, already_admin };

// Accounts and login sessions: the rules of the Users section of the contract.
class AuthService {
 public:
  AuthService(storage::Database& db, PasswordHasher& hasher, const AccessTokens& tokens,
              cache::RateLimiter& limiter, const Clock& clock, AuthSettings settings = {});

  IssuedSession register_user(const RegisterInput& input);
  IssuedSession login(const LoginInput& input);
  // Rotates a refresh token. A retired token presented again revokes its whole session.
  RefreshedTokens refresh(std::string_view refresh_token);
  // Ends the session of that refresh token, if it is one.
  void logout(std::string_view refresh_token);

  // Verifies an access token and loads its user; a deleted user, or a session that ended, is
  // refused at once.
  Caller authenticate(std::string_view access_token);
  // Only the token's signature and times (no database): Error{unauthenticated} when invalid.
  void verify_token(std::string_view access_token) const { tokens_.verify(access_token); }
  User profile(std::string_view user_id);
  // A new email or password needs the current password; a new password ends every other
  // session of the user.
  User update_profile(std::string_view user_id, std::string_view session_id,
                      const ProfileChange& change);

  // For `shopd create-admin`: creates an admin, or promotes an existing user.
  AdminOutcome create_admin(std::string_view email, std::string_view password,
                            std::string_view name);

 private:
  // Starts a new session (refresh-token family) for the user.
  IssuedSession start_session(storage::Executor& db, User user);
  std::string new_refresh_token(storage::Executor& db, std::string_view user_id,
                                std::string_view family_id);
  std::int64_t now_ms() const;

  storage::Database& db_;
  PasswordHasher& hasher_;
  const AccessTokens& tokens_;
  cache::RateLimiter& limiter_;
  const Clock& clock_;
  AuthSettings settings_;
  UserStore users_;
  RefreshTokenStore refresh_tokens_;
  KeyedTurns registrations_;  // emails being registered now
};

}  // namespace shop::auth
