#include "cache/in_process_cache.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <iterator>
#include <list>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>

namespace shop::cache {
namespace {

using namespace std::chrono_literals;

// Longer TTLs are shortened, so expiry times cannot overflow.
constexpr std::chrono::seconds kMaxTtl = 24h * 365;

struct Hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace

// Generations live in a fixed table of atomics indexed by a hash of the namespace, so reading one
// (every cached request does) takes no lock. Two namespaces sharing a slot only invalidate each
// other more often than needed, never less.
class GenerationTable {
 public:
  std::uint64_t get(std::string_view ns) const {
    return slots_[slot(ns)].load(std::memory_order_acquire);
  }
  std::uint64_t bump(std::string_view ns) {
    return slots_[slot(ns)].fetch_add(1, std::memory_order_acq_rel) + 1;
  }

 private:
  static std::size_t slot(std::string_view ns) {
    return std::hash<std::string_view>{}(ns) % kSlots;
  }
  static constexpr std::size_t kSlots = 64;
  std::array<std::atomic<std::uint64_t>, kSlots> slots_{};
};

struct InProcessCache::Shard {
  struct Entry {
    std::string key;
    std::string value;
    std::chrono::steady_clock::time_point expires;
    std::size_t bytes = 0;
  };
  using Lru = std::list<Entry>;

  void erase(Lru::iterator it) {
    bytes -= it->bytes;
    index.erase(std::string_view(it->key));
    lru.erase(it);
  }

  mutable std::mutex mutex;
  Lru lru;  // most recently used first
  // Views into the keys held by lru's nodes, which never move.
  std::unordered_map<std::string_view, Lru::iterator> index;
  std::size_t bytes = 0;
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t evictions = 0;
};

InProcessCache::InProcessCache(std::size_t max_bytes, const Clock& clock)
    : clock_(clock),
      max_bytes_(max_bytes),
      shard_count_(std::clamp<std::size_t>(max_bytes / kMinShardBytes, 1, kMaxShards)),
      shard_budget_(max_bytes / shard_count_),
      shards_(new Shard[shard_count_]),
      generations_(std::make_unique<GenerationTable>()) {
  if (max_bytes == 0)
    throw std::invalid_argument("in-process cache needs a budget above 0 (use NullCache)");
}

InProcessCache::~InProcessCache() = default;

InProcessCache::Shard& InProcessCache::shard_for(std::string_view key) const {
  return shards_[Hash{}(key) % shard_count_];
}

std::uint64_t InProcessCache::generation(std::string_view ns) {
  return generations_->get(ns);
}

std::uint64_t InProcessCache::bump(std::string_view ns) {
  return generations_->bump(ns);
}

std::optional<std::string> InProcessCache::get(std::string_view key) {
  return find(key, true);
}

std::optional<std::string> InProcessCache::get_local(std::string_view key) {
  // A probe's miss is followed by get(), which counts it; counting here too would double it.
  return find(key, false);
}

std::optional<std::string> InProcessCache::find(std::string_view key, bool count_miss) {
  auto now = clock_.steady_now();
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  auto found = shard.index.find(key);
  if (found == shard.index.end()) {
    if (count_miss) ++shard.misses;
    return std::nullopt;
  }
  auto entry = found->second;
  if (entry->expires <= now) {
    shard.erase(entry);
    if (count_miss) ++shard.misses;
    return std::nullopt;
  }
  shard.lru.splice(shard.lru.begin(), shard.lru, entry);
  ++shard.hits;
  return entry->value;
}

void InProcessCache::put(std::string_view key, std::string value, std::chrono::seconds ttl) {
  auto now = clock_.steady_now();
  std::size_t bytes = key.size() + value.size() + kEntryOverhead;
  bool storable = ttl > 0s && bytes <= max_entry_bytes();
  // The node is built before locking, so the allocations do not hold up readers.
  Shard::Lru node;
  if (storable)
    node.push_back({std::string(key), std::move(value), now + std::min(ttl, kMaxTtl), bytes});

  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  if (auto found = shard.index.find(key); found != shard.index.end()) shard.erase(found->second);
  if (!storable) return;
  while (!shard.lru.empty() && shard.lru.back().expires <= now)
    shard.erase(std::prev(shard.lru.end()));
  while (!shard.lru.empty() && shard.bytes + bytes > shard_budget_) {
    shard.erase(std::prev(shard.lru.end()));
    ++shard.evictions;
  }
  shard.lru.splice(shard.lru.begin(), node);
  try {
    shard.index.emplace(std::string_view(shard.lru.front().key), shard.lru.begin());
  } catch (...) {
    shard.lru.pop_front();
    throw;
  }
  shard.bytes += bytes;
}

std::string InProcessCache::describe() const {
  if (max_bytes_ % (std::size_t{1} << 20) == 0)
    return "in-process (" + std::to_string(max_bytes_ >> 20) + " MB)";
  return "in-process (" + std::to_string(max_bytes_) + " bytes)";
}

CacheStats InProcessCache::stats() const {
  CacheStats s;
  for (std::size_t i = 0; i < shard_count_; ++i) {
    const Shard& shard = shards_[i];
    std::lock_guard lock(shard.mutex);
    s.hits += shard.hits;
    s.misses += shard.misses;
    s.entries += shard.index.size();
    s.bytes += shard.bytes;
    s.evictions += shard.evictions;
  }
  return s;
}

NullCache::NullCache() : generations_(std::make_unique<GenerationTable>()) {}

NullCache::~NullCache() = default;

std::uint64_t NullCache::generation(std::string_view ns) {
  return generations_->get(ns);
}

std::uint64_t NullCache::bump(std::string_view ns) {
  return generations_->bump(ns);
}

}  // namespace shop::cache
