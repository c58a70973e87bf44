#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unistd.h>

#include "storage/database.hpp"
#include "storage/open_database.hpp"

namespace shop::storage::store_test {

// True when `part` occurs in `text`; EXPECT_PRED2 prints both on failure.
inline bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// A fresh folder under the system temp folder, removed with its contents.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    path_ = std::filesystem::temp_directory_path() /
            ("shopd-store-" + std::to_string(::getpid()) + "-" + std::to_string(stamp) + "-" +
             std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

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

  TempDir dir_;
  std::string url_;
  std::unique_ptr<Database> db_;
};

}  // namespace shop::storage::store_test
