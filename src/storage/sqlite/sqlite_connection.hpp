#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "storage/database.hpp"
#include "storage/sqlite/write_queue.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace shop::storage::sqlite {

// The file name SQLite understands as a private in-memory database.
inline constexpr std::string_view kMemoryPath = ":memory:";

// One SQLite connection with a bounded cache of prepared statements. Not thread-safe: a pool
// lease gives it to one thread at a time (it is opened with SQLITE_OPEN_NOMUTEX).
class SqliteConnection final : public Connection {
 public:
  // Opens or creates the database file (its folder must exist) and sets the connection PRAGMAs.
  // Throws std::runtime_error with a one-line reason when that fails. Writes wait their turn in
  // `writers` (null: no queue) and then for SQLite's lock, each up to `busy_timeout`.
  SqliteConnection(const std::string& path, std::chrono::milliseconds busy_timeout,
                   std::shared_ptr<WriteQueue> writers = nullptr);
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;
  ~SqliteConnection() override;

  Dialect dialect() const override { return Dialect::sqlite; }
  Result execute_params(std::string_view sql, std::span<const Value> params) override;
  void execute_script(std::string_view sql) override;

  void begin(TxMode mode) override;
  void commit() override;
  void rollback() override;
  bool in_transaction() const noexcept override;

  std::size_t cached_statements() const noexcept { return statements_.size(); }

 private:
  // Back to synchronous=FULL after a write_relaxed transaction.
  void restore_durability();
  // Takes this connection's turn among the file's writers, or throws Error{unavailable}; a no-op
  // without a queue or when the turn is already held.
  void take_turn();
  void end_turn() noexcept;
  struct CachedStatement {
    std::string sql;
    sqlite3_stmt* statement;
  };

  // Returns the prepared statement for `sql`, preparing and caching it on first use.
  sqlite3_stmt* prepare_cached(std::string_view sql);

  sqlite3* db_ = nullptr;
  std::chrono::milliseconds busy_timeout_;
  std::shared_ptr<WriteQueue> writers_;
  bool has_turn_ = false;  // between BEGIN IMMEDIATE and its COMMIT or ROLLBACK
  bool relaxed_ = false;   // this transaction runs with synchronous=NORMAL (TxMode::write_relaxed)
  // Most recently used first; the index keys are views into the list's own strings.
  std::list<CachedStatement> statements_;
  std::unordered_map<std::string_view, std::list<CachedStatement>::iterator> by_sql_;
};

}  // namespace shop::storage::sqlite
