#include "storage/open_database.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>

namespace shop::storage {
namespace {

// True when `part` occurs in `text`; EXPECT_PRED2 prints both on failure.
bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

std::string parse_error(std::string_view url) {
  try {
    parse_database_url(url);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(ParseDatabaseUrl, SqliteRelativePath_KeepsPathAsGiven) {
  const auto url = parse_database_url("sqlite://./data/shopd.db");
  EXPECT_EQ(url.dialect, Dialect::sqlite);
  EXPECT_EQ(url.location, "./data/shopd.db");
  EXPECT_EQ(parse_database_url("sqlite://data/shop.db").location, "data/shop.db");
}

TEST(ParseDatabaseUrl, SqliteTripleSlash_IsAbsolutePath) {
  EXPECT_EQ(parse_database_url("sqlite:///var/lib/shopd/shopd.db").location,
            "/var/lib/shopd/shopd.db");
}

TEST(ParseDatabaseUrl, SqliteMemory_IsMemoryDatabase) {
  const auto url = parse_database_url("sqlite::memory:");
  EXPECT_EQ(url.dialect, Dialect::sqlite);
  EXPECT_EQ(url.location, ":memory:");
}

TEST(ParseDatabaseUrl, Postgres_KeepsWholeUrl) {
  const auto url = parse_database_url("postgres://shop:secret@db:5432/shop");
  EXPECT_EQ(url.dialect, Dialect::postgres);
  EXPECT_EQ(url.location, "postgres://shop:secret@db:5432/shop");
  EXPECT_EQ(parse_database_url("postgresql://db/shop").dialect, Dialect::postgres);
}

TEST(ParseDatabaseUrl, UnknownScheme_ThrowsWithoutEchoingCredentials) {
  const auto message = parse_error("mysql://root:hunter2@db/shop");
  EXPECT_PRED2(contains, message, "\"mysql:\" is not supported");
  EXPECT_FALSE(contains(message, "hunter2")) << message;
  EXPECT_PRED2(contains, parse_error("mongodb://localhost/shop"), "not supported");
}

TEST(ParseDatabaseUrl, MalformedSqliteOrEmpty_Throws) {
  EXPECT_PRED2(contains, parse_error("sqlite://"), "needs a file path");
  EXPECT_PRED2(contains, parse_error("sqlite:shopd.db"), "sqlite://PATH");
  EXPECT_PRED2(contains, parse_error(""), "empty");
  EXPECT_PRED2(contains, parse_error("./data/shopd.db"), "not a URL");
}

TEST(OpenDatabase, MemoryUrl_OpensWorkingDatabase) {
  auto db = open_database("sqlite::memory:");
  EXPECT_EQ(db->dialect(), Dialect::sqlite);
  EXPECT_EQ(db->describe(), "sqlite :memory:");
  EXPECT_TRUE(db->ping());
}

TEST(OpenDatabase, PostgresNobodyListening_ThrowsOneLineQuicklyWithoutPassword) {
  const auto started = std::chrono::steady_clock::now();
  try {
    open_database("postgres://shop:secret@127.0.0.1:1/shop");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    EXPECT_PRED2(contains, message, "cannot connect to PostgreSQL at 127.0.0.1:1/shop");
    EXPECT_FALSE(contains(message, "secret")) << message;
    EXPECT_FALSE(contains(message, "\n")) << message;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

TEST(OpenDatabase, PostgresMalformedUrl_ThrowsWithoutPassword) {
  try {
    open_database("postgres://shop:se%zzcret@127.0.0.1:1/shop");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_PRED2(contains, e.what(), "not a valid PostgreSQL URL");
    EXPECT_FALSE(contains(e.what(), "cret")) << e.what();
  }
}

TEST(OpenDatabase, ZeroPoolSize_Throws) {
  DatabaseOptions options;
  options.pool_size = 0;
  EXPECT_THROW(open_database("sqlite::memory:", options), std::runtime_error);
}

}  // namespace
}  // namespace shop::storage
