#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "http/pipeline.hpp"
#include "http/router.hpp"

namespace shop {
class ThreadPool;
}

namespace shop::cache {
class RateLimiter;
}

namespace shop::auth {

class AuthService;
class AvatarService;

struct AuthRouteOptions {
  bool cookie_secure = false;
  std::chrono::seconds refresh_ttl{604800};
  // Origins that may use the cookie routes (refresh, logout): CLIENT_URL's and shopd's own.
  std::vector<std::string> trusted_origins;
  std::uint32_t attempts_per_ip = 20;  // AUTH_RATE_LIMIT_MAX, 0 turns it off
  std::chrono::seconds window{900};
  std::string media_base_url;  // PUBLIC_URL + "/media/": avatar URLs
  std::size_t max_upload_bytes = 5 * 1024 * 1024;
  // Where the routes that hash a password run (null: the general workers).
  ThreadPool* hashing_routes_pool = nullptr;
};

// The /api/users routes of the contract.
void add_auth_routes(http::Router& router, AuthService& service, AvatarService& avatars,
                     cache::RateLimiter& limiter, AuthRouteOptions options);

// Enforces Route::access: a valid Bearer token of an existing user, and the admin role where
// required. Sets ctx.user.
http::Middleware require_auth(AuthService& service);

// The same check, for the server to make before it reads a large body (an upload).
http::BodyGate body_gate(AuthService& service);

}  // namespace shop::auth
