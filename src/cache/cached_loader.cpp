#include "cache/cached_loader.hpp"

#include <sodium.h>

#include <array>
#include <exception>
#include <optional>
#include <stdexcept>

namespace shop::cache {
namespace {

// W/"0123456789abcdef"
constexpr std::size_t kEtagSize = 20;
constexpr std::size_t kEtagHexDigits = 16;

bool sodium_ready() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

// Stored values are etag + '\n' + body, so a hit does not rehash the body.
std::string to_stored(std::string_view etag, std::string_view body) {
  std::string stored;
  stored.reserve(etag.size() + 1 + body.size());
  stored.append(etag).append(1, '\n').append(body);
  return stored;
}

// Splits a stored value into an answer; nullopt for anything that is not our format (another
// version's value, a corrupted one), which then counts as a miss.
std::optional<CachedAnswer> from_stored(std::string stored) {
  if (stored.size() <= kEtagSize || stored[kEtagSize] != '\n' ||
      stored.compare(0, 3, "W/\"") != 0 || stored[kEtagSize - 1] != '"')
    return std::nullopt;
  for (std::size_t i = 3; i < 3 + kEtagHexDigits; ++i)
    if (!is_hex_digit(stored[i])) return std::nullopt;
  CachedAnswer answer;
  answer.etag = stored.substr(0, kEtagSize);
  stored.erase(0, kEtagSize + 1);
  answer.body = std::move(stored);
  return answer;
}

}  // namespace

std::string weak_etag(std::string_view body) {
  if (!sodium_ready()) throw std::runtime_error("libsodium failed to initialize");
  // BLAKE2b's shortest output is 16 bytes; the first 8 of them are plenty for a weak validator.
  std::array<unsigned char, crypto_generichash_BYTES_MIN> hash{};
  crypto_generichash(hash.data(), hash.size(), reinterpret_cast<const unsigned char*>(body.data()),
                     body.size(), nullptr, 0);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string etag = "W/\"";
  for (std::size_t i = 0; i < kEtagHexDigits / 2; ++i) {
    etag += kHex[hash[i] >> 4];
    etag += kHex[hash[i] & 0x0f];
  }
  etag += '"';
  return etag;
}

CachedLoader::CachedLoader(Cache& cache, std::chrono::seconds ttl) : cache_(cache), ttl_(ttl) {
  if (!sodium_ready()) throw std::runtime_error("libsodium failed to initialize");
}

CachedAnswer CachedLoader::get_or_load(std::string_view ns, std::string_view key_rest,
                                       const std::function<std::string()>& load) {
  std::optional<Lookup> found;
  try {
    found = cache_.lookup(ns, key_rest);
  } catch (const std::exception&) {
    cache_errors_.fetch_add(1, std::memory_order_relaxed);
  }
  if (!found) {
    // Without the generation neither a stored value nor a shared load is known to be fresh.
    CachedAnswer answer;
    answer.body = load();
    answer.etag = weak_etag(answer.body);
    return answer;
  }

  if (found->value) {
    if (std::optional<CachedAnswer> answer = from_stored(std::move(*found->value))) {
      answer->hit = true;
      return std::move(*answer);
    }
  }

  std::string key = cache_key(ns, found->generation, key_rest);
  // The flight is keyed by the generation too: a call after a bump never joins an older load.
  auto [stored, shared] = flights_.run(key, [&] {
    std::string body = load();
    std::string value = to_stored(weak_etag(body), body);
    if (cache_.enabled()) {
      try {
        cache_.put(key, value, ttl_);
      } catch (const std::exception&) {
        cache_errors_.fetch_add(1, std::memory_order_relaxed);
      }
    }
    return value;
  });
  std::optional<CachedAnswer> answer = from_stored(std::move(stored));
  if (!answer) throw std::logic_error("cached loader: malformed value from its own load");
  return std::move(*answer);
}

std::optional<CachedAnswer> CachedLoader::get_local(std::string_view ns,
                                                    std::string_view key_rest) noexcept {
  // A networked store's generation() is a round trip: not on the I/O thread this runs on.
  if (!cache_.answers_locally()) return std::nullopt;
  try {
    if (auto stored = cache_.get_local(cache_key(ns, cache_.generation(ns), key_rest))) {
      if (auto answer = from_stored(std::move(*stored))) {
        answer->hit = true;
        return answer;
      }
    }
  } catch (const std::exception&) {
    cache_errors_.fetch_add(1, std::memory_order_relaxed);
  }
  return std::nullopt;
}

void CachedLoader::invalidate(std::string_view ns) {
  try {
    cache_.bump(ns);
  } catch (const std::exception&) {
    cache_errors_.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace shop::cache
