#include "cache/in_process_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "fake_clock.hpp"

namespace shop::cache {
namespace {

using namespace std::chrono_literals;

using test::FakeClock;

constexpr std::size_t kOverhead = InProcessCache::kEntryOverhead;

// A value that makes the entry for a key of key_size characters exactly bytes long.
std::string value_for_entry(std::size_t key_size, std::size_t bytes, char fill = 'x') {
  return std::string(bytes - key_size - kOverhead, fill);
}

TEST(InProcessCache, GetAfterPut_ReturnsTheValueAndPutReplacesIt) {
  FakeClock clock;
  InProcessCache cache(4096, clock);
  EXPECT_EQ(cache.get("a"), std::nullopt);
  cache.put("a", "one", 60s);
  EXPECT_EQ(cache.get("a"), "one");
  cache.put("a", "two", 60s);
  EXPECT_EQ(cache.get("a"), "two");
  EXPECT_EQ(cache.get("b"), std::nullopt);
  auto s = cache.stats();
  EXPECT_EQ(s.hits, 2u);
  EXPECT_EQ(s.misses, 2u);
  EXPECT_EQ(s.entries, 1u);
}

TEST(InProcessCache, Ttl_EntryExpiresAtItsDeadlineAndIsDropped) {
  FakeClock clock;
  InProcessCache cache(4096, clock);
  cache.put("a", "v", 10s);
  cache.put("b", "v", 20s);
  clock.advance(9s);
  EXPECT_EQ(cache.get("a"), "v");
  clock.advance(1s);
  EXPECT_EQ(cache.get("a"), std::nullopt);
  EXPECT_EQ(cache.get("b"), "v");
  EXPECT_EQ(cache.stats().entries, 1u);
  clock.advance(10s);
  EXPECT_EQ(cache.get("b"), std::nullopt);
  EXPECT_EQ(cache.stats().entries, 0u);
  EXPECT_EQ(cache.stats().evictions, 0u);  // expiries are not evictions
}

TEST(InProcessCache, ZeroTtl_IsNotStoredAndDropsTheOldValue) {
  FakeClock clock;
  InProcessCache cache(4096, clock);
  cache.put("a", "old", 60s);
  cache.put("a", "new", 0s);
  EXPECT_EQ(cache.get("a"), std::nullopt);
  EXPECT_EQ(cache.stats().bytes, 0u);
}

TEST(InProcessCache, Lru_LeastRecentlyUsedGoesFirstAndAGetRefreshes) {
  FakeClock clock;
  InProcessCache cache(4096, clock);  // one shard; entries of 512 bytes: exactly 8 fit
  ASSERT_EQ(cache.shard_count(), 1u);
  ASSERT_EQ(cache.max_entry_bytes(), 512u);
  for (int i = 0; i < 8; ++i)
    cache.put("k" + std::to_string(i), value_for_entry(2, 512), 60s);
  EXPECT_EQ(cache.stats().bytes, 4096u);
  EXPECT_EQ(cache.stats().evictions, 0u);

  EXPECT_TRUE(cache.get("k0"));  // k0 is now the most recently used; k1 the least
  cache.put("k8", value_for_entry(2, 512), 60s);
  EXPECT_EQ(cache.get("k1"), std::nullopt);
  EXPECT_EQ(cache.stats().evictions, 1u);

  cache.put("k9", value_for_entry(2, 512), 60s);  // next least recently used: k2
  EXPECT_EQ(cache.get("k2"), std::nullopt);
  for (const char* key : {"k0", "k3", "k4", "k5", "k6", "k7", "k8", "k9"})
    EXPECT_TRUE(cache.get(key)) << key;
  auto s = cache.stats();
  EXPECT_EQ(s.evictions, 2u);
  EXPECT_EQ(s.entries, 8u);
  EXPECT_EQ(s.bytes, 4096u);
}

TEST(InProcessCache, OversizedValue_IsNotStoredAndDropsTheOldValue) {
  FakeClock clock;
  InProcessCache cache(4096, clock);
  cache.put("big", value_for_entry(3, 512), 60s);  // exactly the limit: stored
  EXPECT_TRUE(cache.get("big"));
  cache.put("big", value_for_entry(3, 513), 60s);  // one byte over an eighth of the budget
  EXPECT_EQ(cache.get("big"), std::nullopt);
  cache.put("huge", std::string(100000, 'x'), 60s);
  EXPECT_EQ(cache.get("huge"), std::nullopt);
  auto s = cache.stats();
  EXPECT_EQ(s.entries, 0u);
  EXPECT_EQ(s.bytes, 0u);
  EXPECT_EQ(s.evictions, 0u);
}

TEST(InProcessCache, ByteAccounting_FollowsPutsReplacementsExpiriesAndEvictions) {
  FakeClock clock;
  InProcessCache cache(4096, clock);
  cache.put("a", std::string(100, 'a'), 10s);
  cache.put("bb", std::string(200, 'b'), 60s);
  EXPECT_EQ(cache.stats().bytes, (1 + 100 + kOverhead) + (2 + 200 + kOverhead));

  cache.put("bb", std::string(50, 'b'), 60s);  // smaller replacement
  EXPECT_EQ(cache.stats().bytes, (1 + 100 + kOverhead) + (2 + 50 + kOverhead));

  clock.advance(10s);
  EXPECT_EQ(cache.get("a"), std::nullopt);  // expired: dropped on access
  EXPECT_EQ(cache.stats().bytes, 2 + 50 + kOverhead);

  for (int i = 0; i < 20; ++i)  // forces evictions
    cache.put("n" + std::to_string(i), value_for_entry(3, 500), 60s);
  auto s = cache.stats();
  EXPECT_GT(s.evictions, 0u);
  EXPECT_LE(s.bytes, 4096u);
  EXPECT_EQ(s.bytes, s.entries * 500);  // only 500-byte entries are left: "bb" was the oldest
}

TEST(InProcessCache, ExpiredEntriesAtTheTail_AreDroppedBeforeLiveOnesAreEvicted) {
  FakeClock clock;
  InProcessCache cache(4096, clock);
  for (int i = 0; i < 4; ++i)
    cache.put("old" + std::to_string(i), value_for_entry(4, 512), 1s);
  for (int i = 0; i < 4; ++i)
    cache.put("new" + std::to_string(i), value_for_entry(4, 512), 60s);
  clock.advance(2s);
  cache.put("late", value_for_entry(4, 512), 60s);
  auto s = cache.stats();
  EXPECT_EQ(s.evictions, 0u);
  EXPECT_EQ(s.entries, 5u);
  EXPECT_EQ(s.bytes, 5u * 512u);
  for (int i = 0; i < 4; ++i)
    EXPECT_TRUE(cache.get("new" + std::to_string(i)));
}

TEST(InProcessCache, Generations_CountPerNamespace) {
  FakeClock clock;
  InProcessCache cache(4096, clock);
  auto products = cache.generation("products");
  auto users = cache.generation("users");
  auto bumped = cache.bump("products");
  EXPECT_NE(bumped, products);
  EXPECT_EQ(cache.generation("products"), bumped);
  EXPECT_NE(cache.bump("products"), bumped);
  EXPECT_EQ(cache.generation("users"), users);
}

TEST(InProcessCache, Budget_SplitsIntoShardsOfAtLeastOneMiB) {
  FakeClock clock;
  InProcessCache large(64u << 20, clock);
  EXPECT_EQ(large.shard_count(), 16u);
  EXPECT_EQ(large.max_entry_bytes(), (4u << 20) / 8);
  EXPECT_EQ(large.describe(), "in-process (64 MB)");
  EXPECT_TRUE(large.enabled());
  InProcessCache medium(4u << 20, clock);
  EXPECT_EQ(medium.shard_count(), 4u);
  InProcessCache small(4096, clock);
  EXPECT_EQ(small.shard_count(), 1u);
  EXPECT_EQ(small.describe(), "in-process (4096 bytes)");
  EXPECT_THROW(InProcessCache(0, clock), std::invalid_argument);
}

TEST(NullCache, NeverHitsButGenerationsStillCount) {
  NullCache cache;
  cache.put("a", "v", 60s);
  EXPECT_EQ(cache.get("a"), std::nullopt);
  EXPECT_FALSE(cache.enabled());
  EXPECT_EQ(cache.describe(), "off");
  auto g = cache.generation("products");
  EXPECT_NE(cache.bump("products"), g);
  EXPECT_NE(cache.generation("products"), g);
  EXPECT_EQ(cache.stats().hits, 0u);
}

// The value a key always carries, so readers can check what they got.
std::string value_of(int key, std::size_t base, std::size_t step) {
  return std::string(base + static_cast<std::size_t>(key % 8) * step,
                     static_cast<char>('a' + key % 26));
}

// 8 threads put and get overlapping keys; afterwards the counters match what is really stored.
void hammer(InProcessCache& cache, int keys, int rounds, std::size_t base, std::size_t step) {
  constexpr int kThreads = 8;
  std::latch start(kThreads);
  std::atomic<std::uint64_t> gets{0};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < rounds; ++i) {
        int k = (i * 7 + t * 13) % keys;
        std::string key = "k" + std::to_string(k);
        if ((i + t) % 3 == 0) {
          cache.put(key, value_of(k, base, step), 60s);
        } else {
          auto got = cache.get(key);
          ++gets;
          if (got && *got != value_of(k, base, step)) ++wrong;
        }
      }
    });
  for (auto& th : threads)
    th.join();

  auto s = cache.stats();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(s.hits + s.misses, gets.load());
  EXPECT_GT(s.evictions, 0u);
  std::uint64_t bytes = 0;
  std::uint64_t entries = 0;
  for (int k = 0; k < keys; ++k) {
    std::string key = "k" + std::to_string(k);
    if (auto got = cache.get(key)) {
      bytes += key.size() + got->size() + kOverhead;
      ++entries;
    }
  }
  EXPECT_EQ(s.bytes, bytes);
  EXPECT_EQ(s.entries, entries);
}

TEST(InProcessCache, ConcurrentPutsAndGets_OnATinyBudget_KeepStatsConsistent) {
  FakeClock clock;
  InProcessCache cache(8192, clock);
  hammer(cache, 64, 5000, 40, 40);
  EXPECT_LE(cache.stats().bytes, 8192u);
}

TEST(InProcessCache, ConcurrentPutsAndGets_AcrossShards_KeepStatsConsistent) {
  FakeClock clock;
  InProcessCache cache(16u << 20, clock);
  ASSERT_EQ(cache.shard_count(), 16u);
  hammer(cache, 1000, 600, 20000, 10000);
  EXPECT_LE(cache.stats().bytes, 16u << 20);
}

}  // namespace
}  // namespace shop::cache
