#include "auth/auth_service.hpp"

#include "auth/validation.hpp"
#include "core/digest.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/text.hpp"
#include "core/time.hpp"
#include "storage/transaction.hpp"

namespace shop::auth {
namespace {

using storage::TxMode;

[[noreturn]] void invalid_credentials() {
  throw Error(ErrorCode::unauthenticated, "Invalid email or password");
}

[[noreturn]] void invalid_refresh() {
  throw Error(ErrorCode::unauthenticated, "Invalid refresh token");
}

bool is_unique_violation(const storage::ConstraintViolation& e) {
  return e.kind() == storage::ConstraintKind::unique;
}

}  // namespace

AuthService::AuthService(storage::Database& db, PasswordHasher& hasher, const AccessTokens& tokens,
                         cache::RateLimiter& limiter, const Clock& clock, AuthSettings settings)
    : db_(db),
      hasher_(hasher),
      tokens_(tokens),
      limiter_(limiter),
      clock_(clock),
      settings_(settings) {}

std::int64_t AuthService::now_ms() const {
  return epoch_ms(clock_.now());
}

std::string AuthService::new_refresh_token(storage::Executor& db, std::string_view user_id,
                                           std::string_view family_id) {
  std::string token = random_hex(32);  // 256 random bits
  std::int64_t now = now_ms();
  refresh_tokens_.insert(db,
                         RefreshToken{new_id(),
                                      std::string(family_id),
                                      std::string(user_id),
                                      now,
                                      now + settings_.refresh_ttl.count() * 1000,
                                      {},
                                      {}},
                         sha256_hex(token));
  return token;
}

IssuedSession AuthService::start_session(storage::Executor& db, User user) {
  std::string family = new_id();
  std::string refresh = new_refresh_token(db, user.id, family);
  std::string access = tokens_.issue(user.id, family);
  return IssuedSession{std::move(user), std::move(access), std::move(refresh)};
}

IssuedSession AuthService::register_user(const RegisterInput& input) {
  std::string name = std::string(trim_whitespace(input.name));
  std::string email = normalize_email(input.email);
  std::vector<FieldError> problems;
  if (auto p = name_problem(name); !p.empty()) problems.push_back({"name", p});
  if (auto p = email_problem(email); !p.empty()) problems.push_back({"email", p});
  if (auto p = password_problem(input.password); !p.empty()) problems.push_back({"password", p});
  throw_if_invalid(std::move(problems));

  // One sign-up of an address at a time in this process: a second one waits for the first, then
  // finds the address taken without spending a password hash on it. Between instances the
  // unique index decides.
  auto turn = registrations_.take(email, hasher_.limits().deadline);
  if (!turn)
    throw Error(ErrorCode::unavailable, "Server is busy, try again")
        .with_retry_after(std::chrono::seconds(1));
  {
    auto lease = db_.acquire();
    if (users_.find_by_email(lease, email)) throw Error(ErrorCode::conflict, "User already exists");
  }
  hasher_.refuse_if_saturated();  // no hash for a request that cannot be served in time
  std::string hash = hasher_.hash(input.password);  // slow: outside any transaction
  std::int64_t now = now_ms();
  User user{new_id(), email, name, std::move(hash), "user", std::nullopt, now, now};
  try {
    return storage::with_transaction(db_, TxMode::write, [&](storage::Transaction& tx) {
      users_.insert(tx, user);
      return start_session(tx, user);
    });
  } catch (const storage::ConstraintViolation& e) {
    if (is_unique_violation(e)) throw Error(ErrorCode::conflict, "User already exists");
    throw;
  }
}

IssuedSession AuthService::login(const LoginInput& input) {
  // Cheap refusal under a login flood: no database work for a request that cannot be served.
  hasher_.refuse_if_saturated();
  std::string email = normalize_email(input.email);
  if (email.empty() || input.password.empty() || utf8_length(input.password) > 128)
    invalid_credentials();
  // Failed attempts are counted per account, whatever address they come from. Each attempt
  // reserves one before the password is checked, so concurrent guesses cannot overshoot; a
  // successful login gives its reservation back.
  std::string key = "login-failures:" + email;
  auto budget =
      limiter_.hit(key, settings_.failed_logins_per_account, settings_.failed_login_window);
  if (!budget.allowed)
    throw Error(ErrorCode::rate_limited, "Too many failed login attempts, try again later")
        .with_rate_limit({budget.limit, budget.remaining, budget.reset});

  std::optional<User> user;
  {
    auto lease = db_.acquire();
    user = users_.find_by_email(lease, email);
  }
  bool ok = false;
  try {
    if (user)
      ok = hasher_.verify(input.password, user->password_hash);
    else
      hasher_.verify_unknown(input.password);  // the same work, so timing tells nothing
  } catch (const Error&) {
    limiter_.refund(key);  // refused before checking (hashing pool full): not a failed guess
    throw;
  }
  if (!ok) invalid_credentials();
  limiter_.refund(key);
  return storage::with_transaction(
      db_, TxMode::write, [&](storage::Transaction& tx) { return start_session(tx, *user); });
}

RefreshedTokens AuthService::refresh(std::string_view refresh_token) {
  if (refresh_token.size() != 64) invalid_refresh();
  std::string hash = sha256_hex(refresh_token);
  auto lease = db_.acquire();
  storage::Transaction tx(lease, TxMode::write);
  std::int64_t now = now_ms();
  auto token = refresh_tokens_.find_by_hash(tx, hash);
  if (!token || token->revoked_at || token->expires_at <= now) invalid_refresh();
  if (token->used_at || !refresh_tokens_.mark_used(tx, token->id, now)) {
    std::int64_t used_at = token->used_at.value_or(now);
    if (now - used_at > settings_.reuse_grace.count() * 1000) {
      // A retired token came back: someone kept a copy. End the whole session.
      refresh_tokens_.revoke_family(tx, token->family_id, now);
      tx.commit();
      throw Error(ErrorCode::unauthenticated, "Refresh token reuse detected; please log in again");
    }
    throw Error(ErrorCode::unauthenticated, "Refresh token already used");
  }
  if (!users_.find_by_id(tx, token->user_id)) invalid_refresh();
  std::string next = new_refresh_token(tx, token->user_id, token->family_id);
  tx.commit();
  return RefreshedTokens{tokens_.issue(token->user_id, token->family_id), std::move(next)};
}

void AuthService::logout(std::string_view refresh_token) {
  if (refresh_token.size() != 64) return;
  storage::with_transaction(db_, TxMode::write, [&](storage::Transaction& tx) {
    if (auto token = refresh_tokens_.find_by_hash(tx, sha256_hex(refresh_token)))
      refresh_tokens_.revoke_family(tx, token->family_id, now_ms());
  });
}

Caller AuthService::authenticate(std::string_view access_token) {
  AccessClaims claims = tokens_.verify(access_token);
  // The user and their session in one query, as cheap as the user alone: a session ended by a
  // logout, a reused refresh token or a password change stops its access tokens at once.
  auto lease = db_.acquire();
  auto found = users_.find_in_session(lease, claims.user_id, claims.session_id);
  if (!found) throw Error(ErrorCode::unauthenticated, "Not authorized, user not found");
  if (!found->session_open)
    throw Error(ErrorCode::unauthenticated, "Not authorized, session ended");
  return Caller{std::move(found->user), std::move(claims.session_id)};
}

User AuthService::profile(std::string_view user_id) {
  auto lease = db_.acquire();
  auto user = users_.find_by_id(lease, user_id);
  if (!user) throw Error(ErrorCode::not_found, "User not found");
  return *user;
}

User AuthService::update_profile(std::string_view user_id, std::string_view session_id,
                                 const ProfileChange& change) {
  const User current = profile(user_id);
  std::vector<FieldError> problems;
  std::string name = change.name ? std::string(trim_whitespace(*change.name)) : current.name;
  std::string email = change.email ? normalize_email(*change.email) : current.email;
  if (auto p = name_problem(name); change.name && !p.empty()) problems.push_back({"name", p});
  if (auto p = email_problem(email); change.email && !p.empty()) problems.push_back({"email", p});
  if (change.new_password)
    if (auto p = password_problem(*change.new_password); !p.empty())
      problems.push_back({"newPassword", p});
  bool email_changes = email != current.email;
  bool sensitive = email_changes || change.new_password.has_value();
  if (sensitive && !change.current_password)
    problems.push_back({"currentPassword", "is required to change the email or password"});
  throw_if_invalid(std::move(problems));

  if (sensitive && !hasher_.verify(*change.current_password, current.password_hash))
    throw_if_invalid({{"currentPassword", "is incorrect"}});
  // Only what the caller sent is written; a change that rests on the password check applies
  // only while the checked hash is still the stored one.
  UserChanges changes;
  if (change.name) changes.name = name;
  if (email_changes) changes.email = email;
  if (change.new_password) changes.password_hash = hasher_.hash(*change.new_password);
  if (sensitive) changes.expected_password_hash = current.password_hash;

  std::int64_t now = now_ms();
  try {
    storage::with_transaction(db_, TxMode::write, [&](storage::Transaction& tx) {
      if (!users_.update(tx, current.id, changes, now)) {
        if (!users_.find_by_id(tx, current.id))
          throw Error(ErrorCode::unauthenticated, "Not authorized, user not found");
        throw Error(ErrorCode::conflict, "The password was changed meanwhile; try again");
      }
      if (changes.password_hash) {
        // Every other login of this user ends; the one making the change stays.
        refresh_tokens_.revoke_user(
            tx, current.id, now,
            session_id.empty() ? std::nullopt : std::optional<std::string_view>(session_id));
      }
    });
  } catch (const storage::ConstraintViolation& e) {
    if (is_unique_violation(e)) throw Error(ErrorCode::conflict, "Email already in use");
    throw;
  }
  return profile(current.id);
}

AdminOutcome AuthService::create_admin(std::string_view email_in, std::string_view password,
                                       std::string_view name_in) {
  std::string email = normalize_email(email_in);
  std::string name = std::string(trim_whitespace(name_in));
  std::vector<FieldError> problems;
  if (auto p = email_problem(email); !p.empty()) problems.push_back({"email", p});
  if (auto p = password_problem(password); !p.empty()) problems.push_back({"password", p});
  if (auto p = name_problem(name); !p.empty()) problems.push_back({"name", p});
  throw_if_invalid(std::move(problems));

  std::int64_t now = now_ms();
  {
    auto lease = db_.acquire();
    if (auto existing = users_.find_by_email(lease, email)) {
      if (existing->role == "admin") return AdminOutcome::already_admin;
      users_.set_role(lease, existing->id, "admin", now);
      return AdminOutcome::promoted;
    }
  }
  std::string hash = hasher_.hash(password);
  try {
    auto lease = db_.acquire();
    users_.insert(lease, User{new_id(), email, name, hash, "admin", std::nullopt, now, now});
  } catch (const storage::ConstraintViolation& e) {
    if (!is_unique_violation(e)) throw;
    return create_admin(email_in, password, name_in);  // registered meanwhile: promote it
  }
  return AdminOutcome::created;
}

}  // namespace shop::auth
