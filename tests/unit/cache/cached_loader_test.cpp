#include "cache/cached_loader.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <stdexcept>
#include <thread>
#include <vector>

#include "cache/in_process_cache.hpp"
#include "fake_clock.hpp"

namespace shop::cache {
namespace {

using namespace std::chrono_literals;

using test::FakeClock;

// A networked store that is down: the chosen calls throw.
class FailingCache final : public Cache {
 public:
  explicit FailingCache(bool generation_fails) : generation_fails_(generation_fails) {}
  std::uint64_t generation(std::string_view) override {
    ++generations;
    if (generation_fails_) throw std::runtime_error("connection refused");
    return 7;
  }
  std::uint64_t bump(std::string_view) override { throw std::runtime_error("connection refused"); }
  std::optional<std::string> get(std::string_view) override {
    ++gets;
    throw std::runtime_error("connection refused");
  }
  void put(std::string_view, std::string, std::chrono::seconds) override {
    ++puts;
    throw std::runtime_error("connection refused");
  }
  bool enabled() const override { return true; }
  std::string describe() const override { return "failing"; }
  std::atomic<int> generations{0};
  std::atomic<int> gets{0};
  std::atomic<int> puts{0};

 private:
  bool generation_fails_;
};

// Counts its calls and answers body.
struct Loader {
  std::string body;
  std::atomic<int> calls{0};
  std::string operator()() {
    ++calls;
    return body;
  }
  std::function<std::string()> fn() {
    return [this] { return (*this)(); };
  }
};

// W/"<16 lowercase hex digits>"
bool has_weak_etag_shape(const std::string& etag) {
  if (etag.size() != 20 || etag.compare(0, 3, "W/\"") != 0 || etag.back() != '"') return false;
  for (std::size_t i = 3; i < 19; ++i)
    if (std::string_view("0123456789abcdef").find(etag[i]) == std::string_view::npos) return false;
  return true;
}

void wait_for_arrivals(const std::atomic<int>& counter, int target) {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (counter.load() < target && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(50ms);
}

TEST(CachedLoader, Miss_LoadsAndStores_ThenHitServesWithoutLoading) {
  FakeClock clock;
  InProcessCache cache(1u << 20, clock);
  CachedLoader loader(cache, 60s);
  Loader load{"[1,2,3]"};
  auto first = loader.get_or_load("products", "list:page=1", load.fn());
  EXPECT_EQ(first.body, "[1,2,3]");
  EXPECT_FALSE(first.hit);
  EXPECT_EQ(first.etag, weak_etag("[1,2,3]"));
  auto second = loader.get_or_load("products", "list:page=1", load.fn());
  EXPECT_EQ(second.body, "[1,2,3]");
  EXPECT_TRUE(second.hit);
  EXPECT_EQ(second.etag, first.etag);
  EXPECT_EQ(load.calls.load(), 1);
  EXPECT_EQ(loader.get_or_load("products", "list:page=2", load.fn()).hit, false);
  EXPECT_EQ(load.calls.load(), 2);
}

TEST(CachedLoader, StoresUnderNamespaceGenerationAndRest_WithTheEtagInFront) {
  FakeClock clock;
  InProcessCache cache(1u << 20, clock);
  CachedLoader loader(cache, 60s);
  loader.get_or_load("products", "list:page=1", [] { return std::string("body"); });
  auto key = "products:" + std::to_string(cache.generation("products")) + ":list:page=1";
  EXPECT_EQ(cache.get(key), weak_etag("body") + "\nbody");
}

TEST(CachedLoader, Ttl_ExpiredAnswerIsLoadedAgain) {
  FakeClock clock;
  InProcessCache cache(1u << 20, clock);
  CachedLoader loader(cache, 60s);
  Loader load{"v"};
  loader.get_or_load("products", "one:1", load.fn());
  clock.advance(59s);
  EXPECT_TRUE(loader.get_or_load("products", "one:1", load.fn()).hit);
  clock.advance(1s);
  EXPECT_FALSE(loader.get_or_load("products", "one:1", load.fn()).hit);
  EXPECT_EQ(load.calls.load(), 2);
}

TEST(CachedLoader, Invalidate_MakesOlderAnswersUnreachable_OnlyInItsNamespace) {
  FakeClock clock;
  InProcessCache cache(1u << 20, clock);
  CachedLoader loader(cache, 60s);
  loader.get_or_load("products", "one:1", [] { return std::string("v1"); });
  loader.get_or_load("users", "one:1", [] { return std::string("u1"); });
  loader.invalidate("products");
  auto after = loader.get_or_load("products", "one:1", [] { return std::string("v2"); });
  EXPECT_EQ(after.body, "v2");
  EXPECT_FALSE(after.hit);
  EXPECT_EQ(after.etag, weak_etag("v2"));
  auto again = loader.get_or_load("products", "one:1", [] { return std::string("v3"); });
  EXPECT_EQ(again.body, "v2");
  EXPECT_TRUE(again.hit);
  auto other = loader.get_or_load("users", "one:1", [] { return std::string("u2"); });
  EXPECT_EQ(other.body, "u1");
  EXPECT_TRUE(other.hit);
}

TEST(CachedLoader, LoadThatRacedAWrite_IsNotServedAfterTheWrite) {
  FakeClock clock;
  InProcessCache cache(1u << 20, clock);
  CachedLoader loader(cache, 60s);
  // The load reads the old row, then a write commits and invalidates before the load stores.
  auto racing = loader.get_or_load("products", "one:1", [&] {
    loader.invalidate("products");
    return std::string("old");
  });
  EXPECT_EQ(racing.body, "old");
  auto next = loader.get_or_load("products", "one:1", [] { return std::string("new"); });
  EXPECT_EQ(next.body, "new");
  EXPECT_FALSE(next.hit);
  EXPECT_EQ(loader.get_or_load("products", "one:1", [] { return std::string("x"); }).body, "new");
}

// 32 threads miss one key at once; returns how many times the loader ran.
int concurrent_misses(CachedLoader& loader, std::vector<CachedAnswer>& answers) {
  constexpr int kThreads = 32;
  std::latch start(kThreads);
  std::atomic<int> arrived{0};
  std::atomic<int> loads{0};
  answers.assign(kThreads, {});
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      ++arrived;
      answers[t] = loader.get_or_load("products", "list:page=1", [&] {
        ++loads;
        wait_for_arrivals(arrived, kThreads);
        return std::string("[\"the one body\"]");
      });
    });
  for (auto& th : threads)
    th.join();
  return loads.load();
}

TEST(CachedLoader, ThirtyTwoConcurrentMisses_RunTheLoaderOnce) {
  FakeClock clock;
  InProcessCache cache(1u << 20, clock);
  CachedLoader loader(cache, 60s);
  std::vector<CachedAnswer> answers;
  EXPECT_EQ(concurrent_misses(loader, answers), 1);
  for (const auto& a : answers) {
    EXPECT_EQ(a.body, "[\"the one body\"]");
    EXPECT_EQ(a.etag, weak_etag("[\"the one body\"]"));
  }
  Loader load{"unused"};
  EXPECT_TRUE(loader.get_or_load("products", "list:page=1", load.fn()).hit);
  EXPECT_EQ(load.calls.load(), 0);
}

TEST(CachedLoader, CacheOff_NeverHitsButStillSharesConcurrentLoads) {
  NullCache cache;
  CachedLoader loader(cache, 60s);
  std::vector<CachedAnswer> answers;
  EXPECT_EQ(concurrent_misses(loader, answers), 1);
  for (const auto& a : answers) {
    EXPECT_EQ(a.body, "[\"the one body\"]");
    EXPECT_EQ(a.etag, weak_etag("[\"the one body\"]"));
    EXPECT_FALSE(a.hit);
  }
  Loader load{"again"};
  auto next = loader.get_or_load("products", "list:page=1", load.fn());
  EXPECT_FALSE(next.hit);
  EXPECT_EQ(next.body, "again");
  EXPECT_EQ(next.etag, weak_etag("again"));
  EXPECT_EQ(load.calls.load(), 1);
  loader.invalidate("products");  // counts on, harmlessly
  EXPECT_EQ(loader.cache_errors(), 0u);
}

TEST(CachedLoader, LoaderThrows_EveryWaiterGetsTheErrorAndTheNextCallRetries) {
  constexpr int kThreads = 8;
  FakeClock clock;
  InProcessCache cache(1u << 20, clock);
  CachedLoader loader(cache, 60s);
  std::latch start(kThreads);
  std::atomic<int> arrived{0};
  std::atomic<int> loads{0};
  std::atomic<int> caught{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      start.arrive_and_wait();
      ++arrived;
      try {
        loader.get_or_load("products", "one:1", [&]() -> std::string {
          ++loads;
          wait_for_arrivals(arrived, kThreads);
          throw std::runtime_error("database unavailable");
        });
      } catch (const std::runtime_error& e) {
        if (std::string(e.what()) == "database unavailable") ++caught;
      }
    });
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(loads.load(), 1);
  EXPECT_EQ(caught.load(), kThreads);
  EXPECT_EQ(cache.stats().entries, 0u);  // nothing stored for a failed load

  Loader load{"ok"};
  auto next = loader.get_or_load("products", "one:1", load.fn());
  EXPECT_EQ(next.body, "ok");
  EXPECT_FALSE(next.hit);
  EXPECT_EQ(load.calls.load(), 1);
}

TEST(CachedLoader, StoreDown_AnswersViaTheLoaderAndNeverThrows) {
  FailingCache cache(/*generation_fails=*/true);
  CachedLoader loader(cache, 60s);
  Loader load{"body"};
  for (int i = 0; i < 2; ++i) {
    auto answer = loader.get_or_load("products", "one:1", load.fn());
    EXPECT_EQ(answer.body, "body");
    EXPECT_EQ(answer.etag, weak_etag("body"));
    EXPECT_FALSE(answer.hit);
  }
  EXPECT_EQ(load.calls.load(), 2);
  EXPECT_EQ(cache.gets.load(), 0);  // without a generation the store is skipped entirely
  EXPECT_EQ(cache.puts.load(), 0);
  EXPECT_NO_THROW(loader.invalidate("products"));
  EXPECT_EQ(loader.cache_errors(), 3u);
}

TEST(CachedLoader, GetLocal_NeverCallsANetworkedStore) {
  // get_local runs on an I/O thread: a networked store's generation() would be a round trip.
  FailingCache cache(/*generation_fails=*/false);
  CachedLoader loader(cache, 60s);
  EXPECT_EQ(loader.get_local("products", "one:1"), std::nullopt);
  EXPECT_EQ(cache.generations.load(), 0);
  EXPECT_EQ(cache.gets.load(), 0);
  EXPECT_EQ(loader.cache_errors(), 0u);
}

TEST(CachedLoader, LookupFails_AnswersViaTheLoader_WithoutTryingToStore) {
  FailingCache cache(/*generation_fails=*/false);
  CachedLoader loader(cache, 60s);
  Loader load{"body"};
  auto answer = loader.get_or_load("products", "one:1", load.fn());
  EXPECT_EQ(answer.body, "body");
  EXPECT_EQ(answer.etag, weak_etag("body"));
  EXPECT_FALSE(answer.hit);
  EXPECT_EQ(cache.gets.load(), 1);
  EXPECT_EQ(cache.puts.load(), 0) << "a store that just failed is not written to";
  EXPECT_EQ(loader.cache_errors(), 1u);
}

TEST(CachedLoader, ForeignOrCorruptStoredValue_CountsAsAMissAndIsReplaced) {
  FakeClock clock;
  InProcessCache cache(1u << 20, clock);
  CachedLoader loader(cache, 60s);
  auto key = "products:" + std::to_string(cache.generation("products")) + ":one:1";
  cache.put(key, "not an etag\nbody", 60s);
  Loader load{"fresh"};
  auto answer = loader.get_or_load("products", "one:1", load.fn());
  EXPECT_EQ(answer.body, "fresh");
  EXPECT_FALSE(answer.hit);
  EXPECT_TRUE(loader.get_or_load("products", "one:1", load.fn()).hit);
  EXPECT_EQ(load.calls.load(), 1);
}

TEST(WeakEtag, IsStableForEqualBodiesDiffersOtherwiseAndHasTheWeakShape) {
  EXPECT_EQ(weak_etag("{\"id\":1}"), weak_etag(std::string("{\"id\":") + "1}"));
  EXPECT_NE(weak_etag("{\"id\":1}"), weak_etag("{\"id\":2}"));
  EXPECT_NE(weak_etag(""), weak_etag(" "));
  for (const char* body : {"", "x", "{\"id\":1}"})
    EXPECT_TRUE(has_weak_etag_shape(weak_etag(body))) << weak_etag(body);
  EXPECT_TRUE(has_weak_etag_shape(weak_etag(std::string(1 << 20, 'z'))));
  EXPECT_FALSE(has_weak_etag_shape("W/\"0123456789abcdeg\""));  // the checker itself
}

}  // namespace
}  // namespace shop::cache
