#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shop::cache {

// Counters for /metrics; a backend that keeps none reports zeros.
struct CacheStats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;     // absent or expired
  std::uint64_t entries = 0;    // stored now
  std::uint64_t bytes = 0;      // keys + values + per-entry overhead, stored now
  std::uint64_t evictions = 0;  // dropped to stay within the byte budget (not expiries)
};

// The key of key_rest in namespace ns at a generation: "<ns>:<generation>:<key_rest>".
inline std::string cache_key(std::string_view ns, std::uint64_t generation,
                             std::string_view key_rest) {
  std::string key;
  key.reserve(ns.size() + key_rest.size() + 22);
  key.append(ns).append(1, ':').append(std::to_string(generation)).append(1, ':').append(key_rest);
  return key;
}

// What lookup() found: the namespace's current generation and the value under the key built
// from it.
struct Lookup {
  std::uint64_t generation = 0;
  std::optional<std::string> value;
};

// A store of serialized answers with TTLs, invalidated by generation numbers per namespace
// (never by scanning keys). Callers build keys as "<ns>:<generation>:<rest>", so a bump makes
// every older key unreachable. Any call may throw (a networked store may be down); callers treat
// a failure as a miss. All calls are safe from many threads at once.
class Cache {
 public:
  virtual ~Cache() = default;
  // The current generation of a namespace (starts at 0 or any value; only changes matter).
  virtual std::uint64_t generation(std::string_view ns) = 0;
  // Makes every key built with an older generation of ns unreachable; returns the new one. Once
  // it returned, generation(ns) never again returns an older value, so a value stored under a
  // key built from an older generation is never returned to a key built afterwards.
  virtual std::uint64_t bump(std::string_view ns) = 0;
  // The value stored under key, or nullopt when absent or expired.
  virtual std::optional<std::string> get(std::string_view key) = 0;
  // Stores value under key for ttl, replacing any older value; may decline to store it (too big,
  // ttl <= 0, cache off) but then key no longer returns an older value either.
  virtual void put(std::string_view key, std::string value, std::chrono::seconds ttl) = 0;
  // generation(ns), then get(cache_key(ns, generation, key_rest)); a networked store does both
  // in one round trip.
  virtual Lookup lookup(std::string_view ns, std::string_view key_rest) {
    Lookup found;
    found.generation = generation(ns);
    found.value = get(cache_key(ns, found.generation, key_rest));
    return found;
  }
  // get(key), but only from this process's memory and never blocking; a networked store always
  // answers nullopt. Lets a hit be served on the I/O thread.
  virtual std::optional<std::string> get_local(std::string_view) { return std::nullopt; }
  // True when get_local() can find anything (and generation() never blocks): an in-process store.
  virtual bool answers_locally() const { return false; }
  // False for the "off" cache (CACHE_MAX_MB=0).
  virtual bool enabled() const = 0;
  // For the start log line, e.g. "in-process (64 MB)".
  virtual std::string describe() const = 0;
  // Counters for /metrics.
  virtual CacheStats stats() const { return {}; }
};

}  // namespace shop::cache
