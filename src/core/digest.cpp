#include "core/digest.hpp"

#include <sodium.h>

#include <stdexcept>

namespace shop {

std::string sha256_hex(std::string_view data) {
  // Idempotent and thread-safe; a static makes it run once.
  static const int sodium_ready = sodium_init();
  if (sodium_ready < 0) throw std::runtime_error("libsodium failed to initialize");
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

}  // namespace shop
