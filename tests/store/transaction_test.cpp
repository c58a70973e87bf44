#include "storage/transaction.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "storage/database.hpp"
#include "store_fixture.hpp"

namespace shop::storage::store_test {
namespace {

constexpr std::string_view kCreateItems =
    "CREATE TABLE items ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " qty BIGINT NOT NULL CONSTRAINT qty_not_negative CHECK (qty >= 0))";
constexpr std::string_view kInsertItem = "INSERT INTO items (id, name, qty) VALUES ($1, $2, $3)";

std::int64_t count_items(Database& db) {
  auto lease = db.acquire();
  return lease.execute("SELECT count(*) FROM items").front().get_int(0);
}

// The durability setting a connection commits with now: SQLite's synchronous level (2 = FULL),
// PostgreSQL's synchronous_commit.
std::string durability(Executor& db) {
  if (db.dialect() == Dialect::sqlite)
    return std::to_string(db.execute("PRAGMA synchronous").front().get_int(0));
  return db.execute("SHOW synchronous_commit").front().get_text(0);
}

TEST_P(StoreTest, Transaction_WriteRelaxed_CommitsAndThenRestoresFullDurability) {
  db_->acquire().execute(kCreateItems);
  auto lease = db_->acquire();
  std::string full = durability(lease);
  EXPECT_TRUE(full == "2" || full == "on") << full;
  {
    Transaction tx(lease, TxMode::write_relaxed);
    tx.execute(kInsertItem, {1, "cart line", 1});
    tx.commit();
  }
  EXPECT_EQ(durability(lease), full);  // the next transaction (an order) is durable again
  {
    Transaction tx(lease, TxMode::write_relaxed);
    tx.execute(kInsertItem, {2, "rolled back", 1});
  }
  EXPECT_EQ(durability(lease), full);
  EXPECT_EQ(count_items(*db_), 1);
}

TEST_P(StoreTest, Transaction_Committed_IsVisibleToOtherConnections) {
  db_->acquire().execute(kCreateItems);
  {
    auto lease = db_->acquire();
    Transaction tx(lease, TxMode::write);
    tx.execute(kInsertItem, {1, "pen", 3});
    tx.execute(kInsertItem, {2, "ink", 4});
    tx.commit();
    EXPECT_FALSE(tx.is_open());
  }
  auto other = open();  // a second "process"
  EXPECT_EQ(count_items(*other), 2);
}

TEST_P(StoreTest, Transaction_Snapshot_SeesOneStateWhileAnotherWriterCommits) {
  db_->acquire().execute(kCreateItems);
  db_->acquire().execute(kInsertItem, {1, "a", 1});
  auto other = open();
  auto count_in = [](Transaction& tx) {
    return tx.execute("SELECT count(*) FROM items").front().get_int(0);
  };
  auto lease = db_->acquire();
  Transaction snapshot(lease, TxMode::snapshot);
  EXPECT_EQ(count_in(snapshot), 1);
  other->acquire().execute(kInsertItem, {2, "b", 1});  // commits between two reads
  EXPECT_EQ(count_in(snapshot), 1);
  snapshot.rollback();
  EXPECT_EQ(count_items(*db_), 2);
}

TEST_P(StoreTest, Transaction_DestroyedWithoutCommit_RollsBack) {
  db_->acquire().execute(kCreateItems);
  {
    auto lease = db_->acquire();
    Transaction tx(lease, TxMode::write);
    tx.execute(kInsertItem, {1, "pen", 3});
    EXPECT_TRUE(lease->in_transaction());
  }
  EXPECT_EQ(count_items(*db_), 0);
  EXPECT_FALSE(db_->acquire()->in_transaction());
}

TEST_P(StoreTest, Transaction_UsedAfterCommit_ThrowsLogicError) {
  auto lease = db_->acquire();
  Transaction tx(lease, TxMode::read);
  tx.commit();
  EXPECT_THROW(tx.execute("SELECT 1"), std::logic_error);
  EXPECT_THROW(tx.commit(), std::logic_error);
}

TEST_P(StoreTest, Transaction_BegunTwiceOnOneConnection_ThrowsLogicError) {
  auto lease = db_->acquire();
  Transaction tx(lease, TxMode::write);
  EXPECT_THROW((Transaction{lease, TxMode::write}), std::logic_error);
}

TEST_P(StoreTest, WithTransaction_BodyReturns_CommitsAndReturnsValue) {
  db_->acquire().execute(kCreateItems);
  const auto qty = with_transaction(*db_, TxMode::write, [](Transaction& tx) {
    tx.execute(kInsertItem, {1, "pen", 3});
    return tx.execute("SELECT qty FROM items WHERE id = $1", {1}).front().get_int(0);
  });
  EXPECT_EQ(qty, 3);
  EXPECT_EQ(count_items(*db_), 1);
}

TEST_P(StoreTest, WithTransaction_BodyThrows_RollsBackAndRethrows) {
  db_->acquire().execute(kCreateItems);
  EXPECT_THROW(with_transaction(*db_, TxMode::write,
                                [](Transaction& tx) {
                                  tx.execute(kInsertItem, {1, "pen", 3});
                                  throw std::runtime_error("payment declined");
                                }),
               std::runtime_error);
  EXPECT_EQ(count_items(*db_), 0);
  EXPECT_EQ(db_->stats().in_use, 0u);
}

TEST_P(StoreTest, Execute_DuplicateUniqueValue_ThrowsUniqueViolation) {
  auto lease = db_->acquire();
  lease.execute(kCreateItems);
  lease.execute(kInsertItem, {1, "pen", 3});
  try {
    lease.execute(kInsertItem, {2, "pen", 4});
    FAIL() << "expected a ConstraintViolation";
  } catch (const ConstraintViolation& e) {
    EXPECT_EQ(e.kind(), ConstraintKind::unique);
    EXPECT_PRED2(contains, e.constraint(), "name");
  }
  EXPECT_THROW(lease.execute(kInsertItem, {1, "other", 4}), ConstraintViolation);  // primary key
}

TEST_P(StoreTest, Execute_FailingCheck_ThrowsCheckViolationWithItsName) {
  auto lease = db_->acquire();
  lease.execute(kCreateItems);
  try {
    lease.execute(kInsertItem, {1, "pen", -1});
    FAIL() << "expected a ConstraintViolation";
  } catch (const ConstraintViolation& e) {
    EXPECT_EQ(e.kind(), ConstraintKind::check);
    EXPECT_EQ(e.constraint(), "qty_not_negative");
  }
}

TEST_P(StoreTest, Execute_NullIntoNotNull_ThrowsNotNullViolation) {
  auto lease = db_->acquire();
  lease.execute(kCreateItems);
  try {
    lease.execute(kInsertItem, {1, nullptr, 1});
    FAIL() << "expected a ConstraintViolation";
  } catch (const ConstraintViolation& e) {
    EXPECT_EQ(e.kind(), ConstraintKind::not_null);
  }
}

TEST_P(StoreTest, Execute_MissingParentRow_ThrowsForeignKeyViolation) {
  auto lease = db_->acquire();
  lease.execute(kCreateItems);
  lease.execute(
      "CREATE TABLE stock_moves (id INTEGER PRIMARY KEY,"
      " item_id INTEGER NOT NULL REFERENCES items (id))");
  try {
    lease.execute("INSERT INTO stock_moves (id, item_id) VALUES ($1, $2)", {1, 42});
    FAIL() << "expected a ConstraintViolation";
  } catch (const ConstraintViolation& e) {
    EXPECT_EQ(e.kind(), ConstraintKind::foreign_key);
  }
}

TEST_P(StoreTest, WithTransaction_ConcurrentWriters_AllSucceed) {
  db_->acquire().execute_script(
      "CREATE TABLE counter (id INTEGER PRIMARY KEY, n BIGINT NOT NULL);"
      "INSERT INTO counter (id, n) VALUES (1, 0);"
      "CREATE TABLE log (id INTEGER PRIMARY KEY, writer BIGINT NOT NULL)");
  constexpr int kWriters = 4;
  constexpr int kWritesEach = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kWritesEach; ++i) {
        try {
          with_transaction(*db_, TxMode::write, [&](Transaction& tx) {
            // Read, then write: a lock upgrade that must not deadlock.
            const auto n = tx.execute("SELECT n FROM counter WHERE id = 1").front().get_int(0);
            tx.execute("INSERT INTO log (id, writer) VALUES ($1, $2)",
                       {w * kWritesEach + i + 1, w});
            tx.execute("UPDATE counter SET n = n + 1 WHERE id = 1 AND n >= $1", {n});
          });
        } catch (const std::exception& e) {
          ++failures;
          ADD_FAILURE() << "writer " << w << ": " << e.what();
        }
      }
    });
  }
  for (auto& writer : writers)
    writer.join();

  EXPECT_EQ(failures.load(), 0);
  auto lease = db_->acquire();
  EXPECT_EQ(lease.execute("SELECT n FROM counter").front().get_int(0), kWriters * kWritesEach);
  EXPECT_EQ(lease.execute("SELECT count(*) FROM log").front().get_int(0), kWriters * kWritesEach);
}

TEST_P(StoreTest, WithTransaction_TwoDatabaseHandlesWriting_BothSucceed) {
  db_->acquire().execute("CREATE TABLE log (id INTEGER PRIMARY KEY, writer BIGINT NOT NULL)");
  auto second = open();
  constexpr int kWritesEach = 50;
  std::atomic<int> failures{0};
  auto write = [&](Database& db, int writer) {
    for (int i = 0; i < kWritesEach; ++i) {
      try {
        with_transaction(db, TxMode::write, [&](Transaction& tx) {
          tx.execute("INSERT INTO log (id, writer) VALUES ($1, $2)",
                     {writer * kWritesEach + i + 1, writer});
        });
      } catch (const std::exception& e) {
        ++failures;
        ADD_FAILURE() << "writer " << writer << ": " << e.what();
      }
    }
  };
  std::thread a(write, std::ref(*db_), 0);
  std::thread b(write, std::ref(*second), 1);
  a.join();
  b.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(db_->acquire().execute("SELECT count(*) FROM log").front().get_int(0), 2 * kWritesEach);
}

}  // namespace
}  // namespace shop::storage::store_test
