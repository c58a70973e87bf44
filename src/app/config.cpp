#include "app/config.hpp"

#include <fmt/format.h>

#include <boost/asio/ip/address.hpp>
#include <charconv>
#include <fstream>
#include <sstream>

#include "cache/redis_client.hpp"
#include "core/log.hpp"
#include "core/text.hpp"

extern char** environ;

namespace shop::app {
namespace {

bool valid_name(std::string_view n) {
  if (n.empty() || (n[0] >= '0' && n[0] <= '9')) return false;
  for (char c : n)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  return true;
}

template <class T>
T parse_integer(const Environment& env, std::string_view name, T fallback, T min, T max) {
  auto raw = env.get(name);
  if (!raw) return fallback;
  std::string_view text = trim_whitespace(*raw);
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < min ||
      value > max)
    throw ConfigError(
        fmt::format("{} must be an integer from {} to {} (got \"{}\")", name, min, max, *raw));
  return value;
}

bool parse_bool(const Environment& env, std::string_view name, bool fallback) {
  auto raw = env.get(name);
  if (!raw) return fallback;
  std::string v(trim_whitespace(*raw));
  for (char& c : v)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off" || v.empty()) return false;
  throw ConfigError(fmt::format("{} must be true or false (got \"{}\")", name, *raw));
}

std::string strip_trailing_slash(std::string s) {
  while (s.size() > 1 && s.back() == '/')
    s.pop_back();
  return s;
}

bool is_http_origin(std::string_view s) {
  return (s.starts_with("http://") && s.size() > 7) || (s.starts_with("https://") && s.size() > 8);
}

}  // namespace

std::map<std::string, std::string> parse_dotenv(std::string_view text) {
  std::map<std::string, std::string> out;
  std::size_t line_no = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = trim_whitespace(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    if (line.starts_with("export ")) line = trim_whitespace(line.substr(7));
    auto eq = line.find('=');
    std::string_view name =
        eq == std::string_view::npos ? line : trim_whitespace(line.substr(0, eq));
    if (eq == std::string_view::npos || !valid_name(name))
      throw ConfigError(fmt::format(".env line {}: expected NAME=value", line_no));
    std::string_view raw = trim_whitespace(line.substr(eq + 1));
    std::string value;
    if (!raw.empty() && (raw.front() == '"' || raw.front() == '\'')) {
      char quote = raw.front();
      std::size_t close = 1;
      while (close < raw.size() && raw[close] != quote)
        close += quote == '"' && raw[close] == '\\' ? 2 : 1;  // \" does not end a "..." value
      if (close >= raw.size())
        throw ConfigError(fmt::format(".env line {}: unterminated quoted value", line_no));
      std::string_view inner = raw.substr(1, close - 1);
      if (quote == '"') {
        for (std::size_t i = 0; i < inner.size(); ++i) {
          if (inner[i] == '\\' && i + 1 < inner.size()) {
            char n = inner[++i];
            value.push_back(n == 'n' ? '\n' : n == 't' ? '\t' : n);
          } else {
            value.push_back(inner[i]);
          }
        }
      } else {
        value = std::string(inner);
      }
    } else {
      auto hash = raw.find(" #");
      value = std::string(trim_whitespace(raw.substr(0, hash)));
    }
    out[std::string(name)] = std::move(value);
  }
  return out;
}

Environment Environment::from_process(const std::string& dotenv_path) {
  Environment env;
  std::ifstream file(dotenv_path, std::ios::binary);
  if (file) {
    std::stringstream ss;
    ss << file.rdbuf();
    for (auto& [k, v] : parse_dotenv(ss.str()))
      env.values_[k] = v;
  }
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    env.values_[std::string(entry.substr(0, eq))] = std::string(entry.substr(eq + 1));
  }
  return env;
}

std::optional<std::string> Environment::get(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

Config load_config(const Environment& env) {
  Config c;
  if (auto host = env.get("HOST")) {
    std::string h(trim_whitespace(*host));
    if (h == "localhost") h = "127.0.0.1";
    boost::system::error_code ec;
    boost::asio::ip::make_address(h, ec);
    if (ec) throw ConfigError(fmt::format("HOST must be an IP address (got \"{}\")", *host));
    c.host = h;
  }
  c.port = parse_integer<std::uint16_t>(env, "PORT", 8080, 0, 65535);

  auto database_url = env.get("DATABASE_URL");
  if (!database_url && env.get("MONGO_URI"))
    throw ConfigError(
        "MONGO_URI is not read by shopd: set DATABASE_URL (sqlite://./data/shopd.db, or "
        "postgres://user:pass@host:5432/db)");
  if (database_url) {
    c.database_url = std::string(trim_whitespace(*database_url));
    if (c.database_url.starts_with("sqlite:")) {
      c.storage = StorageBackend::sqlite;
    } else if (c.database_url.starts_with("postgres://") ||
               c.database_url.starts_with("postgresql://")) {
      c.storage = StorageBackend::postgres;
    } else {
      auto scheme = c.database_url.substr(0, c.database_url.find(':'));
      throw ConfigError(fmt::format(
          "DATABASE_URL must start with sqlite:// or postgres:// (got scheme \"{}\")", scheme));
    }
  }

  if (auto redis = env.get("REDIS_URL"); redis && !trim_whitespace(*redis).empty()) {
    std::string url(trim_whitespace(*redis));
    try {
      cache::parse_redis_url(url);
    } catch (const std::invalid_argument& e) {
      throw ConfigError(e.what());
    }
    c.redis_url = url;
  }
  c.redis_timeout = std::chrono::milliseconds(
      parse_integer<std::int64_t>(env, "REDIS_TIMEOUT_MS", 250, 10, 10000));
  if (auto prefix = env.get("REDIS_KEY_PREFIX")) {
    c.redis_key_prefix = *prefix;
    bool ok = !prefix->empty() && prefix->size() <= 64;
    for (char ch : *prefix)
      ok = ok && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == ':' || ch == '_' || ch == '-' || ch == '.');
    if (!ok)
      throw ConfigError(
          "REDIS_KEY_PREFIX must be 1 to 64 letters, digits or : _ - . (e.g. \"shop1:\")");
  }

  auto secret = [&](std::string_view name) -> std::optional<std::string> {
    auto v = env.get(name);
    if (!v || v->empty()) {
      if (c.storage == StorageBackend::postgres)
        throw ConfigError(fmt::format("{} is required with PostgreSQL (at least 32 bytes)", name));
      return std::nullopt;
    }
    if (c.storage == StorageBackend::postgres && v->size() < 32)
      throw ConfigError(fmt::format("{} must be at least 32 bytes", name));
    return v;
  };
  c.jwt_secret = secret("JWT_SECRET");
  c.jwt_refresh_secret = secret("JWT_REFRESH_SECRET");

  if (auto clients = env.get("CLIENT_URL")) {
    c.client_origins.clear();
    std::string_view list = *clients;
    while (!list.empty()) {
      auto comma = list.find(',');
      std::string origin =
          strip_trailing_slash(std::string(trim_whitespace(list.substr(0, comma))));
      list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
      if (origin.empty()) continue;
      if (origin == "*") {
        c.client_any_origin = true;
        continue;
      }
      if (!is_http_origin(origin))
        throw ConfigError(fmt::format(
            "CLIENT_URL entries must be origins like https://shop.example (got \"{}\")", origin));
      c.client_origins.push_back(std::move(origin));
    }
  }

  c.media_dir = env.get("MEDIA_DIR").value_or(c.media_dir);
  if (c.media_dir.empty()) throw ConfigError("MEDIA_DIR must not be empty");
  c.max_upload_mb = parse_integer<std::size_t>(env, "MAX_UPLOAD_MB", 5, 1, 100);
  c.cache_max_mb = parse_integer<std::size_t>(env, "CACHE_MAX_MB", 64, 0, 65536);
  c.cookie_secure = parse_bool(env, "COOKIE_SECURE", false);

  if (auto tp = env.get("TRUST_PROXY")) {
    std::string_view v = trim_whitespace(*tp);
    unsigned hops = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), hops);
    if (!v.empty() && ec == std::errc() && end == v.data() + v.size() && hops <= 10)
      c.trust_proxy = hops;
    else
      c.trust_proxy = parse_bool(env, "TRUST_PROXY", false) ? 1 : 0;
  }

  if (auto level = env.get("LOG_LEVEL")) {
    auto parsed = log::parse_level(trim_whitespace(*level));
    if (!parsed)
      throw ConfigError(fmt::format(
          "LOG_LEVEL must be one of trace, debug, info, warn, error, off (got \"{}\")", *level));
    c.log_level = *parsed;
  }

  c.access_token_ttl =
      std::chrono::seconds(parse_integer<std::int64_t>(env, "ACCESS_TOKEN_TTL", 900, 10, 86400));
  c.refresh_token_ttl = std::chrono::seconds(
      parse_integer<std::int64_t>(env, "REFRESH_TOKEN_TTL", 604800, 60, 31536000));
  c.rate_limit_max = parse_integer<std::uint32_t>(env, "RATE_LIMIT_MAX", 1000, 0, 1000000000);
  c.rate_limit_window =
      std::chrono::seconds(parse_integer<std::int64_t>(env, "RATE_LIMIT_WINDOW", 900, 1, 86400));
  c.auth_rate_limit_max =
      parse_integer<std::uint32_t>(env, "AUTH_RATE_LIMIT_MAX", 20, 0, 1000000000);
  c.database_pool_size = parse_integer<unsigned>(env, "DATABASE_POOL_SIZE", 8, 1, 1024);
  c.worker_threads = parse_integer<unsigned>(env, "WORKER_THREADS", 0, 0, 1024);
  c.io_threads = parse_integer<unsigned>(env, "IO_THREADS", 0, 0, 256);
  c.housekeeping_interval = std::chrono::seconds(
      parse_integer<std::int64_t>(env, "HOUSEKEEPING_INTERVAL", 600, 0, 86400));

  if (auto provider = env.get("PAYMENT_PROVIDER");
      provider && !trim_whitespace(*provider).empty()) {
    c.payment_provider = std::string(trim_whitespace(*provider));
    if (c.payment_provider != "manual" && c.payment_provider != "stripe")
      throw ConfigError(fmt::format("PAYMENT_PROVIDER must be manual or stripe (got \"{}\")",
                                    c.payment_provider));
  }
  if (auto currency = env.get("CURRENCY"); currency && !trim_whitespace(*currency).empty()) {
    std::string code(trim_whitespace(*currency));
    bool ok = code.size() == 3;
    for (char& ch : code) {
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
      ok = ok && ch >= 'a' && ch <= 'z';
    }
    if (!ok)
      throw ConfigError(fmt::format(
          "CURRENCY must be an ISO 4217 code such as usd or eur (got \"{}\")", *currency));
    c.currency = code;
  }
  c.payment_hold =
      std::chrono::minutes(parse_integer<std::int64_t>(env, "PAYMENT_HOLD_MINUTES", 30, 1, 10080));
  if (auto days = env.get("MANUAL_HOLD_DAYS"); days && !trim_whitespace(*days).empty())
    c.manual_hold =
        std::chrono::days(parse_integer<std::int64_t>(env, "MANUAL_HOLD_DAYS", 0, 1, 365));
  c.payment_reconcile_interval = std::chrono::seconds(
      parse_integer<std::int64_t>(env, "PAYMENT_RECONCILE_INTERVAL", 60, 1, 3600));
  if (c.payment_provider == "stripe") {
    for (auto [name, field] : {std::pair{"STRIPE_SECRET_KEY", &c.stripe_secret_key},
                               std::pair{"STRIPE_WEBHOOK_SECRET", &c.stripe_webhook_secret}}) {
      auto v = env.get(name);
      if (!v || trim_whitespace(*v).empty())
        throw ConfigError(fmt::format("{} is required with PAYMENT_PROVIDER=stripe", name));
      *field = std::string(trim_whitespace(*v));
    }
    if (auto base = env.get("STRIPE_API_BASE"); base && !trim_whitespace(*base).empty()) {
      c.stripe_api_base = strip_trailing_slash(std::string(trim_whitespace(*base)));
      if (!is_http_origin(c.stripe_api_base))
        throw ConfigError("STRIPE_API_BASE must start with http:// or https://");
    }
    if (auto capture = env.get("STRIPE_CAPTURE"); capture && !trim_whitespace(*capture).empty()) {
      std::string_view v = trim_whitespace(*capture);
      if (v != "automatic" && v != "manual")
        throw ConfigError(
            fmt::format("STRIPE_CAPTURE must be automatic or manual (got \"{}\")", *capture));
      c.stripe_manual_capture = v == "manual";
    }
  }

  if (auto url = env.get("PUBLIC_URL"); url && !trim_whitespace(*url).empty()) {
    c.public_url = strip_trailing_slash(std::string(trim_whitespace(*url)));
    if (!is_http_origin(c.public_url))
      throw ConfigError("PUBLIC_URL must start with http:// or https://");
  } else {
    c.public_url = fmt::format("http://localhost:{}", c.port);
  }
  return c;
}

}  // namespace shop::app
