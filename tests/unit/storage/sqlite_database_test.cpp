#include "storage/sqlite/sqlite_database.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "storage/sqlite/sqlite_connection.hpp"
#include "storage/sqlite/write_queue.hpp"
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

TEST(SqliteDatabase, WriterInATightLoop_DoesNotStarveTheOthers) {
  // SQLite alone makes a waiting writer poll while one that just committed takes the lock again
  // at once: the waiting one used to run out its busy timeout and fail.
  TempDir dir;
  const auto path = (dir.path() / "shopd.db").string();
  DatabaseOptions options;
  options.busy_timeout = 1500ms;  // SQLite's polling alone lost 36 turns of 40 with 300 ms
  SqliteDatabase first(path, options);
  SqliteDatabase second(path, options);  // another part of the process, with a pool of its own
  first.acquire().execute("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)");
  first.acquire().execute("INSERT INTO t (id, n) VALUES (1, 0), (2, 0)");

  std::atomic<bool> done{false};
  std::atomic<int> loop_writes{0};
  std::atomic<int> loop_failures{0};
  std::thread hammer([&] {
    while (!done.load()) {
      try {
        with_transaction(second, TxMode::write, [](Transaction& tx) {
          tx.execute("UPDATE t SET n = n + 1 WHERE id = 2");
          tx.execute("SELECT n FROM t WHERE id = 2");
        });
        ++loop_writes;
      } catch (const Error&) {
        ++loop_failures;
      }
    }
  });
  while (loop_writes.load() == 0)
    std::this_thread::yield();
  int failures = 0;
  for (int i = 0; i < 20; ++i) {
    try {
      if (i % 2 == 0) {
        with_transaction(first, TxMode::write, [](Transaction& tx) {
          tx.execute("UPDATE t SET n = n + 1 WHERE id = 1");
        });
      } else {
        first.acquire().execute("UPDATE t SET n = n + 1 WHERE id = 1");  // a write of its own
      }
    } catch (const Error&) {
      ++failures;
    }
    std::this_thread::sleep_for(1ms);
  }
  done = true;
  hammer.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(loop_failures.load(), 0);
  EXPECT_EQ(first.acquire().execute("SELECT n FROM t WHERE id = 1").front().get_int(0), 20);
}

TEST(SqliteDatabase, ATurnEndsWithEveryWayAWriteEnds) {
  TempDir dir;
  const auto path = (dir.path() / "shopd.db").string();
  DatabaseOptions options;
  options.busy_timeout = 100ms;
  SqliteDatabase db(path, options);
  db.acquire().execute("CREATE TABLE t (id INTEGER PRIMARY KEY)");
  db.acquire().execute("INSERT INTO t (id) VALUES (1)");
  // A failed write of its own, a rolled-back transaction, one whose body threw, a committed one.
  EXPECT_THROW(db.acquire().execute("INSERT INTO t (id) VALUES (1)"), ConstraintViolation);
  {
    auto lease = db.acquire();
    Transaction tx(lease, TxMode::write);
    tx.execute("INSERT INTO t (id) VALUES (2)");
  }
  EXPECT_THROW(with_transaction(db, TxMode::write,
                                [](Transaction& tx) {
                                  tx.execute("INSERT INTO t (id) VALUES (3)");
                                  tx.execute("INSERT INTO t (id) VALUES (1)");
                                }),
               ConstraintViolation);
  with_transaction(db, TxMode::write_relaxed,
                   [](Transaction& tx) { tx.execute("INSERT INTO t (id) VALUES (4)"); });
  // Every turn was given back: writers on other connections get in at once.
  std::vector<ConnectionLease> leases;
  for (int i = 0; i < 3; ++i)
    leases.push_back(db.acquire());
  for (auto& lease : leases)
    lease.execute("INSERT INTO t (id) VALUES (NULL)");
  EXPECT_EQ(db.acquire().execute("SELECT count(*) FROM t").front().get_int(0), 5);
  EXPECT_EQ(WriteQueue::for_file(path)->waiting(), 0u);
}

TEST(WriteQueue, OverdueWritersAreServedInTheOrderTheyCame_AndOnesThatGaveUpLeaveNoHole) {
  WriteQueue queue(0ms);  // every writer that waits at all is overdue
  const auto far = std::chrono::steady_clock::now() + 10s;
  ASSERT_TRUE(queue.enter(far));
  std::vector<int> order;
  std::mutex order_mutex;
  std::vector<std::thread> writers;
  for (int i = 0; i < 4; ++i) {
    writers.emplace_back([&, i] {
      if (!queue.enter(far)) return;
      {
        std::lock_guard lock(order_mutex);
        order.push_back(i);
      }
      queue.leave();
    });
    while (queue.waiting() != static_cast<std::size_t>(i) + 1)
      std::this_thread::yield();
  }
  // One more that gives up while in line: it leaves no hole the others wait behind.
  EXPECT_FALSE(queue.enter(std::chrono::steady_clock::now() + 20ms));
  EXPECT_EQ(queue.waiting(), 4u);
  queue.leave();
  for (auto& writer : writers)
    writer.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(queue.waiting(), 0u);
}

TEST(WriteQueue, OneQueuePerFile_HoweverItsPathIsSpelled) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "sub");
  const auto plain = (dir.path() / "shopd.db").string();
  const auto roundabout = (dir.path() / "sub" / ".." / "shopd.db").string();
  auto a = WriteQueue::for_file(plain);
  EXPECT_EQ(a, WriteQueue::for_file(roundabout));
  EXPECT_NE(a, WriteQueue::for_file((dir.path() / "other.db").string()));
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
