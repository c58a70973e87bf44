#include "storage/open_database.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "storage/postgres/postgres_database.hpp"
#include "storage/sqlite/sqlite_connection.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace shop::storage {
namespace {

constexpr std::string_view kAccepted =
    "use sqlite://PATH, sqlite::memory: or postgres://user:pass@host:port/db";

// The scheme only: the rest of a URL may hold a password.
std::string_view scheme_of(std::string_view url) {
  const auto colon = url.find(':');
  return colon == std::string_view::npos ? std::string_view() : url.substr(0, colon);
}

}  // namespace

DatabaseUrl parse_database_url(std::string_view url) {
  if (url == "sqlite::memory:") return {Dialect::sqlite, std::string(sqlite::kMemoryPath)};
  if (url.starts_with("sqlite://")) {
    // Everything after the scheme is the path: sqlite:///abs keeps its leading slash.
    const auto path = url.substr(std::string_view("sqlite://").size());
    if (path.empty()) throw std::runtime_error("DATABASE_URL sqlite:// needs a file path");
    return {Dialect::sqlite, std::string(path)};
  }
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    return {Dialect::postgres, std::string(url)};
  }
  if (url.starts_with("sqlite:")) {
    throw std::runtime_error("DATABASE_URL must be sqlite://PATH or sqlite::memory:");
  }
  if (url.empty()) throw std::runtime_error(fmt::format("DATABASE_URL is empty; {}", kAccepted));
  const auto scheme = scheme_of(url);
  if (scheme.empty() || scheme.size() > 20) {
    throw std::runtime_error(fmt::format("DATABASE_URL is not a URL; {}", kAccepted));
  }
  throw std::runtime_error(
      fmt::format("DATABASE_URL scheme \"{}:\" is not supported; {}", scheme, kAccepted));
}

std::unique_ptr<Database> open_database(std::string_view url, const DatabaseOptions& options) {
  const auto parsed = parse_database_url(url);
  if (options.pool_size == 0) throw std::runtime_error("DATABASE_POOL_SIZE must be at least 1");
  switch (parsed.dialect) {
    case Dialect::sqlite:
      return std::make_unique<sqlite::SqliteDatabase>(parsed.location, options);
    case Dialect::postgres:
      return std::make_unique<postgres::PostgresDatabase>(parsed.location, options);
  }
  throw std::logic_error("unknown database dialect");
}

}  // namespace shop::storage
