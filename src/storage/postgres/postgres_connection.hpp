#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "storage/database.hpp"
#include "storage/postgres/postgres_url.hpp"

struct pg_conn;
struct pg_result;

namespace shop::storage::postgres {

// How long one statement may run before the server cancels it, unless the URL, the role or the
// database sets statement_timeout itself.
inline constexpr std::string_view kDefaultStatementTimeout = "30s";

// True when an idle connection is still usable: open, and the server has sent nothing since the
// last statement (a restart or pg_terminate_backend leaves an error and end-of-file to read).
// Never blocks.
bool idle_connection_is_alive(pg_conn* connection) noexcept;

// One libpq connection with a bounded cache of prepared statements. Not thread-safe: a pool
// lease gives it to one thread at a time.
class PostgresConnection final : public Connection {
 public:
  // Connects (bounded by connect_timeout) and sets up the session. Throws std::runtime_error
  // with one line naming host:port/db and libpq's reason, never the password.
  PostgresConnection(const PostgresUrl& url, int connect_timeout_seconds);
  PostgresConnection(const PostgresConnection&) = delete;
  PostgresConnection& operator=(const PostgresConnection&) = delete;
  ~PostgresConnection() override;

  Dialect dialect() const override { return Dialect::postgres; }
  Result execute_params(std::string_view sql, std::span<const Value> params) override;
  void execute_script(std::string_view sql) override;

  void begin(TxMode mode) override;
  void commit() override;
  void rollback() override;
  bool in_transaction() const noexcept override;
  bool is_healthy() const noexcept override;

  // Checks an idle connection before it is handed out; false (and unhealthy from then on) when
  // the server closed it.
  bool check_alive() noexcept;
  // "host:port/db" of the server this connection reached.
  std::string location() const;
  int backend_pid() const noexcept;
  std::size_t cached_statements() const noexcept { return statements_.size(); }

 private:
  struct CachedStatement {
    std::string sql;
    std::string name;
    std::size_t param_count;
  };
  using StatementList = std::list<CachedStatement>;

  // Returns the prepared statement for `sql`, preparing and caching it on first use (with the
  // parameter types of `params` where the server cannot infer them).
  const CachedStatement& prepare_cached(std::string_view sql, std::span<const Value> params);
  // Drops one cached statement here and on the server (best effort).
  void forget_statement(StatementList::iterator statement) noexcept;
  // Runs a statement without parameters through the simple protocol; returns the command tag.
  std::string run_simple(std::string_view sql);
  // Turns a failed result (or a lost connection) into the exception the Executor contract
  // promises; takes ownership of `result`.
  [[noreturn]] void throw_error(pg_result* result, std::string_view sql);
  // Throws shop::Error{unavailable} once the connection is known to be lost.
  void require_usable();

  pg_conn* conn_ = nullptr;
  std::string password_;  // scrubbed from messages
  bool broken_ = false;
  std::uint64_t next_statement_id_ = 0;
  // Most recently used first; the index keys are views into the list's own strings.
  StatementList statements_;
  std::unordered_map<std::string_view, StatementList::iterator> by_sql_;
};

}  // namespace shop::storage::postgres
