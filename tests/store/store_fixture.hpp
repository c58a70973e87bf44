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

#include "backends.hpp"
#include "storage/database.hpp"
#include "storage/open_database.hpp"
#include "temp_dir.hpp"

namespace shop::storage::store_test {

// True when `part` occurs in `text`; EXPECT_PRED2 prints both on failure.
inline bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

using test::FreshDatabase;

// Makes a fresh database of one backend; files go in `dir`.
using BackendFactory = FreshDatabase (*)(const std::filesystem::path& dir);

// Backends by instantiation name (tests/support/backends.hpp makes the databases). A new backend
// adds a factory here and one INSTANTIATE_TEST_SUITE_P line in backends_test.cpp.
inline const std::map<std::string, BackendFactory>& backends() {
  static const std::map<std::string, BackendFactory> all{
      {"Sqlite",
       [](const std::filesystem::path& dir) { return test::fresh_database("Sqlite", dir); }},
      {"Postgres",
       [](const std::filesystem::path& dir) { return test::fresh_database("Postgres", dir); }}};
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
