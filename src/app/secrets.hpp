#pragma once

#include <filesystem>
#include <string>

namespace spdlog {
class logger;
}

namespace shop::app {

struct Config;

// The secret stored in `path`, created there (256 random bits, hex, file mode 0600) when the
// file does not exist yet. Two processes starting at once agree on one secret. Throws
// std::runtime_error when the file cannot be read or written, or is readable by others.
std::string load_or_create_secret(const std::filesystem::path& path);

// JWT_SECRET, or on the embedded default a secret generated once beside the database (an
// in-memory database gets a fresh one each run).
std::string jwt_secret(const Config& config, spdlog::logger& log);

}  // namespace shop::app
