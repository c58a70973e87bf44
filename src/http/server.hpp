#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace spdlog {
class logger;
}

namespace shop {
class ThreadPool;
}

namespace shop::http {

class Pipeline;
struct IoWorker;

struct ServerOptions {
  std::string host = "0.0.0.0";
  std::uint16_t port = 8080;             // 0 picks a free port (tests)
  unsigned io_threads = 0;               // 0: one per core
  std::size_t header_limit = 16 * 1024;  // request line + headers, else 431
  // Bodies are limited per route, after routing and before reading: a route that takes uploads
  // (multipart), for a caller allowed to use it, gets upload_body_limit; every other request
  // json_body_limit. Beyond: 413.
  std::size_t json_body_limit = 1024 * 1024;
  std::size_t upload_body_limit = 5 * 1024 * 1024 + 64 * 1024;
  using ms = std::chrono::milliseconds;
  ms header_timeout{10000};  // from the first byte of a request to its last header
  ms idle_timeout{60000};    // keep-alive connection with no request
  ms body_timeout{60000};    // from the end of the headers to the end of the body
  ms write_timeout{60000};   // a client that does not read its response
  ms shutdown_grace{10000};  // in-flight requests get this long to finish
  ms sweep_interval{1000};   // how often deadlines are checked (their precision)
  std::size_t max_connections = 10000;
};

// The HTTP/1.1 server on Boost.Beast and Asio: one io_context per I/O thread, each with its own
// SO_REUSEPORT acceptor, accepting connections (http/session.hpp serves each), sweeping their
// deadlines and shutting down gracefully. Handlers marked Execution::worker run on the worker
// pool.
class Server {
 public:
  Server(ServerOptions options, const Pipeline& pipeline, ThreadPool& workers, spdlog::logger& log);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts the I/O threads; throws std::runtime_error if the address cannot be bound.
  void start();
  std::uint16_t port() const;

  // SIGINT and SIGTERM begin a graceful shutdown.
  void stop_on_signals();

  // Stops accepting, closes idle connections, lets in-flight requests finish. Thread-safe.
  void shutdown();

  // Blocks until shutdown() and then until in-flight requests ended (or the grace period ran
  // out) and the I/O threads have stopped.
  void wait();

  std::size_t open_connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace shop::http
