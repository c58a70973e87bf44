#include "app/secrets.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "temp_dir.hpp"

namespace shop::app {
namespace {

TEST(Secrets, CreatedOnceWithMode0600ThenReused) {
  test::TempDir dir;
  auto path = dir.path() / "sub" / "jwt_secret";
  std::string first = load_or_create_secret(path);
  EXPECT_EQ(first.size(), 64u);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(load_or_create_secret(path), first);
  EXPECT_NE(load_or_create_secret(dir.path() / "other"), first);
}

TEST(Secrets, RefusesAFileOthersCanRead) {
  test::TempDir dir;
  auto path = dir.path() / "jwt_secret";
  std::ofstream(path) << std::string(64, 'a') << "\n";
  ::chmod(path.c_str(), 0644);
  EXPECT_THROW(load_or_create_secret(path), std::runtime_error);
  ::chmod(path.c_str(), 0600);
  EXPECT_EQ(load_or_create_secret(path), std::string(64, 'a'));
}

}  // namespace
}  // namespace shop::app
