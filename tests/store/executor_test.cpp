#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "storage/database.hpp"
#include "store_fixture.hpp"

namespace shop::storage::store_test {
namespace {

constexpr std::string_view kCreateItems =
    "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty BIGINT)";

TEST_P(StoreTest, Ping_OpenDatabase_ReturnsTrue) {
  EXPECT_TRUE(db_->ping());
}

TEST_P(StoreTest, Execute_PlaceholdersOutOfOrder_BindsByName) {
  auto lease = db_->acquire();
  lease.execute(kCreateItems);
  // $2 comes first in the text: binding by position would swap id and name.
  lease.execute("INSERT INTO items (name, id, qty) VALUES ($2, $1, $3)", {7, "seven", 70});

  const auto result = lease.execute("SELECT id, name, qty FROM items");
  ASSERT_EQ(result.size(), 1u);
  EXPECT_EQ(result.front().get_int(0), 7);
  EXPECT_EQ(result.front().get_text(1), "seven");
  EXPECT_EQ(result.front().get_int(2), 70);
}

TEST_P(StoreTest, Execute_RepeatedPlaceholder_BindsSameValueEverywhere) {
  auto lease = db_->acquire();
  lease.execute(kCreateItems);
  lease.execute("INSERT INTO items (id, name, qty) VALUES ($1, $2, $1)", {5, "five"});
  lease.execute("INSERT INTO items (id, name, qty) VALUES ($1, $2, $3)", {6, "six", 5});

  const auto result =
      lease.execute("SELECT id FROM items WHERE id = $1 OR qty = $1 ORDER BY id", {5});
  ASSERT_EQ(result.size(), 2u);
  EXPECT_EQ(result.rows()[0].get_int(0), 5);
  EXPECT_EQ(result.rows()[1].get_int(0), 6);
}

TEST_P(StoreTest, Execute_ParameterCountMismatch_ThrowsLogicError) {
  auto lease = db_->acquire();
  lease.execute(kCreateItems);
  EXPECT_THROW(lease.execute("SELECT id FROM items WHERE id = $1 AND qty = $2", {1}),
               std::logic_error);
  EXPECT_THROW(lease.execute("SELECT id FROM items WHERE id = $1", {1, 2}), std::logic_error);
  EXPECT_THROW(lease.execute("SELECT id FROM items WHERE id = $1"), std::logic_error);
}

TEST_P(StoreTest, Execute_ValuesOfEveryType_RoundTripExactly) {
  auto lease = db_->acquire();
  lease.execute(
      "CREATE TABLE samples (id INTEGER PRIMARY KEY, i BIGINT, d DOUBLE PRECISION, t TEXT)");
  const std::string unicode = "Grüße, 日本語, 🛒 and a 'quote'";
  const std::vector<std::vector<Value>> samples{
      {1, std::numeric_limits<std::int64_t>::min(), -1.5, unicode},
      {2, std::numeric_limits<std::int64_t>::max(), 1e300, std::string()},
      {3, nullptr, nullptr, nullptr},
      {4, 0, 0.1, to_value(std::optional<std::string>("opt"))},
      {5, to_value(std::optional<int>()), 3.0, to_value(std::string_view("view"))},
      {6, true, -0.25, "bool"},
  };
  for (const auto& sample : samples) {
    lease.execute("INSERT INTO samples (id, i, d, t) VALUES ($1, $2, $3, $4)", sample);
  }

  const auto result = lease.execute("SELECT id, i, d, t FROM samples ORDER BY id");
  ASSERT_EQ(result.size(), samples.size());
  EXPECT_EQ(result.columns(), (std::vector<std::string>{"id", "i", "d", "t"}));
  for (std::size_t r = 0; r < samples.size(); ++r) {
    for (std::size_t c = 0; c < 4; ++c) {
      EXPECT_EQ(result.rows()[r].at(c), samples[r][c]) << "row " << r << " column " << c;
    }
  }
  EXPECT_EQ(result.rows()[0].get_text(3), unicode);
  EXPECT_EQ(result.rows()[1].get_int(1), std::numeric_limits<std::int64_t>::max());
  EXPECT_TRUE(result.rows()[2].is_null(1));
  EXPECT_EQ(result.rows()[2].get_opt_text(3), std::nullopt);
  EXPECT_EQ(result.rows()[3].get_opt_text(3), "opt");
  EXPECT_TRUE(result.rows()[4].is_null(1));
  EXPECT_TRUE(result.rows()[5].get_bool(1));
}

TEST_P(StoreTest, Execute_Changes_ReportsAffectedRows) {
  auto lease = db_->acquire();
  EXPECT_EQ(lease.execute(kCreateItems).affected_rows(), 0);
  EXPECT_EQ(lease.execute("INSERT INTO items (id, name, qty) VALUES (1, 'a', 1), (2, 'b', 1)")
                .affected_rows(),
            2);
  EXPECT_EQ(lease.execute("UPDATE items SET qty = qty + 1 WHERE qty = $1", {1}).affected_rows(), 2);
  EXPECT_EQ(lease.execute("UPDATE items SET qty = 0 WHERE id = $1", {99}).affected_rows(), 0);
  EXPECT_EQ(lease.execute("SELECT id FROM items").affected_rows(), 0);
  EXPECT_EQ(lease.execute("DELETE FROM items WHERE id = $1", {1}).affected_rows(), 1);
}

TEST_P(StoreTest, Execute_InsertReturning_GivesRowsAndCount) {
  auto lease = db_->acquire();
  lease.execute(kCreateItems);
  const auto result = lease.execute(
      "INSERT INTO items (id, name, qty) VALUES ($1, $2, $3) RETURNING id, name", {9, "nine", 1});
  ASSERT_EQ(result.size(), 1u);
  EXPECT_EQ(result.front().get_int(0), 9);
  EXPECT_EQ(result.front().get_text(1), "nine");
  EXPECT_EQ(result.affected_rows(), 1);
}

TEST_P(StoreTest, ExecuteScript_SeveralStatements_RunsAll) {
  auto lease = db_->acquire();
  lease.execute_script(
      "CREATE TABLE a (id INTEGER PRIMARY KEY);\n"
      "INSERT INTO a (id) VALUES (1);\n"
      "-- a comment between statements\n"
      "INSERT INTO a (id) VALUES (2);\n");
  EXPECT_EQ(lease.execute("SELECT count(*) FROM a").front().get_int(0), 2);
}

TEST_P(StoreTest, Execute_InvalidSql_ThrowsRuntimeError) {
  auto lease = db_->acquire();
  EXPECT_THROW(lease.execute("SELECT * FROM no_such_table"), std::runtime_error);
  // The connection stays usable.
  EXPECT_EQ(lease.execute("SELECT 1").front().get_int(0), 1);
}

}  // namespace
}  // namespace shop::storage::store_test
