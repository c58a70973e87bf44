#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "storage/connection_pool.hpp"
#include "storage/database.hpp"
#include "storage/postgres/postgres_url.hpp"

struct pg_conn;

namespace shop::storage::postgres {

// How long a pooled connection may take to connect (libpq connect_timeout).
inline constexpr int kConnectTimeoutSeconds = 5;
// The most ping() takes, connecting included.
inline constexpr std::chrono::milliseconds kPingTimeout{2000};

// A PostgreSQL database behind a connection pool. Connections the server closed (restart,
// pg_terminate_backend) are dropped when next handed out or used, and new ones are opened on
// demand, so service returns by itself when the server does.
class PostgresDatabase final : public Database {
 public:
  // Opens one connection at once, so a wrong password or an unreachable host fails at start:
  // std::runtime_error with one line that names host:port/db and never the password.
  PostgresDatabase(std::string_view url, const DatabaseOptions& options);
  ~PostgresDatabase() override;

  Dialect dialect() const override { return Dialect::postgres; }
  // Waits up to acquire_timeout for a free connection; shop::Error{unavailable} when none comes
  // or the server cannot be reached.
  ConnectionLease acquire() override;
  PoolStats stats() const override { return pool_.stats(); }
  // "postgres host:port/db".
  std::string describe() const override { return description_; }
  // Runs SELECT 1 on a connection of its own, outside the pool, so that /readyz neither waits for
  // a busy pool nor hangs on an unreachable server: answers within kPingTimeout.
  bool ping() noexcept override;

 private:
  std::unique_ptr<Connection> open_connection();
  // ping() without the lock and the logging.
  bool probe(std::chrono::steady_clock::time_point deadline);

  PostgresUrl url_;
  std::string description_;
  std::size_t pool_size_;
  std::atomic<bool> started_{false};
  ConnectionPool pool_;

  // One ping at a time; another waits for it until its own deadline. (A mutex and a condition
  // rather than std::timed_mutex, whose try_lock_until ThreadSanitizer cannot follow in GCC 12.)
  std::mutex probe_mutex_;
  std::condition_variable probe_done_;
  bool probing_ = false;
  pg_conn* probe_ = nullptr;  // the ping connection, opened on demand
  bool last_ping_ok_ = true;
};

}  // namespace shop::storage::postgres
