#pragma once

#include <cstddef>
#include <memory>

#include "cache/cache.hpp"
#include "core/clock.hpp"

namespace shop::cache {

// Generation numbers per namespace, shared by the in-process backends.
class GenerationTable;

// LRU with a TTL per entry and a byte budget, split into shards by key hash (each with its own
// lock and an equal share of the budget) so many threads can read at once. Expired entries are
// dropped when touched or when they reach the LRU tail.
class InProcessCache final : public Cache {
 public:
  // Counted per entry on top of key and value (list and map nodes, string headers).
  static constexpr std::size_t kEntryOverhead = 128;
  // Budgets below 16 MiB use fewer shards, so every shard keeps at least 1 MiB.
  static constexpr std::size_t kMaxShards = 16;
  static constexpr std::size_t kMinShardBytes = std::size_t{1} << 20;

  // max_bytes > 0 (use NullCache for "off"); throws std::invalid_argument otherwise.
  InProcessCache(std::size_t max_bytes, const Clock& clock);
  ~InProcessCache() override;
  InProcessCache(const InProcessCache&) = delete;
  InProcessCache& operator=(const InProcessCache&) = delete;

  std::uint64_t generation(std::string_view ns) override;
  std::uint64_t bump(std::string_view ns) override;
  std::optional<std::string> get(std::string_view key) override;
  void put(std::string_view key, std::string value, std::chrono::seconds ttl) override;
  std::optional<std::string> get_local(std::string_view key) override;
  bool answers_locally() const override { return true; }
  bool enabled() const override { return true; }
  std::string describe() const override;
  CacheStats stats() const override;

  // The largest entry (key + value + kEntryOverhead) it stores: an eighth of a shard's budget.
  std::size_t max_entry_bytes() const { return shard_budget_ / 8; }
  std::size_t shard_count() const { return shard_count_; }

 private:
  struct Shard;
  Shard& shard_for(std::string_view key) const;
  std::optional<std::string> find(std::string_view key, bool count_miss);

  const Clock& clock_;
  std::size_t max_bytes_;
  std::size_t shard_count_;
  std::size_t shard_budget_;
  std::unique_ptr<Shard[]> shards_;
  std::unique_ptr<GenerationTable> generations_;
};

// The "off" cache (CACHE_MAX_MB=0): stores nothing, but generations still count so callers run
// the same code either way.
class NullCache final : public Cache {
 public:
  NullCache();
  ~NullCache() override;
  NullCache(const NullCache&) = delete;
  NullCache& operator=(const NullCache&) = delete;

  std::uint64_t generation(std::string_view ns) override;
  std::uint64_t bump(std::string_view ns) override;
  std::optional<std::string> get(std::string_view) override { return std::nullopt; }
  void put(std::string_view, std::string, std::chrono::seconds) override {}
  bool enabled() const override { return false; }
  std::string describe() const override { return "off"; }

 private:
  std::unique_ptr<GenerationTable> generations_;
};

}  // namespace shop::cache
