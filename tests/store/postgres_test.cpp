// What only the PostgreSQL backend does: serialization failures, reconnecting after the server
// drops connections, constraint names, session settings.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <latch>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "storage/database.hpp"
#include "storage/postgres/postgres_connection.hpp"
#include "storage/transaction.hpp"
#include "store_fixture.hpp"

namespace shop::storage::store_test {
namespace {

using namespace std::chrono_literals;

class PostgresStoreTest : public StoreTest {
 protected:
  // A handle whose connections carry a name of their own, so a test can end exactly them.
  std::unique_ptr<Database> open_named(const std::string& application_name,
                                       const DatabaseOptions& options = {}) {
    return open_database(fmt::format("{}&application_name={}", url_, application_name), options);
  }

  // Ends every server session of that name, as a restart or an administrator would; waits until
  // they are gone. Returns how many there were.
  std::int64_t terminate_sessions(const std::string& application_name) {
    return db_->acquire()
        .execute(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
            " WHERE application_name = $1 AND pid <> pg_backend_pid()) AS ended",
            {application_name})
        .front()
        .get_int(0);
  }

  static std::string unique_name(std::string_view prefix) {
    std::random_device random;
    return std::string(prefix) + std::to_string(random());
  }
};

INSTANTIATE_TEST_SUITE_P(Postgres, PostgresStoreTest, ::testing::Values("Postgres"),
                         [](const auto& info) { return info.param; });

constexpr std::string_view kCreateDoctors =
    "CREATE TABLE doctors (id INTEGER PRIMARY KEY, on_call BOOLEAN NOT NULL);"
    "INSERT INTO doctors (id, on_call) VALUES (1, true), (2, true)";
constexpr std::string_view kCountOnCall = "SELECT count(*) FROM doctors WHERE on_call";
constexpr std::string_view kGoOffCall = "UPDATE doctors SET on_call = false WHERE id = $1";

TEST_P(PostgresStoreTest, Serializable_WriteSkew_SecondCommitThrowsSerializationFailure) {
  db_->acquire().execute_script(kCreateDoctors);
  auto a = db_->acquire();
  auto b = db_->acquire();
  {
    Transaction first(a, TxMode::serializable);
    Transaction second(b, TxMode::serializable);
    EXPECT_EQ(first.execute(kCountOnCall).front().get_int(0), 2);
    EXPECT_EQ(second.execute(kCountOnCall).front().get_int(0), 2);
    first.execute(kGoOffCall, {1});
    second.execute(kGoOffCall, {2});
    first.commit();
    EXPECT_THROW(second.commit(), SerializationFailure);
  }
  EXPECT_FALSE(b->in_transaction());
  EXPECT_EQ(db_->acquire().execute(kCountOnCall).front().get_int(0), 1);
}

TEST_P(PostgresStoreTest, WithTransaction_SerializationRace_RetriesLoserAndKeepsRule) {
  db_->acquire().execute_script(kCreateDoctors);
  std::latch both_read(2);
  std::atomic<int> attempts{0};
  // The rule: a doctor may go off call only while another one stays on call.
  auto go_off_call = [&](int id) {
    bool first_attempt = true;
    with_transaction(*db_, TxMode::serializable, [&](Transaction& tx) {
      ++attempts;
      const auto on_call = tx.execute(kCountOnCall).front().get_int(0);
      if (first_attempt) {
        first_attempt = false;
        both_read.arrive_and_wait();  // both decide on the same snapshot
      }
      if (on_call >= 2) tx.execute(kGoOffCall, {id});
    });
  };
  std::thread one(go_off_call, 1);
  std::thread two(go_off_call, 2);
  one.join();
  two.join();

  EXPECT_EQ(db_->acquire().execute(kCountOnCall).front().get_int(0), 1);
  EXPECT_GE(attempts.load(), 3);  // the loser ran again
  EXPECT_EQ(db_->stats().in_use, 0u);
}

TEST_P(PostgresStoreTest, Deadlock_ThrowsSerializationFailureAndOtherSideCommits) {
  db_->acquire().execute_script(
      "CREATE TABLE stock (id INTEGER PRIMARY KEY, n BIGINT NOT NULL);"
      "INSERT INTO stock (id, n) VALUES (1, 10), (2, 10)");
  std::latch both_locked(2);
  std::atomic<int> deadlocks{0};
  std::atomic<int> commits{0};
  auto take_both = [&](int first, int second) {
    auto lease = db_->acquire();
    try {
      Transaction tx(lease, TxMode::write);
      tx.execute("UPDATE stock SET n = n - 1 WHERE id = $1", {first});
      both_locked.arrive_and_wait();
      tx.execute("UPDATE stock SET n = n - 1 WHERE id = $1", {second});
      tx.commit();
      ++commits;
    } catch (const SerializationFailure&) {
      ++deadlocks;  // 40P01 after deadlock_timeout; the rollback lets the other side go on
    }
  };
  std::thread one(take_both, 1, 2);
  std::thread two(take_both, 2, 1);
  one.join();
  two.join();
  EXPECT_EQ(deadlocks.load(), 1);
  EXPECT_EQ(commits.load(), 1);
  EXPECT_EQ(db_->acquire().execute("SELECT sum(n) FROM stock").front().get_int(0), 18);
}

TEST_P(PostgresStoreTest, TerminatedIdleConnections_NextRequestsSucceedOnNewOnes) {
  const auto name = unique_name("shopd_idle_");
  DatabaseOptions options;
  options.pool_size = 3;
  auto db = open_named(name, options);
  std::vector<std::int64_t> old_pids;
  {
    std::vector<ConnectionLease> leases;
    for (int i = 0; i < 3; ++i) {
      leases.push_back(db->acquire());
      old_pids.push_back(leases.back().execute("SELECT pg_backend_pid()").front().get_int(0));
    }
  }
  ASSERT_EQ(db->stats().open, 3u);

  EXPECT_EQ(terminate_sessions(name), 3);

  // No request fails: dead idle connections are noticed when handed out and replaced.
  std::vector<ConnectionLease> leases;
  for (int i = 0; i < 3; ++i) {
    leases.push_back(db->acquire());
    const auto pid = leases.back().execute("SELECT pg_backend_pid()").front().get_int(0);
    EXPECT_EQ(std::count(old_pids.begin(), old_pids.end(), pid), 0) << "reused a dead session";
  }
  leases.clear();
  const auto stats = db->stats();
  EXPECT_EQ(stats.open, 3u);
  EXPECT_EQ(stats.in_use, 0u);
}

TEST_P(PostgresStoreTest, ConnectionTerminatedWhileLeased_ThrowsUnavailableThenPoolRecovers) {
  const auto name = unique_name("shopd_leased_");
  auto db = open_named(name);
  {
    auto lease = db->acquire();
    Transaction tx(lease, TxMode::write);
    tx.execute("SELECT 1");
    EXPECT_EQ(terminate_sessions(name), 1);
    try {
      tx.execute("SELECT 1");
      FAIL() << "expected shop::Error";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::unavailable);
      EXPECT_EQ(e.public_message(), "Database unavailable");
    }
    EXPECT_FALSE(lease->is_healthy());
  }
  EXPECT_EQ(db->stats().open, 0u);  // the broken connection was dropped, not pooled
  EXPECT_EQ(db->acquire().execute("SELECT 1").front().get_int(0), 1);
  EXPECT_TRUE(db->ping());
}

TEST_P(PostgresStoreTest, Ping_ItsSessionTerminated_ReconnectsOnNextPing) {
  const auto name = unique_name("shopd_ping_");
  auto db = open_named(name);
  EXPECT_TRUE(db->ping());
  EXPECT_EQ(terminate_sessions(name), 2);  // the pooled connection and the ping's own
  EXPECT_TRUE(db->ping());
  EXPECT_EQ(db->acquire().execute("SELECT 1").front().get_int(0), 1);
}

TEST_P(PostgresStoreTest, ConstraintViolations_CarryPostgresConstraintNames) {
  auto lease = db_->acquire();
  lease.execute_script(
      "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
      " qty BIGINT NOT NULL CONSTRAINT qty_not_negative CHECK (qty >= 0));"
      "CREATE TABLE moves (id INTEGER PRIMARY KEY, item_id INTEGER REFERENCES items (id));"
      "INSERT INTO items (id, name, qty) VALUES (1, 'pen', 1)");
  using Violation = std::pair<ConstraintKind, std::string>;
  const auto violation = [&](std::string_view sql, std::initializer_list<Value> params) {
    try {
      lease.execute(sql, params);
    } catch (const ConstraintViolation& e) {
      return Violation(e.kind(), e.constraint());
    }
    return Violation(ConstraintKind::other, "(nothing thrown)");
  };
  const std::string_view insert = "INSERT INTO items (id, name, qty) VALUES ($1, $2, $3)";
  EXPECT_EQ(violation(insert, {2, "pen", 1}), Violation(ConstraintKind::unique, "items_name_key"));
  EXPECT_EQ(violation(insert, {1, "ink", 1}), Violation(ConstraintKind::unique, "items_pkey"));
  EXPECT_EQ(violation(insert, {2, "ink", -1}),
            Violation(ConstraintKind::check, "qty_not_negative"));
  EXPECT_EQ(violation(insert, {2, nullptr, 1}), Violation(ConstraintKind::not_null, "items.name"));
  EXPECT_EQ(violation("INSERT INTO moves (id, item_id) VALUES ($1, $2)", {1, 9}),
            Violation(ConstraintKind::foreign_key, "moves_item_id_fkey"));
}

TEST_P(PostgresStoreTest, FailedStatementInTransaction_CommitThrowsAndNothingIsKept) {
  auto lease = db_->acquire();
  lease.execute("CREATE TABLE items (id INTEGER PRIMARY KEY)");
  {
    Transaction tx(lease, TxMode::write);
    tx.execute("INSERT INTO items (id) VALUES (1)");
    EXPECT_THROW(tx.execute("INSERT INTO items (id) VALUES (1)"), ConstraintViolation);
    // Unlike SQLite, PostgreSQL ends the whole transaction at the first error.
    EXPECT_THROW(tx.execute("SELECT 1"), std::runtime_error);
    EXPECT_THROW(tx.commit(), std::runtime_error);
  }
  EXPECT_FALSE(lease->in_transaction());
  EXPECT_EQ(lease.execute("SELECT count(*) FROM items").front().get_int(0), 0);
}

TEST_P(PostgresStoreTest, ReadTransaction_RefusesWrites) {
  auto lease = db_->acquire();
  lease.execute("CREATE TABLE items (id INTEGER PRIMARY KEY)");
  Transaction tx(lease, TxMode::read);
  EXPECT_THROW(tx.execute("INSERT INTO items (id) VALUES (1)"), std::runtime_error);
}

TEST_P(PostgresStoreTest, ColumnTypes_MapToIntDoubleOrText) {
  auto lease = db_->acquire();
  lease.execute("CREATE TABLE amounts (cents BIGINT NOT NULL)");
  lease.execute("INSERT INTO amounts (cents) VALUES (1999), (1)");
  // SUM over BIGINT is numeric in PostgreSQL: whole numbers still read as integers.
  EXPECT_EQ(lease.execute("SELECT sum(cents) FROM amounts").front().at(0),
            Value(std::int64_t{2000}));
  const auto row = lease
                       .execute(
                           "SELECT 1.5::numeric, true, false, 2::smallint, 0.25::real,"
                           " '2026-01-02'::date, 'x'::varchar, avg(cents) FROM amounts")
                       .front();
  EXPECT_EQ(row.at(0), Value(1.5));
  EXPECT_EQ(row.at(1), Value(std::int64_t{1}));
  EXPECT_EQ(row.at(2), Value(std::int64_t{0}));
  EXPECT_EQ(row.at(3), Value(std::int64_t{2}));
  EXPECT_EQ(row.at(4), Value(0.25));
  EXPECT_EQ(row.at(5), Value(std::string("2026-01-02")));
  EXPECT_EQ(row.at(6), Value(std::string("x")));
  EXPECT_EQ(row.at(7), Value(1000.0));  // avg is numeric with decimals: a double
}

TEST_P(PostgresStoreTest, UntypeablePlaceholders_AreTypedByValueEvenInsideTransactions) {
  auto lease = db_->acquire();
  lease.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, qty BIGINT)");
  Transaction tx(lease, TxMode::write);
  // $1 in an INTEGER and a BIGINT place: the server deduces two types and refuses to guess.
  tx.execute("INSERT INTO items (id, qty) VALUES ($1, $1)", {4});
  // SELECT $1 gives the server nothing to infer from.
  EXPECT_EQ(tx.execute("SELECT $1", {"as given"}).front().at(0), Value(std::string("as given")));
  tx.commit();
  EXPECT_EQ(lease.execute("SELECT qty FROM items WHERE id = $1", {4}).front().get_int(0), 4);
}

TEST_P(PostgresStoreTest, TableChangedUnderCachedStatement_RunsAgainFreshlyPrepared) {
  auto lease = db_->acquire();
  lease.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)");
  lease.execute("INSERT INTO t (id) VALUES (1)");
  EXPECT_EQ(lease.execute("SELECT * FROM t").columns().size(), 1u);
  // Another shopd (a newer version) migrates while this one runs.
  open()->acquire().execute("ALTER TABLE t ADD COLUMN name TEXT");
  EXPECT_EQ(lease.execute("SELECT * FROM t").columns().size(), 2u);

  open()->acquire().execute("ALTER TABLE t ADD COLUMN qty BIGINT");
  lease.release();
  // Inside a transaction the statement spoils it: with_transaction runs the body again.
  int attempts = 0;
  const auto columns = with_transaction(*db_, TxMode::read, [&](Transaction& tx) {
    ++attempts;
    return tx.execute("SELECT * FROM t").columns().size();
  });
  EXPECT_EQ(columns, 3u);
  EXPECT_LE(attempts, 2);
}

TEST_P(PostgresStoreTest, Execute_TwoStatements_ThrowsLogicError) {
  EXPECT_THROW(db_->acquire().execute("SELECT 1; SELECT 2"), std::logic_error);
}

TEST_P(PostgresStoreTest, Session_HasShopdDefaultsAndUrlOverridesThem) {
  auto lease = db_->acquire();
  EXPECT_EQ(lease.execute("SHOW statement_timeout").front().get_text(0), "30s");
  EXPECT_EQ(lease.execute("SHOW application_name").front().get_text(0), "shopd");
  EXPECT_EQ(lease.execute("SHOW client_encoding").front().get_text(0), "UTF8");
  auto named = open_named("reporting");
  EXPECT_EQ(named->acquire().execute("SHOW application_name").front().get_text(0), "reporting");
}

TEST_P(PostgresStoreTest, StatementCache_IsBoundedAndEvictedStatementsStillWork) {
  auto lease = db_->acquire();
  auto& connection = dynamic_cast<postgres::PostgresConnection&>(lease.connection());
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 100; ++i) {
      const auto sql = fmt::format("SELECT {} + $1", i);
      EXPECT_EQ(lease.execute(sql, {1}).front().get_int(0), i + 1);
    }
  }
  EXPECT_LE(connection.cached_statements(), 64u);
  EXPECT_GT(connection.cached_statements(), 0u);
  const auto on_server =
      lease.execute("SELECT count(*) FROM pg_prepared_statements").front().get_int(0);
  EXPECT_EQ(on_server, static_cast<std::int64_t>(connection.cached_statements()));
}

TEST_P(PostgresStoreTest, Describe_NamesServerAndDatabaseButNoPassword) {
  const auto description = db_->describe();
  EXPECT_TRUE(description.starts_with("postgres ")) << description;
  EXPECT_PRED2(contains, description, ":");
  EXPECT_FALSE(contains(description, "@")) << description;
  EXPECT_FALSE(contains(description, "search_path")) << description;
}

}  // namespace
}  // namespace shop::storage::store_test
