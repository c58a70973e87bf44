#include "http/middleware.hpp"

#include <fmt/format.h>
#include <sodium.h>
#include <spdlog/logger.h>

#include <algorithm>
#include <random>

#include "cache/rate_limiter.hpp"
#include "core/text.hpp"
#include "http/body.hpp"
#include "http/error_response.hpp"
#include "http/metrics.hpp"

namespace shop::http {
namespace {

bool valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == ':';
  });
}

// 128 random bits as 32 hex digits, from a per-thread generator seeded by libsodium.
std::string new_request_id() {
  thread_local std::mt19937_64 rng = [] {
    std::seed_seq::result_type seed[8];
    randombytes_buf(seed, sizeof seed);
    std::seed_seq seq(std::begin(seed), std::end(seed));
    return std::mt19937_64(seq);
  }();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (int half = 0; half < 2; ++half) {
    std::uint64_t v = rng();
    for (int i = 0; i < 16; ++i, v >>= 4)
      id[half * 16 + i] = kHex[v & 15];
  }
  return id;
}

// What Helmet sets by default, for an API: nothing may be framed, run or embedded elsewhere.
#define SHOPD_API_CSP "Content-Security-Policy: default-src 'none'; frame-ancestors 'self'\r\n"
#define SHOPD_SECURITY_HEADERS_BUT_CSP_AND_CORP                        \
  "Cross-Origin-Opener-Policy: same-origin\r\n"                        \
  "Origin-Agent-Cluster: ?1\r\n"                                       \
  "Referrer-Policy: no-referrer\r\n"                                   \
  "Strict-Transport-Security: max-age=31536000; includeSubDomains\r\n" \
  "X-Content-Type-Options: nosniff\r\n"                                \
  "X-DNS-Prefetch-Control: off\r\n"                                    \
  "X-Download-Options: noopen\r\n"                                     \
  "X-Frame-Options: SAMEORIGIN\r\n"                                    \
  "X-Permitted-Cross-Domain-Policies: none\r\n"                        \
  "X-XSS-Protection: 0\r\n"
#define SHOPD_CORP "Cross-Origin-Resource-Policy: same-origin\r\n"
constexpr std::string_view kSecurityHeaders =
    SHOPD_API_CSP SHOPD_SECURITY_HEADERS_BUT_CSP_AND_CORP SHOPD_CORP;
// For answers that set their own Cross-Origin-Resource-Policy (images shown cross-origin).
constexpr std::string_view kSecurityHeadersOwnCorp =
    SHOPD_API_CSP SHOPD_SECURITY_HEADERS_BUT_CSP_AND_CORP;
// For answers that set their own Content-Security-Policy (the pages under /docs and /admin).
constexpr std::string_view kSecurityHeadersOwnCsp =
    SHOPD_SECURITY_HEADERS_BUT_CSP_AND_CORP SHOPD_CORP;
#undef SHOPD_API_CSP
#undef SHOPD_SECURITY_HEADERS_BUT_CSP_AND_CORP
#undef SHOPD_CORP

constexpr std::string_view kAllowedMethods = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
constexpr std::string_view kAllowedHeaders =
    "Content-Type, Authorization, Idempotency-Key, X-Request-Id, If-None-Match";
constexpr std::string_view kExposedHeaders =
    "X-Request-Id, X-Cache, X-Total-Count, ETag, Idempotent-Replayed, RateLimit-Limit, "
    "RateLimit-Remaining, RateLimit-Reset, Retry-After";

}  // namespace

Middleware client_address(unsigned trusted_proxies) {
  return [trusted_proxies](Request& req, RequestContext& ctx, const Next& next) {
    if (trusted_proxies > 0) {
      if (auto xff = req.headers.get("X-Forwarded-For")) {
        // Entries are appended left to right; walk back from the end, one per trusted proxy.
        std::vector<std::string_view> hops;
        std::string_view list = *xff;
        while (!list.empty()) {
          auto comma = list.find(',');
          hops.push_back(trim_whitespace(list.substr(0, comma)));
          list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
        }
        if (!hops.empty()) {
          std::size_t back = std::min<std::size_t>(trusted_proxies, hops.size());
          std::string_view ip = hops[hops.size() - back];
          if (!ip.empty() && ip.size() <= 64) ctx.client_ip = std::string(ip);
        }
      }
    }
    return next();
  };
}

Middleware request_id() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialize");
  return [](Request& req, RequestContext& ctx, const Next& next) {
    auto given = req.headers.get("X-Request-Id");
    ctx.request_id = given && valid_request_id(*given) ? std::string(*given) : new_request_id();
    Response r = next();
    r.headers.set("X-Request-Id", ctx.request_id);
    return r;
  };
}

Middleware access_log(spdlog::logger& log, Metrics& metrics) {
  return [&log, &metrics](Request& req, RequestContext& ctx, const Next& next) {
    Response r = next();
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - ctx.started);
    metrics.record(ctx.route != nullptr ? ctx.route->index : metrics.unmatched(), r.status, us);
    if (log.should_log(spdlog::level::info))
      log.info("access method={} path={} status={} bytes={} us={} ip={} rid={}", req.method_text,
               req.path, r.status, r.body.size(), us.count(), ctx.client_ip, ctx.request_id);
    return r;
  };
}

Middleware security_headers() {
  return [](Request&, RequestContext&, const Next& next) {
    Response r = next();
    if (r.headers.get("Content-Security-Policy"))
      r.fixed_headers = kSecurityHeadersOwnCsp;
    else if (r.headers.get("Cross-Origin-Resource-Policy"))
      r.fixed_headers = kSecurityHeadersOwnCorp;
    else
      r.fixed_headers = kSecurityHeaders;
    return r;
  };
}

Middleware cors(CorsOptions options) {
  return [options = std::move(options)](Request& req, RequestContext& ctx, const Next& next) {
    auto origin = req.headers.get("Origin");
    bool listed = origin && std::find(options.origins.begin(), options.origins.end(), *origin) !=
                                options.origins.end();
    bool allowed = origin && (listed || options.any_origin);
    auto decorate = [&](Response& r) {
      if (!options.origins.empty()) r.headers.add("Vary", "Origin");
      if (!allowed) return;
      if (listed) {
        r.headers.add("Access-Control-Allow-Origin", std::string(*origin));
        r.headers.add("Access-Control-Allow-Credentials", "true");
      } else {
        r.headers.add("Access-Control-Allow-Origin", "*");
      }
    };
    bool preflight = req.method == Method::options && origin &&
                     req.headers.get("Access-Control-Request-Method").has_value();
    if (preflight && (ctx.route != nullptr || ctx.path_known)) {
      Response r;
      r.status = 204;
      decorate(r);
      if (allowed) {
        r.headers.add("Access-Control-Allow-Methods", std::string(kAllowedMethods));
        r.headers.add("Access-Control-Allow-Headers", std::string(kAllowedHeaders));
        r.headers.add("Access-Control-Max-Age", "600");
      }
      return r;
    }
    Response r = next();
    decorate(r);
    if (allowed) r.headers.add("Access-Control-Expose-Headers", std::string(kExposedHeaders));
    return r;
  };
}

Middleware error_mapper(spdlog::logger& log) {
  return [&log](Request&, RequestContext& ctx, const Next& next) {
    try {
      return next();
    } catch (...) {
      return response_for_exception(std::current_exception(), ctx.request_id, log);
    }
  };
}

Middleware rate_limit(cache::RateLimiter& limiter, RateLimitOptions options) {
  return [&limiter, options](Request&, RequestContext& ctx, const Next& next) {
    // Requests the server refused before routing (busy, too large) are not counted: they are
    // answered on the I/O thread, where a networked limiter must not be called.
    if (options.max == 0 || ctx.rejection || (ctx.route != nullptr && !ctx.route->rate_limited))
      return next();
    cache::RateDecision d = limiter.hit("global:" + ctx.client_ip, options.max, options.window);
    auto add_headers = [&d](Response& r) {
      r.headers.add("RateLimit-Limit", std::to_string(d.limit));
      r.headers.add("RateLimit-Remaining", std::to_string(d.remaining));
      r.headers.add("RateLimit-Reset", std::to_string(d.reset.count()));
    };
    if (!d.allowed)
      return error_response(
          Error(ErrorCode::rate_limited, "Too many requests, please try again later.")
              .with_rate_limit({d.limit, d.remaining, d.reset}));
    Response r = next();
    // A stricter limiter further in (logins) that refused the request has set its own.
    if (!r.headers.get("RateLimit-Limit")) add_headers(r);
    return r;
  };
}

Middleware body_parser() {
  return [](Request& req, RequestContext& ctx, const Next& next) {
    // GET and HEAD bodies have no meaning here and are ignored.
    if (req.body.empty() || ctx.route == nullptr || ctx.route->bodies == 0 ||
        req.method == Method::get || req.method == Method::head)
      return next();
    auto content_type = req.headers.get("Content-Type");
    std::string type = content_type ? media_type(*content_type) : std::string();
    auto accepts = [&](BodyKind k) { return (ctx.route->bodies & static_cast<unsigned>(k)) != 0; };
    bool is_json =
        type == "application/json" || (type.starts_with("application/") && type.ends_with("+json"));
    if (is_json && accepts(BodyKind::json)) {
      JsonBody parsed = parse_json_body(req.body);
      ctx.body = std::move(parsed.object);
      ctx.body_numbers = std::move(parsed.numbers);
      ctx.body_kind = BodyKind::json;
    } else if (type == "application/x-www-form-urlencoded" && accepts(BodyKind::form)) {
      ctx.body = urlencoded_to_object(req.body);
      ctx.body_kind = BodyKind::form;
    } else if (type == "multipart/form-data" && accepts(BodyKind::multipart)) {
      ctx.body_kind = BodyKind::multipart;  // the route parses the parts itself
    } else {
      std::string accepted;
      if (accepts(BodyKind::json)) accepted += "application/json";
      if (accepts(BodyKind::form)) accepted += ", application/x-www-form-urlencoded";
      if (accepts(BodyKind::multipart)) accepted += ", multipart/form-data";
      if (!accepted.empty() && accepted.front() == ',') accepted.erase(0, 2);
      throw Error(ErrorCode::unsupported_media,
                  fmt::format("Unsupported Content-Type; send {}", accepted));
    }
    return next();
  };
}

}  // namespace shop::http
