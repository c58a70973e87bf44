#include "auth/auth_routes.hpp"

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "auth/auth_service.hpp"
#include "auth/avatar_service.hpp"
#include "cache/rate_limiter.hpp"
#include "core/time.hpp"
#include "http/body_reader.hpp"
#include "http/cookies.hpp"
#include "http/multipart.hpp"

namespace shop::auth {
namespace {

using http::Access;
using http::Method;
using http::Request;
using http::RequestContext;
using http::Response;

constexpr std::string_view kCookie = "refreshToken";

boost::json::object user_summary(const User& u) {
  return {{"id", u.id}, {"name", u.name}, {"email", u.email}, {"role", u.role}};
}

boost::json::object profile_json(const User& u, std::string_view media_base_url) {
  boost::json::object o = user_summary(u);
  if (u.avatar_url)
    o["avatar"] = boost::json::object{{"url", std::string(media_base_url) + *u.avatar_url}};
  else
    o["avatar"] = nullptr;
  o["createdAt"] = iso8601_ms(u.created_at);
  return o;
}

Response json(int status, const boost::json::object& body) {
  return Response::json(status, boost::json::serialize(body));
}

class AuthRoutes {
 public:
  AuthRoutes(AuthService& service, AvatarService& avatars, cache::RateLimiter& limiter,
             AuthRouteOptions options)
      : service_(service), avatars_(avatars), limiter_(limiter), options_(std::move(options)) {}

  Response register_user(Request&, RequestContext& ctx) {
    charge_attempt(ctx);
    http::BodyReader body(ctx.body);
    RegisterInput input{body.required_string("name"), body.required_string("email"),
                        body.required_string("password")};
    body.finish();  // `role` and other fields are ignored: nobody makes themselves admin
    return session_response(201, service_.register_user(input));
  }

  Response login(Request&, RequestContext& ctx) {
    charge_attempt(ctx);
    http::BodyReader body(ctx.body);
    LoginInput input{body.required_string("email"), body.required_string("password")};
    body.finish();
    return session_response(200, service_.login(input));
  }

  Response refresh(Request& req, RequestContext& ctx) {
    check_origin(req);
    charge_attempt(ctx);
    auto token = http::cookie_value(req.headers, kCookie);
    if (!token || token->empty()) throw Error(ErrorCode::unauthenticated, "No refresh token");
    RefreshedTokens t = service_.refresh(*token);
    Response r = json(200, {{"accessToken", t.access_token}});
    r.headers.add("Set-Cookie", cookie(t.refresh_token, options_.refresh_ttl.count()));
    return r;
  }

  Response logout(Request& req, RequestContext&) {
    check_origin(req);
    if (auto token = http::cookie_value(req.headers, kCookie)) service_.logout(*token);
    Response r = json(200, {{"message", "Logged out successfully"}});
    r.headers.add("Set-Cookie", cookie("", 0));
    return r;
  }

  Response profile(Request&, RequestContext& ctx) {
    return json(200, profile_json(service_.profile(ctx.user->id), options_.media_base_url));
  }

  Response update_profile(Request&, RequestContext& ctx) {
    http::BodyReader body(ctx.body);
    ProfileChange change{body.optional_string("name"), body.optional_string("email"),
                         body.optional_string("currentPassword"),
                         body.optional_string("newPassword")};
    body.finish();
    return json(200,
                profile_json(service_.update_profile(ctx.user->id, ctx.user->session_id, change),
                             options_.media_base_url));
  }

  Response avatar(Request& req, RequestContext& ctx) {
    if (ctx.body_kind != http::BodyKind::multipart)
      throw Error(ErrorCode::unsupported_media,
                  "Unsupported Content-Type; send multipart/form-data with a file field avatar");
    http::MultipartLimits limits;
    limits.max_file_bytes = options_.max_upload_bytes;
    http::MultipartForm form(
        http::parse_multipart(req.headers.get("Content-Type").value_or(""), req.body, limits), {},
        {"avatar"});
    const http::MultipartPart* file = form.file("avatar");
    if (file == nullptr || file->data.empty())
      throw Error(ErrorCode::invalid_input, "Validation failed", {{"avatar", "is required"}});
    return json(
        200, profile_json(avatars_.set_avatar(ctx.user->id, file->data), options_.media_base_url));
  }

  Response admin(Request&, RequestContext& ctx) {
    User u = service_.profile(ctx.user->id);
    return json(200, {{"message", "Welcome, Admin!"},
                      {"user", boost::json::object{{"id", u.id}, {"email", u.email}}}});
  }

 private:
  // The stricter per-address budget of login, register and refresh.
  void charge_attempt(const RequestContext& ctx) {
    if (options_.attempts_per_ip == 0) return;
    auto d = limiter_.hit("auth:" + ctx.client_ip, options_.attempts_per_ip, options_.window);
    if (!d.allowed)
      throw Error(ErrorCode::rate_limited, "Too many attempts, please try again later.")
          .with_rate_limit({d.limit, d.remaining, d.reset});
  }

  // Cookie routes must not be usable from another site.
  void check_origin(const Request& req) const {
    auto origin = req.headers.get("Origin");
    if (!origin) return;
    const auto& trusted = options_.trusted_origins;
    if (std::find(trusted.begin(), trusted.end(), *origin) == trusted.end())
      throw Error(ErrorCode::forbidden, "Origin not allowed");
  }

  std::string cookie(std::string_view value, std::int64_t max_age) const {
    std::string c = std::string(kCookie) + "=" + std::string(value) +
                    "; HttpOnly; SameSite=Lax; Path=/api/users; Max-Age=" + std::to_string(max_age);
    if (options_.cookie_secure) c += "; Secure";
    return c;
  }

  Response session_response(int status, const IssuedSession& s) {
    boost::json::object body = user_summary(s.user);
    body["accessToken"] = s.access_token;
    Response r = json(status, body);
    r.headers.add("Set-Cookie", cookie(s.refresh_token, options_.refresh_ttl.count()));
    return r;
  }

  AuthService& service_;
  AvatarService& avatars_;
  cache::RateLimiter& limiter_;
  AuthRouteOptions options_;
};

}  // namespace

void add_auth_routes(http::Router& router, AuthService& service, AvatarService& avatars,
                     cache::RateLimiter& limiter, AuthRouteOptions options) {
  ThreadPool* hashing = options.hashing_routes_pool;
  auto routes = std::make_shared<AuthRoutes>(service, avatars, limiter, std::move(options));
  http::MemberHandlers bind(routes);
  router.add({.method = Method::post,
              .pattern = "/api/users/register",
              .handler = bind(&AuthRoutes::register_user),
              .pool = hashing});
  router.add({.method = Method::post,
              .pattern = "/api/users/login",
              .handler = bind(&AuthRoutes::login),
              .pool = hashing});
  router.add({.method = Method::post,
              .pattern = "/api/users/refresh",
              .handler = bind(&AuthRoutes::refresh)});
  router.add({.method = Method::post,
              .pattern = "/api/users/logout",
              .handler = bind(&AuthRoutes::logout)});
  router.add({.method = Method::get,
              .pattern = "/api/users/profile",
              .handler = bind(&AuthRoutes::profile),
              .access = Access::user});
  router.add({.method = Method::patch,
              .pattern = "/api/users/profile",
              .handler = bind(&AuthRoutes::update_profile),
              .pool = hashing,
              .access = Access::user});
  router.add({.method = Method::post,
              .pattern = "/api/users/avatar",
              .handler = bind(&AuthRoutes::avatar),
              .access = Access::user,
              .bodies = static_cast<unsigned>(http::BodyKind::multipart)});
  router.add({.method = Method::get,
              .pattern = "/api/users/admin",
              .handler = bind(&AuthRoutes::admin),
              .access = Access::admin});
}

namespace {

// The bearer token of the Authorization header; Error{unauthenticated} without one.
std::string_view bearer_token(const Request& req) {
  auto header = req.headers.get("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (!header || header->size() <= kBearer.size() ||
      !http::iequals(header->substr(0, kBearer.size()), kBearer))
    throw Error(ErrorCode::unauthenticated, "Not authorized, no token");
  return header->substr(kBearer.size());
}

// Route::access for this request: a valid token of an existing user in an open session, and
// the admin role where required. Sets ctx.user.
void authorize(AuthService& service, const Request& req, RequestContext& ctx) {
  Caller caller = service.authenticate(bearer_token(req));
  if (ctx.route->access == Access::admin && caller.user.role != "admin")
    throw Error(ErrorCode::forbidden, "Not authorized as an admin");
  ctx.user = http::AuthUser{caller.user.id, caller.user.role, caller.session_id};
}

}  // namespace

http::Middleware require_auth(AuthService& service) {
  return [&service](Request& req, RequestContext& ctx, const http::Next& next) {
    if (ctx.route == nullptr || ctx.route->access == Access::everyone) return next();
    // An upload's caller was authorized before its body was read (body_gate).
    if (!ctx.user) authorize(service, req, ctx);
    return next();
  };
}

http::BodyGate body_gate(AuthService& service) {
  return {[&service](const Request& req) { service.verify_token(bearer_token(req)); },
          [&service](const Request& req, RequestContext& ctx) { authorize(service, req, ctx); }};
}

}  // namespace shop::auth
