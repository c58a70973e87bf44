#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "storage/database.hpp"

namespace shop::storage {

// DATABASE_URL split into backend and location.
struct DatabaseUrl {
  Dialect dialect = Dialect::sqlite;
  // SQLite: a file path (relative to the working directory) or ":memory:".
  // PostgreSQL: the URL as given (it may hold a password: never log it).
  std::string location;
};

// Accepts sqlite://relative/path.db, sqlite:///absolute/path.db, sqlite::memory: and
// postgres[ql]://...; anything else throws std::runtime_error with a one-line message.
DatabaseUrl parse_database_url(std::string_view url);

// Opens the database DATABASE_URL names; throws std::runtime_error with a one-line message when
// the URL is invalid or the database cannot be opened.
std::unique_ptr<Database> open_database(std::string_view url, const DatabaseOptions& options = {});

}  // namespace shop::storage
