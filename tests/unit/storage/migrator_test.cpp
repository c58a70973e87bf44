#include "storage/migrator.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "storage/open_database.hpp"

namespace shop::storage {
namespace {

TEST(Sha256Hex, KnownVectors_Match) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

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
