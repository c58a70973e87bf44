#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "storage/open_database.hpp"

namespace shop::test {

// The backends every store and API suite runs on.
inline std::vector<std::string> backend_names() {
  return {"Sqlite", "Postgres"};
}

// The PostgreSQL server tests may use (scripts/test.sh starts one); "" when there is none.
inline std::string postgres_test_url() {
  const char* url = std::getenv("SHOPD_TEST_POSTGRES_URL");
  return url != nullptr ? url : "";
}

// A fresh, empty database: its DATABASE_URL ("" when the backend is not available here) and
// what removes it afterwards.
struct FreshDatabase {
  std::string url;
  std::function<void()> drop;
};

// SQLite: a file in `dir`. PostgreSQL: a schema of its own on the shared test database.
inline FreshDatabase fresh_database(const std::string& backend, const std::filesystem::path& dir) {
  if (backend == "Sqlite") return {"sqlite://" + (dir / "data" / "shopd.db").string(), {}};
  std::string base = postgres_test_url();
  if (base.empty()) return {};
  std::random_device random;
  std::string schema = "shopd_test_" + std::to_string(random()) + "_" + std::to_string(random());
  storage::DatabaseOptions one;
  one.pool_size = 1;
  storage::open_database(base, one)->acquire().execute("CREATE SCHEMA " + schema);
  char separator = base.find('?') == std::string::npos ? '?' : '&';
  return {base + separator + "options=-csearch_path%3D" + schema, [base, schema, one] {
            try {
              storage::open_database(base, one)->acquire().execute("DROP SCHEMA " + schema +
                                                                   " CASCADE");
            } catch (const std::exception& e) {
              ADD_FAILURE() << "cannot drop test schema " << schema << ": " << e.what();
            }
          }};
}

}  // namespace shop::test
