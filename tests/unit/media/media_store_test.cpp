#include "media/media_store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "temp_dir.hpp"

namespace shop::media {
namespace {

namespace fs = std::filesystem;

std::set<std::string> files_in(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir))
    names.insert(entry.path().filename().string());
  return names;
}

void write_file(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

constexpr std::string_view kValidJpg = "0123456789abcdef0123456789abcdef.jpg";

TEST(MediaStore, PutThenRead_ReturnsTheSameBytesAndTheirType) {
  test::TempDir tmp;
  MediaStore store(tmp.path());
  const std::string bytes = "\xFF\xD8\xFF pretend jpeg bytes \x00\x01\x02";
  const std::string name = store.put(bytes, ImageFormat::jpeg);
  EXPECT_TRUE(MediaStore::valid_name(name)) << name;
  EXPECT_TRUE(name.ends_with(".jpg"));
  const auto file = store.read(name);
  ASSERT_TRUE(file);
  EXPECT_EQ(file->bytes, bytes);
  EXPECT_EQ(file->content_type, "image/jpeg");

  const auto png = store.read(store.put("png bytes", ImageFormat::png));
  ASSERT_TRUE(png);
  EXPECT_EQ(png->content_type, "image/png");
  const auto webp = store.read(store.put("webp bytes", ImageFormat::webp));
  ASSERT_TRUE(webp);
  EXPECT_EQ(webp->content_type, "image/webp");
  EXPECT_EQ(webp->bytes, "webp bytes");
}

TEST(MediaStore, Name_IsTheFirst32HexDigitsOfSha256) {
  test::TempDir tmp;
  MediaStore store(tmp.path());
  // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
  EXPECT_EQ(store.put("abc", ImageFormat::png), "ba7816bf8f01cfea414140de5dae2223.png");
  EXPECT_EQ(store.put("abc", ImageFormat::webp), "ba7816bf8f01cfea414140de5dae2223.webp");
}

TEST(MediaStore, Put_SameBytesTwice_GivesTheSameNameAndOneFile) {
  test::TempDir tmp;
  MediaStore store(tmp.path());
  const std::string first = store.put("same bytes", ImageFormat::jpeg);
  const std::string second = store.put("same bytes", ImageFormat::jpeg);
  EXPECT_EQ(first, second);
  EXPECT_NE(store.put("other bytes", ImageFormat::jpeg), first);
  EXPECT_EQ(files_in(tmp.path()).size(), 2u);
}

TEST(MediaStore, Put_LeavesNoTemporaryFilesBehind) {
  test::TempDir tmp;
  MediaStore store(tmp.path());
  std::set<std::string> expected;
  for (int i = 0; i < 20; ++i)
    expected.insert(store.put("image " + std::to_string(i), ImageFormat::png));
  expected.insert(store.put("", ImageFormat::jpeg));  // even an empty file is whole
  EXPECT_EQ(files_in(tmp.path()), expected);
}

TEST(MediaStore, Put_FromManyThreads_GivesOneWholeFilePerContent) {
  test::TempDir tmp;
  MediaStore store(tmp.path());
  const std::string big(256 * 1024, 'x');
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i)
        store.put(big, ImageFormat::webp);
    });
  for (auto& thread : threads)
    thread.join();
  const std::set<std::string> files = files_in(tmp.path());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(store.read(*files.begin())->bytes, big);
}

TEST(MediaStore, Put_OverAPlantedSymlink_ReplacesTheLinkNotItsTarget) {
  test::TempDir tmp;
  test::TempDir outside;
  MediaStore store(tmp.path());
  const fs::path victim = outside.path() / "victim.txt";
  write_file(victim, "do not overwrite");
  const std::string bytes = "image bytes";
  // Plant a link under the very name put() will use.
  const std::string name = "ba7816bf8f01cfea414140de5dae2223.png";  // SHA-256("abc")
  fs::create_symlink(victim, tmp.path() / name);
  EXPECT_EQ(store.put("abc", ImageFormat::png), name);
  EXPECT_FALSE(fs::is_symlink(tmp.path() / name));
  EXPECT_EQ(store.read(name)->bytes, "abc");
  std::ifstream in(victim);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "do not overwrite");
}

TEST(MediaStore, Remove_DeletesTheFileAndIgnoresMissingOrInvalidNames) {
  test::TempDir tmp;
  test::TempDir outside;
  MediaStore store(tmp.path());
  const std::string name = store.put("bytes", ImageFormat::jpeg);
  store.remove(name);
  EXPECT_FALSE(store.read(name));
  EXPECT_TRUE(files_in(tmp.path()).empty());
  store.remove(name);  // already gone
  store.remove(kValidJpg);
  store.remove("");
  const fs::path keep = outside.path() / "keep.jpg";
  write_file(keep, "x");
  store.remove("../" + outside.path().filename().string() + "/keep.jpg");
  store.remove(keep.string());
  EXPECT_TRUE(fs::exists(keep));
}

TEST(MediaStore, Remove_OfASymlink_DeletesTheLinkNotItsTarget) {
  test::TempDir tmp;
  test::TempDir outside;
  MediaStore store(tmp.path());
  const fs::path target = outside.path() / "target.jpg";
  write_file(target, "keep me");
  fs::create_symlink(target, tmp.path() / std::string(kValidJpg));
  store.remove(kValidJpg);
  EXPECT_FALSE(fs::exists(fs::symlink_status(tmp.path() / std::string(kValidJpg))));
  EXPECT_TRUE(fs::exists(target));
}

TEST(MediaStore, ValidName_AcceptsOnlyWhatPutReturns) {
  EXPECT_TRUE(MediaStore::valid_name(kValidJpg));
  EXPECT_TRUE(MediaStore::valid_name("0123456789abcdef0123456789abcdef.png"));
  EXPECT_TRUE(MediaStore::valid_name("0123456789abcdef0123456789abcdef.webp"));
  for (const std::string_view bad : {
           "",
           ".jpg",
           "0123456789abcdef0123456789abcde.jpg",    // 31 digits
           "0123456789abcdef0123456789abcdef0.jpg",  // 33 digits
           "0123456789ABCDEF0123456789ABCDEF.jpg",   // uppercase hex
           "0123456789abcdef0123456789abcdeg.jpg",   // not hex
           "0123456789abcdef0123456789abcdef.jpeg",
           "0123456789abcdef0123456789abcdef.gif",
           "0123456789abcdef0123456789abcdef.JPG",
           "0123456789abcdef0123456789abcdef.jpg.",
           "0123456789abcdef0123456789abcdef.jpg/",
           "0123456789abcdef0123456789abcdef",
           "0123456789abcdef0123456789abcdef_jpg",
           "../x",
           "%2e%2e",
           "%2e%2e/0123456789abcdef0123456789abcdef.jpg",
           "/etc/passwd",
           "a/b.jpg",
           "./0123456789abcdef0123456789abcdef.jpg",
       }) {
    EXPECT_FALSE(MediaStore::valid_name(bad)) << bad;
  }
  // An embedded NUL would cut the path short at the system call.
  EXPECT_FALSE(MediaStore::valid_name(std::string(kValidJpg) + std::string(1, '\0')));
  EXPECT_FALSE(
      MediaStore::valid_name(std::string("0123456789abcdef0123456789abcdef.jpg\0.png", 41)));
}

TEST(MediaStore, Read_RefusesPathsOutOfTheFolder) {
  test::TempDir tmp;
  MediaStore store(fs::path(tmp.path()) / "media");
  write_file(tmp.path() / "x", "secret");
  write_file(tmp.path() / "b.jpg", "secret");
  for (const std::string_view bad :
       {"../x", "%2e%2e", "%2e%2e/x", "/etc/passwd", "a/b.jpg", "../b.jpg", "..", ".", ""}) {
    EXPECT_FALSE(store.read(bad)) << bad;
  }
}

TEST(MediaStore, Read_RefusesInvalidNamesEvenWhenTheFileExists) {
  test::TempDir tmp;
  MediaStore store(tmp.path());
  const std::string name = store.put("bytes", ImageFormat::jpeg);
  std::string upper = name;
  for (char& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  upper.replace(upper.size() - 3, 3, "jpg");
  write_file(tmp.path() / upper, "planted");
  EXPECT_FALSE(store.read(upper)) << upper;
  // Same digits, wrong extension: a file under that name is not served either.
  const std::string gif = name.substr(0, 32) + ".gif";
  write_file(tmp.path() / gif, "GIF89a");
  EXPECT_FALSE(store.read(gif));
  EXPECT_FALSE(store.read(name.substr(0, 32) + ".png"));  // valid but missing
  EXPECT_TRUE(store.read(name));
}

TEST(MediaStore, Read_RefusesASymlinkPlantedInTheFolder) {
  test::TempDir tmp;
  test::TempDir outside;
  MediaStore store(tmp.path());
  const fs::path secret = outside.path() / "secret.txt";
  write_file(secret, "root:x:0:0");
  fs::create_symlink(secret, tmp.path() / std::string(kValidJpg));
  EXPECT_FALSE(store.read(kValidJpg));
  // A relative link climbing out is refused the same way.
  const std::string other = "fedcba9876543210fedcba9876543210.png";
  fs::create_symlink("../" + outside.path().filename().string() + "/secret.txt",
                     tmp.path() / other);
  EXPECT_FALSE(store.read(other));
}

TEST(MediaStore, Read_RefusesADirectoryAndAFifoWithValidNames) {
  test::TempDir tmp;
  MediaStore store(tmp.path());
  fs::create_directory(tmp.path() / std::string(kValidJpg));
  EXPECT_FALSE(store.read(kValidJpg));
  // A FIFO would block a plain open() forever; it must be refused at once.
  const std::string fifo = "fedcba9876543210fedcba9876543210.webp";
  ASSERT_EQ(::mkfifo((tmp.path() / fifo).c_str(), 0600), 0);
  EXPECT_FALSE(store.read(fifo));
}

TEST(MediaStore, Constructor_CreatesTheFolderWithItsParents) {
  test::TempDir tmp;
  const fs::path nested = tmp.path() / "a" / "b" / "media";
  MediaStore store(nested);
  EXPECT_TRUE(fs::is_directory(nested));
  EXPECT_EQ(store.dir(), nested);
  EXPECT_TRUE(store.read(store.put("x", ImageFormat::png)));
  MediaStore again(nested);  // an existing folder is fine
  EXPECT_EQ(files_in(nested).size(), 1u);
}

TEST(MediaStore, Constructor_ThrowsOneClearLineWhenTheFolderCannotExist) {
  test::TempDir tmp;
  const fs::path file = tmp.path() / "a-file";
  write_file(file, "x");
  for (const fs::path& bad : {file, file / "media"}) {
    try {
      MediaStore store(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const std::runtime_error& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find(bad.string()), std::string::npos) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
  }
  EXPECT_THROW(MediaStore(""), std::runtime_error);
}

}  // namespace
}  // namespace shop::media
