#pragma once

#include <atomic>
#include <mutex>
#include <set>
#include <string>

#include "cache/cache.hpp"
#include "cache/redis_client.hpp"

namespace shop::cache {

// The cache in Redis, shared by every instance. An answer lives under "<prefix>c:<ns>:<rest>"
// as "<generation>\n<value>" with a TTL; generations are "<prefix>gen:<ns>" keys (with a TTL
// too), started from the Redis server's clock in microseconds, so a generation key that expired
// or was evicted comes back larger than any value it had. A value whose generation is not the
// current one is a miss, so a bump invalidates the namespace without scanning keys, and a lookup
// is two plain GETs in one round trip. Every call throws RedisError
// when Redis is unavailable (the caller serves from the database). A bump that fails is kept and
// retried before this instance reads the cache again, so an answer cached before a write made
// during an outage is not served once Redis is back.
class RedisCache final : public Cache {
 public:
  RedisCache(RedisClient& client, std::string prefix, std::size_t max_value_bytes = 4 << 20);

  std::uint64_t generation(std::string_view ns) override;
  std::uint64_t bump(std::string_view ns) override;
  std::optional<std::string> get(std::string_view key) override;
  void put(std::string_view key, std::string value, std::chrono::seconds ttl) override;
  Lookup lookup(std::string_view ns, std::string_view key_rest) override;
  bool enabled() const override { return true; }
  std::string describe() const override;
  CacheStats stats() const override;

 private:
  void flush_pending_bumps();
  std::uint64_t bump_now(std::string_view ns);

  RedisClient& client_;
  std::string prefix_;
  std::size_t max_value_bytes_;
  std::mutex pending_mutex_;
  std::set<std::string, std::less<>> pending_bumps_;
  std::atomic<bool> has_pending_{false};
  std::atomic<std::uint64_t> hits_{0};
  std::atomic<std::uint64_t> misses_{0};
};

}  // namespace shop::cache
