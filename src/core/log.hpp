#pragma once

#include <spdlog/common.h>

#include <memory>
#include <optional>
#include <string_view>

namespace spdlog {
class logger;
}

namespace shop::log {

// "trace" | "debug" | "info" | "warn" | "error" | "off" → level; nullopt for anything else.
std::optional<spdlog::level::level_enum> parse_level(std::string_view name);

// The process logger: one line per event on standard output (or fd), UTC timestamps. Lines are
// buffered and written in batches by a background thread (at most 200 ms late); warnings and
// errors are written at once.
std::shared_ptr<spdlog::logger> make_logger(spdlog::level::level_enum level, int fd = 1);

}  // namespace shop::log
