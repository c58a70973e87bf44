#pragma once

#include <string>
#include <string_view>

namespace shop {

// Lower-case hex SHA-256 of data: migration checksums, stored token hashes, request
// fingerprints (Idempotency-Key).
std::string sha256_hex(std::string_view data);

}  // namespace shop
