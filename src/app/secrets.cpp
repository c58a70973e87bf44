#include "app/secrets.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/logger.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "app/config.hpp"
#include "core/ids.hpp"
#include "storage/open_database.hpp"

namespace shop::app {
namespace {

std::string read_secret(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    throw std::runtime_error(
        fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
  struct stat st {};
  ::fstat(fd, &st);
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  ssize_t n = ::read(fd, text.data(), text.size());
  ::close(fd);
  if ((st.st_mode & 077) != 0)
    throw std::runtime_error(
        fmt::format("{} is readable by other users; run chmod 600 on it", path.string()));
  if (n != static_cast<ssize_t>(text.size()))
    throw std::runtime_error(fmt::format("cannot read {}", path.string()));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  if (text.size() < 32)
    throw std::runtime_error(fmt::format("{} holds a secret shorter than 32 bytes", path.string()));
  return text;
}

}  // namespace

std::string load_or_create_secret(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  // O_EXCL: if another process created it first, read theirs instead.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno != EEXIST)
      throw std::runtime_error(
          fmt::format("cannot create {}: {}", path.string(), std::strerror(errno)));
    for (int attempt = 0; attempt < 50; ++attempt) {  // the creator may still be writing it
      try {
        return read_secret(path);
      } catch (const std::runtime_error&) {
        if (attempt == 49) throw;
        ::usleep(20000);
      }
    }
  }
  std::string secret = random_hex(32) + "\n";
  bool written = ::write(fd, secret.data(), secret.size()) == static_cast<ssize_t>(secret.size());
  written = ::fsync(fd) == 0 && written;
  ::close(fd);
  if (!written) {
    ::unlink(path.c_str());
    throw std::runtime_error(fmt::format("cannot write {}", path.string()));
  }
  secret.pop_back();
  return secret;
}

std::string jwt_secret(const Config& config, spdlog::logger& log) {
  if (config.jwt_secret) {
    if (config.jwt_secret->size() < 32)
      log.warn("JWT_SECRET is shorter than 32 bytes; use a long random value");
    return *config.jwt_secret;
  }
  auto location = storage::parse_database_url(config.database_url).location;
  if (location == ":memory:") return random_hex(32);
  return load_or_create_secret(std::filesystem::path(location).parent_path() / "jwt_secret");
}

}  // namespace shop::app
