#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "http/pipeline.hpp"

namespace shop::cache {
class RateLimiter;
}

namespace shop::http {

class Metrics;

// The client's address: the peer, or with trusted_proxies > 0 the address that many hops back
// in X-Forwarded-For (the last entry is the one our own proxy saw).
Middleware client_address(unsigned trusted_proxies);

// Echoes a well-formed X-Request-Id (1..128 of [A-Za-z0-9._:-]) or generates one.
Middleware request_id();

// One line per request: method, path (no query), status, bytes, microseconds, ip, request id.
// Never a body, a token or a cookie. Also records the request in metrics.
Middleware access_log(spdlog::logger& log, Metrics& metrics);

// The headers Helmet sets by default (see docs/api.md); /media answers may be embedded
// cross-origin, so their Cross-Origin-Resource-Policy is set by the media route.
Middleware security_headers();

struct CorsOptions {
  std::vector<std::string> origins;  // exact origins, e.g. "https://shop.example"
  bool any_origin = false;           // "*": any origin, never with credentials
};

// Allowed origins get Access-Control-Allow-Origin (+ credentials); a preflight is a 204.
Middleware cors(CorsOptions options);

// Turns errors thrown further down into the contract's JSON error responses.
Middleware error_mapper(spdlog::logger& log);

struct RateLimitOptions {
  std::uint32_t max = 1000;  // 0 turns the limit off
  std::chrono::seconds window{900};
};

// The global per-client budget; routes with rate_limited = false are not counted.
Middleware rate_limit(cache::RateLimiter& limiter, RateLimitOptions options);

// Parses JSON and urlencoded bodies into ctx.body; refuses what the route does not accept.
Middleware body_parser();

}  // namespace shop::http
