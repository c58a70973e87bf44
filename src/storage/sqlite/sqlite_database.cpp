#include "storage/sqlite/sqlite_database.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "storage/sqlite/sqlite_connection.hpp"

namespace shop::storage::sqlite {
namespace {

bool is_memory(const std::string& path) {
  return path == kMemoryPath;
}

void create_parent_folder(const std::string& path) {
  const auto parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) {
    throw std::runtime_error(fmt::format("cannot create folder {} for the SQLite database: {}",
                                         parent.string(), ec.message()));
  }
}

ConnectionPool::Factory connection_factory(std::string path, std::chrono::milliseconds busy) {
  auto writers = is_memory(path) ? nullptr : WriteQueue::for_file(path);
  return [path = std::move(path), busy, writers]() -> std::unique_ptr<Connection> {
    return std::make_unique<SqliteConnection>(path, busy, writers);
  };
}

}  // namespace

SqliteDatabase::SqliteDatabase(std::string path, const DatabaseOptions& options)
    : path_(std::move(path)),
      pool_(connection_factory(path_, options.busy_timeout),
            is_memory(path_) ? 1 : options.pool_size, options.acquire_timeout) {
  if (path_.empty()) throw std::runtime_error("SQLite database path is empty");
  if (!is_memory(path_)) create_parent_folder(path_);
  // Open one connection now so a bad path fails at start, not on the first request; it stays
  // in the pool (for ":memory:" it is the database).
  pool_.acquire().release();
}

}  // namespace shop::storage::sqlite
