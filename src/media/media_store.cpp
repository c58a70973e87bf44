#include "media/media_store.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace shop::media {
namespace {

constexpr std::size_t kHexDigits = 32;  // 128 bits of SHA-256: no accidental collisions

// Closes a file descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Closes now and reports the error: for a written file, close can be the first to see it.
  int close() { return ::close(std::exchange(fd_, -1)); }

 private:
  int fd_;
};

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), "media store: " + what);
}

std::string to_hex(const unsigned char* data, std::size_t size) {
  std::string hex(size * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), data, size);
  hex.pop_back();
  return hex;
}

std::string content_name(std::string_view bytes, ImageFormat format) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return to_hex(digest, sizeof digest).substr(0, kHexDigits) + "." + std::string(extension(format));
}

// Starts with a dot and ends in .tmp, so it is never a valid name and never served.
std::string temporary_name() {
  unsigned char random[8];
  randombytes_buf(random, sizeof random);
  std::string name = ".";  // built by appending: GCC 12 -O3 misreports "lit" + string (-Wrestrict)
  name += to_hex(random, sizeof random);
  name += ".tmp";
  return name;
}

// What temporary_name() makes: "." + 16 hex digits + ".tmp".
bool is_temporary_name(std::string_view name) {
  if (name.size() != 1 + 16 + 4 || name.front() != '.' || !name.ends_with(".tmp")) return false;
  return name.substr(1, 16).find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

void write_all(int fd, std::string_view bytes, const std::filesystem::path& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("cannot write " + path.string());
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

void fsync_folder(const std::filesystem::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0) throw_errno("cannot sync folder " + dir.string());
}

std::optional<ImageFormat> format_of_extension(std::string_view ext) {
  if (ext == "jpg") return ImageFormat::jpeg;
  if (ext == "png") return ImageFormat::png;
  if (ext == "webp") return ImageFormat::webp;
  return std::nullopt;
}

}  // namespace

MediaStore::MediaStore(std::filesystem::path dir) : dir_(std::move(dir)) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialize");
  if (dir_.empty()) throw std::runtime_error("media folder is not set (empty path)");
  std::error_code ec;
  dir_ = std::filesystem::absolute(dir_, ec);
  if (!ec) std::filesystem::create_directories(dir_, ec);
  if (ec)
    throw std::runtime_error("media folder " + dir_.string() +
                             " cannot be created: " + ec.message());
  if (!std::filesystem::is_directory(dir_, ec))
    throw std::runtime_error("media folder " + dir_.string() + " is not a folder");
  if (::access(dir_.c_str(), W_OK | X_OK) != 0)
    throw std::runtime_error("media folder " + dir_.string() +
                             " is not writable: " + std::strerror(errno));
}

std::string MediaStore::name_for(std::string_view bytes, ImageFormat format) {
  return content_name(bytes, format);
}

std::int64_t MediaStore::sweep_temporary(std::chrono::seconds older_than) noexcept {
  std::int64_t removed = 0;
  std::error_code ec;
  const auto cutoff = std::filesystem::file_time_type::clock::now() - older_than;
  for (std::filesystem::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!is_temporary_name(name)) continue;
    std::error_code entry_ec;
    // symlink_status: a planted symlink is judged (and removed) itself, never its target.
    if (!std::filesystem::is_regular_file(it->symlink_status(entry_ec)) || entry_ec) continue;
    auto written = std::filesystem::last_write_time(it->path(), entry_ec);
    if (entry_ec || written > cutoff) continue;
    if (::unlink(it->path().c_str()) == 0) ++removed;
  }
  return removed;
}

std::string MediaStore::put(std::string_view bytes, ImageFormat format) {
  std::string name = content_name(bytes, format);
  const std::filesystem::path target = dir_ / name;

  // Same name, same content: a complete file is already there (renames only publish whole
  // files). A symlink or anything else planted under the name is replaced by the rename.
  struct stat existing {};
  if (::lstat(target.c_str(), &existing) == 0 && S_ISREG(existing.st_mode) &&
      static_cast<std::size_t>(existing.st_size) == bytes.size())
    return name;

  const std::filesystem::path temporary = dir_ / temporary_name();
  Fd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (fd.get() < 0) throw_errno("cannot create " + temporary.string());
  try {
    write_all(fd.get(), bytes, temporary);
    if (::fsync(fd.get()) != 0) throw_errno("cannot sync " + temporary.string());
    if (fd.close() != 0) throw_errno("cannot close " + temporary.string());
    if (::rename(temporary.c_str(), target.c_str()) != 0)
      throw_errno("cannot rename to " + target.string());
  } catch (...) {
    ::unlink(temporary.c_str());
    throw;
  }
  fsync_folder(dir_);
  return name;
}

void MediaStore::remove(std::string_view name) noexcept {
  if (!valid_name(name)) return;
  // unlink removes a planted symlink itself, never its target.
  ::unlink((dir_ / std::string(name)).c_str());
}

bool MediaStore::valid_name(std::string_view name) {
  if (name.size() <= kHexDigits + 1 || name[kHexDigits] != '.') return false;
  for (const char c : name.substr(0, kHexDigits)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return format_of_extension(name.substr(kHexDigits + 1)).has_value();
}

std::optional<MediaFile> MediaStore::read(std::string_view name) const {
  if (!valid_name(name)) return std::nullopt;
  const ImageFormat format = *format_of_extension(name.substr(kHexDigits + 1));
  const std::filesystem::path path = dir_ / std::string(name);

  // O_NOFOLLOW: a symlink fails with ELOOP. O_NONBLOCK: a planted FIFO cannot block the open.
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY));
  if (fd.get() < 0) {
    if (errno == ENOENT || errno == ELOOP || errno == ENOTDIR || errno == ENXIO)
      return std::nullopt;
    throw_errno("cannot open " + path.string());
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) throw_errno("cannot stat " + path.string());
  if (!S_ISREG(info.st_mode)) return std::nullopt;

  MediaFile file{std::string(), content_type(format)};
  file.bytes.resize(static_cast<std::size_t>(info.st_size));
  std::size_t filled = 0;
  for (;;) {
    if (filled == file.bytes.size()) file.bytes.resize(filled + 4096);  // the file grew
    const ssize_t n = ::read(fd.get(), file.bytes.data() + filled, file.bytes.size() - filled);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("cannot read " + path.string());
    }
    if (n == 0) break;
    filled += static_cast<std::size_t>(n);
  }
  file.bytes.resize(filled);
  return file;
}

}  // namespace shop::media
