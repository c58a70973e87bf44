#include "app/accounts_tool.hpp"

#include <spdlog/spdlog.h>

#include "app/secrets.hpp"
#include "auth/access_token.hpp"
#include "auth/auth_service.hpp"
#include "auth/password_hasher.hpp"
#include "cache/in_process_rate_limiter.hpp"
#include "core/clock.hpp"
#include "storage/migrator.hpp"

namespace shop::app {

struct AccountsTool::Parts {
  explicit Parts(const Config& config)
      : db(storage::open_and_migrate(config.database_url, {.pool_size = 1}).db),
        tokens(jwt_secret(config, *spdlog::default_logger()), config.access_token_ttl, clock),
        hasher(1),
        limiter(clock),
        service(*db, hasher, tokens, limiter, clock) {}

  SystemClock clock;
  std::unique_ptr<storage::Database> db;  // migrated
  auth::AccessTokens tokens;
  auth::PasswordHasher hasher;
  cache::InProcessRateLimiter limiter;
  auth::AuthService service;
};

AccountsTool::AccountsTool(const Config& config) : parts_(std::make_unique<Parts>(config)) {}
AccountsTool::~AccountsTool() = default;
auth::AuthService& AccountsTool::service() {
  return parts_->service;
}

}  // namespace shop::app
