#pragma once

#include <any>
#include <boost/json/value.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace shop::http {

struct Route;

// The authenticated caller, filled in by the auth middleware.
struct AuthUser {
  std::string id;
  std::string role;        // "user" or "admin"
  std::string session_id;  // the login session the access token belongs to
};

// Which body the parser found; routes say which kinds they accept.
enum class BodyKind : std::uint8_t { none = 0, json = 1, form = 2, multipart = 4 };

// Everything the pipeline learns about one request, as typed fields.
struct RequestContext {
  std::string request_id;
  std::string client_ip;
  std::chrono::steady_clock::time_point started{};
  const Route* route = nullptr;  // the matched route, or null for 404/405
  std::vector<std::pair<std::string, std::string>> params;  // decoded path parameters
  bool path_known = false;  // no route matched, but the path exists with other methods
  std::string allow;        // the path's methods when path_known
  BodyKind body_kind = BodyKind::none;
  boost::json::value body;  // parsed JSON or urlencoded body (an object), else null
  // The text of each top-level JSON number, as sent (money is parsed from it, never a double).
  std::vector<std::pair<std::string, std::string>> body_numbers;
  std::optional<AuthUser> user;
  std::optional<Error> rejection;  // set by the server for a request it could not accept
  std::any route_state;            // what the route's answers_inline probe found, for its handler

  // The decoded path parameter of that name, or "".
  std::string_view param(std::string_view name) const {
    for (const auto& [n, v] : params)
      if (n == name) return v;
    return {};
  }
};

}  // namespace shop::http
