#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "http/message.hpp"
#include "http/request_context.hpp"

namespace shop {
class ThreadPool;
}

namespace shop::http {

using Handler = std::function<Response(Request&, RequestContext&)>;

// Where a handler runs: on the I/O thread (never blocks) or on the worker pool (may block).
enum class Execution : std::uint8_t { io_thread, worker };

// Who may call a route; the auth middleware enforces it.
enum class Access : std::uint8_t { everyone, user, admin };

struct Route {
  Method method = Method::get;
  std::string pattern;  // "/api/products/:id"
  Handler handler;
  Execution execution = Execution::worker;
  // For worker routes: the pool they run on when not the general workers' (sign-up and login
  // wait for password hashing there, holding none of the threads that serve everything else).
  ThreadPool* pool = nullptr;
  Access access = Access::everyone;
  unsigned bodies = static_cast<unsigned>(BodyKind::json) | static_cast<unsigned>(BodyKind::form);
  bool rate_limited = true;  // false for probes (health, readiness, metrics)
  // For worker routes: true when this request can be answered without blocking (an in-process
  // cache hit), so it runs on the I/O thread and skips two thread hand-offs. It may leave what
  // it found in ctx.route_state for the handler.
  std::function<bool(const Request&, RequestContext&)> answers_inline = nullptr;
  std::size_t index = 0;  // position in the table, used by metrics
};

struct RouteMatch {
  const Route* route = nullptr;  // null when nothing matched
  std::vector<std::pair<std::string, std::string>> params;
  bool path_known = false;  // some route has this path with another method
  std::string allow;        // methods allowed on the path, for 405 and OPTIONS
};

// Method + path → route, with ":name" segments as parameters. Paths are case-sensitive; one
// trailing slash is ignored, as Express does.
class Router {
 public:
  // Adds a route; throws std::logic_error on a duplicate method + pattern.
  const Route& add(Route route);

  RouteMatch match(Method method, std::string_view raw_path) const;

  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }

 private:
  struct Pattern {
    std::vector<std::string> segments;  // ":x" marks a parameter
    std::vector<Route*> by_method;
  };
  const Pattern* find_pattern(std::string_view path,
                              std::vector<std::pair<std::string, std::string>>* params) const;

  std::vector<std::unique_ptr<Route>> routes_;
  std::vector<Pattern> patterns_;  // patterns with parameters
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // Parameter-free pattern → index into static_patterns_.
  std::unordered_map<std::string, std::size_t, StringHash, std::equal_to<>> static_;
  std::vector<Pattern> static_patterns_;
};

// Handlers that call member functions of one routes object, which they share and keep alive:
// `http::MemberHandlers bind(routes); router.add({..., .handler = bind(&CartRoutes::get)});`
template <class Routes>
class MemberHandlers {
 public:
  explicit MemberHandlers(std::shared_ptr<Routes> routes) : routes_(std::move(routes)) {}
  Handler operator()(Response (Routes::*fn)(Request&, RequestContext&)) const {
    return [routes = routes_, fn](Request& req, RequestContext& ctx) {
      return ((*routes).*fn)(req, ctx);
    };
  }

 private:
  std::shared_ptr<Routes> routes_;
};

// Decodes %XX escapes; returns false on a malformed escape or an encoded NUL.
bool percent_decode(std::string_view in, std::string& out);

}  // namespace shop::http
