#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>

#include "storage/database.hpp"
#include "storage/open_database.hpp"
#include "temp_dir.hpp"

namespace shop::storage::store_test {

// True when `part` occurs in `text`; EXPECT_PRED2 prints both on failure.
inline bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// A fresh, empty database of one backend: its DATABASE_URL ("" when the backend is not available
// on this machine, which skips its tests) and what removes it afterwards.
struct FreshDatabase {
  std::string url;
  std::function<void()> drop;
};

// Makes a fresh database of one backend; files go in `dir`.
using BackendFactory = FreshDatabase (*)(const std::filesystem::path& dir);

inline FreshDatabase fresh_sqlite(const std::filesystem::path& dir) {
  return {fmt::format("sqlite://{}", (dir / "data" / "shopd.db").string()),
          {}};  // TempDir removes it
}

// The PostgreSQL server the tests may use (scripts/test.sh starts one); "" when there is none.
inline std::string postgres_test_url() {
  const char* url = std::getenv("SHOPD_TEST_POSTGRES_URL");
  return url != nullptr ? url : "";
}

// `base` (a PostgreSQL URL) with `schema` as the only schema on its search path.
inline std::string with_search_path(const std::string& base, const std::string& schema) {
  const char separator = base.find('?') == std::string::npos ? '?' : '&';
  return fmt::format("{}{}options=-csearch_path%3D{}", base, separator, schema);
}

// A schema of its own per test on the shared test database: isolated, and much faster than a
// database per test.
inline FreshDatabase fresh_postgres(const std::filesystem::path&) {
  const std::string base = postgres_test_url();
  if (base.empty()) return {};
  std::random_device random;
  const std::string schema = fmt::format("shopd_test_{}_{}", random(), random());
  DatabaseOptions one;
  one.pool_size = 1;
  open_database(base, one)->acquire().execute(fmt::format("CREATE SCHEMA {}", schema));
  return {with_search_path(base, schema), [base, schema, one] {
            try {
              open_database(base, one)->acquire().execute(
                  fmt::format("DROP SCHEMA {} CASCADE", schema));
            } catch (const std::exception& e) {
              ADD_FAILURE() << "cannot drop test schema " << schema << ": " << e.what();
            }
          }};
}

// Backends by instantiation name. A new backend adds a factory here and one
// INSTANTIATE_TEST_SUITE_P line in backends_test.cpp.
inline const std::map<std::string, BackendFactory>& backends() {
  static const std::map<std::string, BackendFactory> all{{"Sqlite", &fresh_sqlite},
                                                         {"Postgres", &fresh_postgres}};
  return all;
}

// Every store test gets a fresh database of the backend it is instantiated for.
class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    fresh_ = backends().at(GetParam())(dir_.path());
    url_ = fresh_.url;
    if (url_.empty()) {
      GTEST_SKIP() << GetParam() << " is not available here"
                   << (GetParam() == "Postgres" ? " (set SHOPD_TEST_POSTGRES_URL)" : "");
    }
    db_ = open();
  }

  void TearDown() override {
    db_.reset();
    if (fresh_.drop) fresh_.drop();
  }

  // Another handle on the same database, like a second shopd process.
  std::unique_ptr<Database> open(const DatabaseOptions& options = {}) {
    return open_database(url_, options);
  }

  test::TempDir dir_;
  FreshDatabase fresh_;
  std::string url_;
  std::unique_ptr<Database> db_;
};

}  // namespace shop::storage::store_test
