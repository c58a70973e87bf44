#include "storage/migrator.hpp"

#include <gtest/gtest.h>

#include <latch>
#include <memory>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/digest.hpp"
#include "store_fixture.hpp"

namespace shop::storage::store_test {
namespace {

std::vector<Migration> sample_migrations() {
  return {
      {1, "create_products",
       "CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n"
       "INSERT INTO products (id, name) VALUES (1, 'first');\n"},
      {2, "create_orders", "CREATE TABLE orders (id INTEGER PRIMARY KEY, total BIGINT NOT NULL);"},
      {3, "seed_orders", "INSERT INTO orders (id, total) VALUES (1, 100);"},
  };
}

std::int64_t count_rows(Database& db, std::string_view table_query) {
  return db.acquire().execute(table_query).front().get_int(0);
}

std::string thrown_message(auto&& action) {
  try {
    action();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(nothing thrown)";
}

TEST_P(StoreTest, Migrator_FreshDatabase_AppliesAllInOrderOnce) {
  Migrator migrator(*db_, sample_migrations());
  EXPECT_EQ(migrator.current_version(), 0);
  EXPECT_EQ(migrator.pending().size(), 3u);

  EXPECT_EQ(migrator.apply(),
            (std::vector<MigrationInfo>{
                {1, "create_products"}, {2, "create_orders"}, {3, "seed_orders"}}));
  EXPECT_EQ(migrator.current_version(), 3);
  EXPECT_TRUE(migrator.pending().empty());

  // A second run, even from a new migrator, applies nothing.
  EXPECT_TRUE(Migrator(*db_, sample_migrations()).apply().empty());
  EXPECT_EQ(count_rows(*db_, "SELECT count(*) FROM products"), 1);
  EXPECT_EQ(count_rows(*db_, "SELECT count(*) FROM orders"), 1);

  const auto records = db_->acquire().execute(
      "SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records.front().get_text(1), "create_products");
  EXPECT_EQ(records.front().get_text(2), sha256_hex(sample_migrations()[0].sql));
  EXPECT_GT(records.front().get_int(3), 0);
}

TEST_P(StoreTest, Migrator_NewMigrationAdded_AppliesOnlyIt) {
  auto migrations = sample_migrations();
  const auto last = migrations.back();
  migrations.pop_back();
  Migrator(*db_, migrations).apply();

  migrations.push_back(last);
  EXPECT_EQ(Migrator(*db_, migrations).apply(), (std::vector<MigrationInfo>{{3, "seed_orders"}}));
}

TEST_P(StoreTest, Migrator_AppliedMigrationChanged_RefusesToStart) {
  Migrator(*db_, sample_migrations()).apply();
  auto changed = sample_migrations();
  changed[0].sql += "-- edited\n";

  Migrator migrator(*db_, changed);
  EXPECT_PRED2(contains, thrown_message([&] { migrator.apply(); }),
               "migration 0001_create_products was changed after it was applied");
  EXPECT_THROW(migrator.pending(), std::runtime_error);
}

TEST_P(StoreTest, Migrator_DatabaseNewerThanBinary_RefusesToStart) {
  Migrator(*db_, sample_migrations()).apply();
  auto older = sample_migrations();
  older.pop_back();

  EXPECT_PRED2(contains, thrown_message([&] { Migrator(*db_, older).apply(); }),
               "database schema version 3 is newer than this shopd");
}

TEST_P(StoreTest, Migrator_FailingMigration_RollsItBackAndKeepsEarlierOnes) {
  auto migrations = sample_migrations();
  migrations[1].sql =
      "CREATE TABLE orders (id INTEGER PRIMARY KEY);\n"
      "INSERT INTO no_such_table (id) VALUES (1);\n";

  EXPECT_PRED2(contains, thrown_message([&] { Migrator(*db_, migrations).apply(); }),
               "migration 0002_create_orders failed");
  Migrator migrator(*db_, sample_migrations());
  EXPECT_EQ(migrator.current_version(), 1);
  // The fixed migration applies cleanly: its half-done first attempt left nothing behind.
  EXPECT_EQ(migrator.apply(),
            (std::vector<MigrationInfo>{{2, "create_orders"}, {3, "seed_orders"}}));
}

TEST_P(StoreTest, Migrator_TwoProcessesRacing_ApplyEachMigrationOnce) {
  std::vector<Migration> migrations;
  for (int v = 1; v <= 8; ++v) {
    migrations.push_back({v, "step" + std::to_string(v),
                          "CREATE TABLE t" + std::to_string(v) +
                              " (id INTEGER PRIMARY KEY);"
                              "INSERT INTO t" +
                              std::to_string(v) + " (id) VALUES (1);"});
  }
  std::vector<std::unique_ptr<Database>> handles;
  handles.push_back(open());
  handles.push_back(open());
  std::vector<std::vector<MigrationInfo>> applied(2);
  std::vector<std::string> errors(2);
  std::latch start(2);
  std::vector<std::thread> racers;
  for (std::size_t i = 0; i < 2; ++i) {
    racers.emplace_back([&, i] {
      start.arrive_and_wait();
      try {
        applied[i] = Migrator(*handles[i], migrations).apply();
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  }
  for (auto& racer : racers)
    racer.join();

  EXPECT_EQ(errors, (std::vector<std::string>{"", ""}));
  EXPECT_EQ(applied[0].size() + applied[1].size(), migrations.size());
  EXPECT_EQ(count_rows(*db_, "SELECT count(*) FROM schema_migrations"), 8);
  for (int v = 1; v <= 8; ++v) {
    EXPECT_EQ(count_rows(*db_, "SELECT count(*) FROM t" + std::to_string(v)), 1);
  }
}

TEST_P(StoreTest, Migrator_EmbeddedMigrations_CreateAppMeta) {
  Migrator migrator(*db_);
  const auto applied = migrator.apply();
  ASSERT_FALSE(applied.empty());
  EXPECT_EQ(applied.front(), (MigrationInfo{1, "init"}));

  const auto created =
      db_->acquire().execute("SELECT value FROM app_meta WHERE key = $1", {"schema_created_at"});
  ASSERT_EQ(created.size(), 1u);
  EXPECT_TRUE(std::regex_match(created.front().get_text(0),
                               std::regex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z")))
      << created.front().get_text(0);
  EXPECT_TRUE(Migrator(*db_).apply().empty());
}

}  // namespace
}  // namespace shop::storage::store_test
