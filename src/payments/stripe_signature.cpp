#include "payments/stripe_signature.hpp"

#include <sodium.h>

#include <array>
#include <charconv>
#include <optional>
#include <stdexcept>
#include <vector>

namespace shop::payments {
namespace {

using Mac = std::array<unsigned char, crypto_auth_hmacsha256_BYTES>;

Mac hmac_sha256(std::string_view key, std::int64_t t, std::string_view body) {
  static const int sodium_ready = sodium_init();
  if (sodium_ready < 0) throw std::runtime_error("libsodium failed to initialize");
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()),
                              key.size());
  std::string prefix = std::to_string(t) + ".";
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(prefix.data()),
                                prefix.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(body.data()),
                                body.size());
  Mac mac{};
  crypto_auth_hmacsha256_final(&state, mac.data());
  return mac;
}

// The bytes of a hex string of exactly one MAC's length; false for anything else.
bool from_hex(std::string_view hex, Mac& out) {
  if (hex.size() != out.size() * 2) return false;
  std::size_t written = 0;
  return sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &written,
                        nullptr) == 0 &&
         written == out.size();
}

}  // namespace

SignatureCheck check_stripe_signature(std::string_view header, std::string_view body,
                                      std::string_view secret, std::int64_t now_s,
                                      std::int64_t tolerance_s) {
  std::optional<std::int64_t> t;
  std::vector<std::string_view> v1;
  while (!header.empty()) {
    auto comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    while (!item.empty() && item.front() == ' ')
      item.remove_prefix(1);
    auto eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view name = item.substr(0, eq);
    std::string_view value = item.substr(eq + 1);
    if (name == "t") {
      std::int64_t n = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec == std::errc() && end == value.data() + value.size() && !t) t = n;
    } else if (name == "v1") {
      v1.push_back(value);
    }
  }
  if (!t || v1.empty() || secret.empty()) return SignatureCheck::missing;
  if (*t < now_s - tolerance_s || *t > now_s + tolerance_s) return SignatureCheck::stale;
  Mac expected = hmac_sha256(secret, *t, body);
  bool match = false;
  for (auto candidate : v1) {
    Mac given{};
    // Every candidate is compared, in constant time, so the time taken tells nothing.
    if (from_hex(candidate, given) &&
        sodium_memcmp(given.data(), expected.data(), expected.size()) == 0)
      match = true;
  }
  return match ? SignatureCheck::ok : SignatureCheck::forged;
}

std::string stripe_signature(std::string_view secret, std::int64_t t, std::string_view body) {
  Mac mac = hmac_sha256(secret, t, body);
  char hex[crypto_auth_hmacsha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, mac.data(), mac.size());
  return "t=" + std::to_string(t) + ",v1=" + hex;
}

}  // namespace shop::payments
