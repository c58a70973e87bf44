#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
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

// Makes a DATABASE_URL for a fresh, empty database of one backend; files go in `dir`. Returns ""
// when the backend is not available on this machine, which skips its tests.
using BackendFactory = std::string (*)(const std::filesystem::path& dir);

inline std::string fresh_sqlite_url(const std::filesystem::path& dir) {
  return "sqlite://" + (dir / "data" / "shopd.db").string();
}

// Backends by instantiation name. A new backend adds a factory here and one
// INSTANTIATE_TEST_SUITE_P line in backends_test.cpp.
inline const std::map<std::string, BackendFactory>& backends() {
  static const std::map<std::string, BackendFactory> all{{"Sqlite", &fresh_sqlite_url}};
  return all;
}

// Every store test gets a fresh database of the backend it is instantiated for.
class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    url_ = backends().at(GetParam())(dir_.path());
    if (url_.empty()) GTEST_SKIP() << GetParam() << " is not available here";
    db_ = open();
  }

  // Another handle on the same database, like a second shopd process.
  std::unique_ptr<Database> open(const DatabaseOptions& options = {}) {
    return open_database(url_, options);
  }

  test::TempDir dir_;
  std::string url_;
  std::unique_ptr<Database> db_;
};

}  // namespace shop::storage::store_test
