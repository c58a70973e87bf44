#include "storage/sqlite/sqlite_database.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "core/error.hpp"
#include "storage/sqlite/sqlite_connection.hpp"
#include "storage/transaction.hpp"
#include "temp_dir.hpp"

namespace shop::storage::sqlite {
namespace {

// True when `part` occurs in `text`; EXPECT_PRED2 prints both on failure.
bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

using namespace std::chrono_literals;

using test::TempDir;

std::string open_error(const std::string& path) {
  try {
    SqliteDatabase db(path, DatabaseOptions{});
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(opened)";
}

TEST(SqliteDatabase, NestedPath_CreatesFoldersAndUsesWal) {
  TempDir dir;
  const auto path = (dir.path() / "a" / "b" / "shopd.db").string();
  SqliteDatabase db(path, DatabaseOptions{});
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_EQ(db.describe(), "sqlite " + path);
  auto lease = db.acquire();
  EXPECT_EQ(lease.execute("PRAGMA journal_mode").front().get_text(0), "wal");
  EXPECT_EQ(lease.execute("PRAGMA foreign_keys").front().get_int(0), 1);
  EXPECT_EQ(lease.execute("PRAGMA synchronous").front().get_int(0), 2);  // FULL
}

TEST(SqliteDatabase, FolderCannotBeCreated_ThrowsOneLineReason) {
  TempDir dir;
  std::ofstream(dir.path() / "plain-file") << "x";
  const auto message = open_error((dir.path() / "plain-file" / "sub" / "shopd.db").string());
  EXPECT_PRED2(contains, message, "cannot create folder");
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

TEST(SqliteDatabase, FileIsNotADatabase_ThrowsOneLineReason) {
  TempDir dir;
  const auto path = dir.path() / "notes.db";
  std::ofstream(path) << std::string(4096, 'x');
  const auto message = open_error(path.string());
  EXPECT_PRED2(contains, message, "cannot open SQLite database");
  EXPECT_PRED2(contains, message, "not a database");
}

TEST(SqliteDatabase, PathIsAFolder_Throws) {
  TempDir dir;
  EXPECT_PRED2(contains, open_error(dir.path().string()), "cannot open SQLite database");
}

TEST(SqliteDatabase, Memory_UsesOneSharedConnection) {
  DatabaseOptions options;
  options.acquire_timeout = 50ms;
  SqliteDatabase db(std::string(kMemoryPath), options);
  EXPECT_EQ(db.stats().size, 1u);
  db.acquire().execute("CREATE TABLE t (id INTEGER PRIMARY KEY)");
  db.acquire().execute("INSERT INTO t (id) VALUES (1)");
  EXPECT_EQ(db.acquire().execute("SELECT count(*) FROM t").front().get_int(0), 1);
}

TEST(SqliteDatabase, WriterHoldsLockPastBusyTimeout_OtherWriterGetsUnavailable) {
  TempDir dir;
  const auto path = (dir.path() / "shopd.db").string();
  DatabaseOptions options;
  options.busy_timeout = 100ms;
  SqliteDatabase first(path, options);
  SqliteDatabase second(path, options);
  first.acquire().execute("CREATE TABLE t (id INTEGER PRIMARY KEY)");

  auto holder = first.acquire();
  Transaction holding(holder, TxMode::write);
  holding.execute("INSERT INTO t (id) VALUES (1)");
  try {
    with_transaction(second, TxMode::write,
                     [](Transaction& tx) { tx.execute("INSERT INTO t (id) VALUES (2)"); });
    FAIL() << "expected shop::Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unavailable);
    EXPECT_EQ(e.public_message(), "Database is busy, try again");
  }
  // Readers are not blocked by the writer (WAL) and see the last committed state.
  EXPECT_EQ(second.acquire().execute("SELECT count(*) FROM t").front().get_int(0), 0);
  holding.commit();
  EXPECT_EQ(second.acquire().execute("SELECT count(*) FROM t").front().get_int(0), 1);
}

TEST(SqliteConnection, NonDollarPlaceholders_ThrowLogicError) {
  SqliteConnection connection(std::string(kMemoryPath), 100ms);
  EXPECT_THROW(connection.execute("SELECT ?", {1}), std::logic_error);
  EXPECT_THROW(connection.execute("SELECT :name", {1}), std::logic_error);
  EXPECT_THROW(connection.execute("SELECT $0", {1}), std::logic_error);
  // A PostgreSQL cast glued to a placeholder is not portable either.
  EXPECT_THROW(connection.execute("SELECT $1::text", {1}), std::logic_error);
  EXPECT_EQ(connection.execute("SELECT CAST($1 AS TEXT)", {1}).front().get_text(0), "1");
}

TEST(SqliteConnection, SeveralStatementsInExecute_ThrowLogicError) {
  SqliteConnection connection(std::string(kMemoryPath), 100ms);
  EXPECT_THROW(connection.execute("SELECT 1; SELECT 2"), std::logic_error);
  EXPECT_THROW(connection.execute("SELECT 1; garbage"), std::logic_error);
  EXPECT_THROW(connection.execute("   "), std::logic_error);
  EXPECT_EQ(connection.execute("SELECT 1; -- trailing comment").front().get_int(0), 1);
}

TEST(SqliteConnection, StatementCache_StaysBoundedAndSurvivesSchemaChanges) {
  SqliteConnection connection(std::string(kMemoryPath), 100ms);
  connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)");
  for (int i = 0; i < 200; ++i) {
    connection.execute("SELECT " + std::to_string(i) + " FROM t");
  }
  EXPECT_LE(connection.cached_statements(), 64u);

  connection.execute("INSERT INTO t (id) VALUES (1)");
  EXPECT_EQ(connection.execute("SELECT * FROM t").columns().size(), 1u);
  connection.execute("ALTER TABLE t ADD COLUMN name TEXT");
  EXPECT_EQ(connection.execute("SELECT * FROM t").columns().size(), 2u);
}

TEST(SqliteConnection, ReadTransaction_BeginsDeferredAndAllowsReads) {
  SqliteConnection connection(std::string(kMemoryPath), 100ms);
  connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)");
  Transaction tx(connection, TxMode::read);
  EXPECT_TRUE(connection.in_transaction());
  EXPECT_TRUE(tx.execute("SELECT id FROM t").empty());
  tx.commit();
  EXPECT_FALSE(connection.in_transaction());
}

}  // namespace
}  // namespace shop::storage::sqlite
