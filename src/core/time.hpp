#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace shop {

// Milliseconds since the epoch, as the database stores times.
inline std::int64_t epoch_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// "2026-11-24T19:47:58.123Z": ISO-8601 UTC with milliseconds, as the contract writes times.
std::string iso8601_ms(std::int64_t epoch_ms);

}  // namespace shop
