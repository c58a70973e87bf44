#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "cache/cache.hpp"
#include "cache/single_flight.hpp"

namespace shop::cache {

// A serialized answer with its ETag; hit says it came from the cache.
struct CachedAnswer {
  std::string body;
  std::string etag;
  bool hit = false;
};

// The weak validator of a body: W/"<16 hex digits>" from BLAKE2b (libsodium).
std::string weak_etag(std::string_view body);

// get → on miss single-flight load → put. The generation is read BEFORE loading, so a load that
// raced with a write is stored under the old generation and never served after the bump. Cache
// failures (a networked store down) count as misses and never fail the call; the loader's own
// exceptions reach the caller (and every caller that waited for the same load).
class CachedLoader {
 public:
  // Initializes libsodium; throws std::runtime_error if that fails.
  CachedLoader(Cache& cache, std::chrono::seconds ttl);

  // key_rest e.g. "list:page=1&limit=10"; ns e.g. "products". load returns the serialized body.
  // A call that begins after invalidate(ns) returned never answers with an older generation's
  // value. Concurrent misses on one key share one load even when the cache is off.
  CachedAnswer get_or_load(std::string_view ns, std::string_view key_rest,
                           const std::function<std::string()>& load);
  // The cached answer if it is in this process's memory now (never blocks, never loads).
  std::optional<CachedAnswer> get_local(std::string_view ns, std::string_view key_rest) noexcept;
  // cache.bump(ns); a failing store is counted in cache_errors(), not thrown (the write it
  // follows has already happened), and stale answers then last at most one TTL.
  void invalidate(std::string_view ns);

  // Cache calls that threw, for /metrics.
  std::uint64_t cache_errors() const { return cache_errors_.load(std::memory_order_relaxed); }

 private:
  Cache& cache_;
  std::chrono::seconds ttl_;
  SingleFlight flights_;
  std::atomic<std::uint64_t> cache_errors_{0};
};

}  // namespace shop::cache
