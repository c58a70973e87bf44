#pragma once

#include <spdlog/common.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace shop::app {

// A configuration problem, worded as the one line shopd prints before exiting with code 1.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The process environment plus a .env file; a variable set in the environment wins.
class Environment {
 public:
  Environment() = default;
  explicit Environment(const std::map<std::string, std::string>& values)
      : values_(values.begin(), values.end()) {}

  // Reads environ and, if present, the .env file at dotenv_path.
  static Environment from_process(const std::string& dotenv_path = ".env");

  std::optional<std::string> get(std::string_view name) const;
  void set(std::string name, std::string value) { values_[std::move(name)] = std::move(value); }

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

// Parses .env text: NAME=value lines, '#' comments, optional "export ", single or double quotes.
// Throws ConfigError naming the line of a malformed entry.
std::map<std::string, std::string> parse_dotenv(std::string_view text);

enum class StorageBackend { sqlite, postgres };

struct Config {
  std::string host = "0.0.0.0";
  std::uint16_t port = 8080;
  std::string database_url = "sqlite://./data/shopd.db";
  StorageBackend storage = StorageBackend::sqlite;
  std::optional<std::string> redis_url;  // checked by cache::parse_redis_url
  std::chrono::milliseconds redis_timeout{250};
  std::string redis_key_prefix = "shopd:";
  std::optional<std::string> jwt_secret;
  std::optional<std::string> jwt_refresh_secret;
  std::vector<std::string> client_origins = {"http://localhost:3000"};
  bool client_any_origin = false;
  std::string public_url;  // base of image URLs, no trailing slash
  std::string media_dir = "./data/media";
  std::size_t max_upload_mb = 5;
  std::size_t cache_max_mb = 64;
  bool cookie_secure = false;
  unsigned trust_proxy = 0;  // how many proxies in front of shopd append to X-Forwarded-For
  spdlog::level::level_enum log_level = spdlog::level::info;
  std::chrono::seconds access_token_ttl{900};
  std::chrono::seconds refresh_token_ttl{604800};
  std::uint32_t rate_limit_max = 1000;
  std::chrono::seconds rate_limit_window{900};
  std::uint32_t auth_rate_limit_max = 20;
  unsigned database_pool_size = 8;
  unsigned worker_threads = 0;                      // 0: chosen from the core count
  unsigned io_threads = 0;                          // 0: one per core
  std::chrono::seconds housekeeping_interval{600};  // 0 turns it off
  // Payments (src/payments/). manual: an admin marks orders paid, as before; stripe: online.
  std::string payment_provider = "manual";                 // PAYMENT_PROVIDER
  std::string currency = "usd";                            // CURRENCY, ISO 4217, lower case
  std::chrono::minutes payment_hold{30};                   // PAYMENT_HOLD_MINUTES
  std::optional<std::chrono::days> manual_hold;            // MANUAL_HOLD_DAYS; unset: never
  std::chrono::seconds payment_reconcile_interval{60};     // PAYMENT_RECONCILE_INTERVAL
  std::string stripe_secret_key;                           // STRIPE_SECRET_KEY
  std::string stripe_webhook_secret;                       // STRIPE_WEBHOOK_SECRET
  std::string stripe_api_base = "https://api.stripe.com";  // STRIPE_API_BASE
  bool stripe_manual_capture = false;                      // STRIPE_CAPTURE=manual
};

// Builds the configuration from the environment; throws ConfigError on the first bad value.
Config load_config(const Environment& env);

}  // namespace shop::app
