#include "storage/migrator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

#include "storage/open_database.hpp"

namespace shop::storage {
namespace {

TEST(MigrationLabel, PadsVersionToFourDigits) {
  EXPECT_EQ(migration_label(1, "init"), "0001_init");
  EXPECT_EQ(migration_label(12345, "big"), "12345_big");
}

TEST(EmbeddedMigrations, Sqlite_StartsWithInitAndIsOrdered) {
  const auto migrations = embedded_migrations_for(Dialect::sqlite);
  ASSERT_FALSE(migrations.empty());
  EXPECT_EQ(migrations.front().version, 1);
  EXPECT_EQ(migrations.front().name, "init");
  EXPECT_NE(migrations.front().sql.find("app_meta"), std::string::npos);
  for (std::size_t i = 1; i < migrations.size(); ++i) {
    EXPECT_LT(migrations[i - 1].version, migrations[i].version);
  }
}

TEST(EmbeddedMigrations, CommonFolder_ServesBothDialects_ADialectFileWinsForItsVersion) {
  const EmbeddedMigration all[] = {
      {"common", 7, "shared", "CREATE TABLE shared (id TEXT)"},
      {"common", 8, "tuned", "CREATE INDEX generic ON shared (id)"},
      {"postgres", 8, "tuned", "CREATE INDEX CONCURRENTLY tuned ON shared (id)"},
      {"sqlite", 1, "init", "SELECT 1"},
      {"postgres", 1, "init", "SELECT 2"},
  };
  const auto sqlite = migrations_for(all, Dialect::sqlite);
  ASSERT_EQ(sqlite.size(), 3u);
  EXPECT_EQ(sqlite[0].sql, "SELECT 1");
  EXPECT_EQ(sqlite[1].sql, "CREATE TABLE shared (id TEXT)");
  EXPECT_EQ(sqlite[2].sql, "CREATE INDEX generic ON shared (id)");
  const auto postgres = migrations_for(all, Dialect::postgres);
  ASSERT_EQ(postgres.size(), 3u);
  EXPECT_EQ(postgres[0].sql, "SELECT 2");
  EXPECT_EQ(postgres[1].sql, "CREATE TABLE shared (id TEXT)");
  EXPECT_EQ(postgres[2].version, 8);
  EXPECT_EQ(postgres[2].sql, "CREATE INDEX CONCURRENTLY tuned ON shared (id)");
}

// The statements of a migration file: what follows its header comment (the leading "--" lines,
// which name the other dialect's folder).
std::string below_header(std::string_view sql) {
  while (sql.starts_with("--")) {
    auto end = sql.find('\n');
    sql = end == std::string_view::npos ? std::string_view() : sql.substr(end + 1);
  }
  return std::string(sql);
}

TEST(EmbeddedMigrations, Versions2To6_AreTheSameTextInBothDialects_BelowTheirHeader) {
  // Their checksums are recorded in existing databases, so they stay as files per dialect; this
  // keeps the two copies from drifting apart.
  const auto sqlite = embedded_migrations_for(Dialect::sqlite);
  const auto postgres = embedded_migrations_for(Dialect::postgres);
  for (int version = 2; version <= 6; ++version) {
    auto find = [version](const std::vector<Migration>& all) {
      auto it = std::find_if(all.begin(), all.end(),
                             [version](const Migration& m) { return m.version == version; });
      return it == all.end() ? std::string("missing") : below_header(it->sql);
    };
    std::string s = find(sqlite), p = find(postgres);
    EXPECT_NE(s, "missing") << version;
    EXPECT_FALSE(s.empty()) << version;
    EXPECT_EQ(s, p) << "migration " << version << " differs between sqlite/ and postgres/";
  }
}

TEST(Migrator, DuplicateOrNonPositiveVersion_ThrowsLogicError) {
  auto db = open_database("sqlite::memory:");
  EXPECT_THROW(Migrator(*db, {{1, "a", "SELECT 1"}, {1, "b", "SELECT 1"}}), std::logic_error);
  EXPECT_THROW(Migrator(*db, {{0, "zero", "SELECT 1"}}), std::logic_error);
}

TEST(Migrator, UnsortedList_AppliesByVersion) {
  auto db = open_database("sqlite::memory:");
  Migrator migrator(*db, {{2, "second", "INSERT INTO t (id) VALUES (2)"},
                          {1, "first", "CREATE TABLE t (id INTEGER PRIMARY KEY)"}});
  const auto applied = migrator.apply();
  ASSERT_EQ(applied.size(), 2u);
  EXPECT_EQ(applied[0].name, "first");
  EXPECT_EQ(applied[1].name, "second");
}

}  // namespace
}  // namespace shop::storage
