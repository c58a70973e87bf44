#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "app/config.hpp"

namespace spdlog {
class logger;
}

namespace shop::http {
class Router;
struct ServerOptions;
}  // namespace shop::http

namespace shop {
class Clock;
}

namespace shop::app {

// Extra wiring for tests: routes added before the server starts, and server limits (timeouts)
// shortened so that tests do not wait for the production values.
struct AppHooks {
  std::function<void(http::Router&)> extra_routes;
  const Clock* clock = nullptr;  // replaces the system clock (token expiry, rate-limit windows)
  std::function<void(http::ServerOptions&)> server_options;
};

// The one place that wires everything: storage, pools, middleware, routes and the server.
class App {
 public:
  App(Config config, std::shared_ptr<spdlog::logger> log, AppHooks hooks = {});
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Opens the database, applies migrations, binds the port and starts serving. Throws
  // std::runtime_error (one clear line) when any of that fails.
  void start();
  std::uint16_t port() const;
  // After start(): every route as its method and pattern ("GET", "/api/products/:id"), in the
  // order they were added. The OpenAPI test compares it with docs/openapi.json.
  std::vector<std::pair<std::string, std::string>> operations() const;

  // SIGINT/SIGTERM begin a graceful shutdown; call before start().
  void stop_on_signals();
  // Begins a graceful shutdown; thread-safe.
  void shutdown();
  // Blocks until the server has stopped, then stops the worker pools.
  void wait();

 private:
  struct Parts;
  void stop_pools();
  Config config_;
  std::shared_ptr<spdlog::logger> log_;
  AppHooks hooks_;
  bool handle_signals_ = false;
  std::unique_ptr<Parts> parts_;
};

}  // namespace shop::app
