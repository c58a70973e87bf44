#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "storage/database.hpp"

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
  // Throws std::runtime_error with a one-line reason when that fails.
  SqliteConnection(const std::string& path, std::chrono::milliseconds busy_timeout);
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
  struct CachedStatement {
    std::string sql;
    sqlite3_stmt* statement;
  };

  // Returns the prepared statement for `sql`, preparing and caching it on first use.
  sqlite3_stmt* prepare_cached(std::string_view sql);

  sqlite3* db_ = nullptr;
  bool relaxed_ = false;  // this transaction runs with synchronous=NORMAL (TxMode::write_relaxed)
  // Most recently used first; the index keys are views into the list's own strings.
  std::list<CachedStatement> statements_;
  std::unordered_map<std::string_view, std::list<CachedStatement>::iterator> by_sql_;
};

}  // namespace shop::storage::sqlite
