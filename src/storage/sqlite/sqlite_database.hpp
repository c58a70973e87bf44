#pragma once

#include <string>

#include "storage/connection_pool.hpp"
#include "storage/database.hpp"

namespace shop::storage::sqlite {

// A SQLite database file (or a private in-memory database) behind a connection pool.
class SqliteDatabase final : public Database {
 public:
  // Creates the file's folder if needed and opens one connection to check the file at once;
  // throws std::runtime_error with a one-line reason. With path ":memory:" the pool has one
  // connection, because every SQLite connection to ":memory:" sees a database of its own.
  SqliteDatabase(std::string path, const DatabaseOptions& options);

  Dialect dialect() const override { return Dialect::sqlite; }
  ConnectionLease acquire() override { return pool_.acquire(); }
  PoolStats stats() const override { return pool_.stats(); }
  std::string describe() const override { return "sqlite " + path_; }

  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
  ConnectionPool pool_;
};

}  // namespace shop::storage::sqlite
