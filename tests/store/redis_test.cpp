// The Redis client, cache and rate limiter against a real redis-server: the shared one of
// scripts/test.sh, and private ones that are killed, paused and restarted.
#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>
#include <thread>

#include "cache/cached_loader.hpp"
#include "cache/in_process_rate_limiter.hpp"
#include "cache/redis_cache.hpp"
#include "cache/redis_client.hpp"
#include "cache/redis_rate_limiter.hpp"
#include "core/clock.hpp"
#include "redis_server.hpp"

namespace shop::cache {
namespace {

using namespace std::chrono_literals;
using test::redis_test_url;
using test::unique_redis_prefix;

// A logger writing into a string, and the number of lines containing a text.
struct CapturedLog {
  std::shared_ptr<std::ostringstream> out = std::make_shared<std::ostringstream>();
  std::shared_ptr<spdlog::logger> log = std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(*out, true));
  int lines_with(const std::string& text) const {
    std::istringstream in(out->str());
    int n = 0;
    for (std::string line; std::getline(in, line);)
      n += line.find(text) != std::string::npos ? 1 : 0;
    return n;
  }
};

RedisOptions options_for(const std::string& url) {
  RedisOptions o;
  o.endpoint = parse_redis_url(url);
  o.pool_size = 4;
  o.timeout = 200ms;
  o.retry_after = 300ms;
  return o;
}

class RedisShared : public ::testing::Test {
 protected:
  void SetUp() override {
    if (redis_test_url().empty()) GTEST_SKIP() << "SHOPD_TEST_REDIS_URL is not set";
  }
  std::unique_ptr<RedisClient> client() {
    return std::make_unique<RedisClient>(options_for(redis_test_url()), *log_.log);
  }
  CapturedLog log_;
  std::string prefix_ = unique_redis_prefix();
};

TEST_F(RedisShared, StoresAndExpiresValues_BinarySafe) {
  auto c = client();
  RedisCache cache(*c, prefix_);
  std::string value("a\0b\r\n\xff", 6);
  cache.put("k1", value, 1s);
  EXPECT_EQ(cache.get("k1"), value);
  EXPECT_EQ(cache.get("k2"), std::nullopt);
  RedisReply ttl = c->command({"TTL", prefix_ + "c:k1"});
  EXPECT_EQ(ttl.integer, 1) << "every value has a TTL";
  std::this_thread::sleep_for(1100ms);
  EXPECT_EQ(cache.get("k1"), std::nullopt);
  EXPECT_EQ(cache.stats().hits, 1u);
  EXPECT_EQ(cache.stats().misses, 2u);
}

TEST_F(RedisShared, LookupAndBump_AreSeenByEveryInstanceAtOnce) {
  auto ca = client();
  auto cb = client();
  RedisCache a(*ca, prefix_);
  RedisCache b(*cb, prefix_);
  std::uint64_t g = a.generation("products");
  EXPECT_EQ(b.generation("products"), g);
  a.put(cache_key("products", g, "list"), "v1", 60s);
  Lookup found = b.lookup("products", "list");
  EXPECT_EQ(found.generation, g);
  EXPECT_EQ(found.value, "v1");

  EXPECT_GT(a.bump("products"), g);
  found = b.lookup("products", "list");
  EXPECT_GT(found.generation, g);
  EXPECT_EQ(found.value, std::nullopt) << "a bump on one instance hides the value on the other";
  EXPECT_GT(ca->command({"TTL", prefix_ + "gen:products"}).integer, 0);
  // A slow load of the old generation finishing after the bump stores its value: still a miss.
  a.put(cache_key("products", g, "list"), "v1-late", 60s);
  EXPECT_EQ(b.lookup("products", "list").value, std::nullopt);
  b.put(cache_key("products", found.generation, "list"), "v2", 60s);
  EXPECT_EQ(a.lookup("products", "list").value, "v2");
  EXPECT_EQ(b.generation("orders"), a.generation("orders")) << "namespaces are separate";
}

TEST_F(RedisShared, GenerationKeyLost_ComesBackLargerThanBefore) {
  auto c = client();
  RedisCache cache(*c, prefix_);
  cache.generation("products");
  std::uint64_t bumped = 0;
  for (int i = 0; i < 5; ++i)
    bumped = cache.bump("products");
  c->command({"DEL", prefix_ + "gen:products"});  // evicted, expired or flushed
  EXPECT_GT(cache.generation("products"), bumped);
}

TEST_F(RedisShared, DeclinedValue_AlsoDropsTheOlderOne) {
  auto c = client();
  RedisCache cache(*c, prefix_, 16);
  cache.put("k", "small", 60s);
  cache.put("k", std::string(17, 'x'), 60s);
  EXPECT_EQ(cache.get("k"), std::nullopt);
  cache.put("k", "small", 60s);
  cache.put("k", "small", 0s);
  EXPECT_EQ(cache.get("k"), std::nullopt);
}

TEST_F(RedisShared, CachedLoader_HitsAcrossInstances_AndInvalidatesAcrossThem) {
  auto ca = client();
  auto cb = client();
  RedisCache a(*ca, prefix_);
  RedisCache b(*cb, prefix_);
  CachedLoader la(a, 60s);
  CachedLoader lb(b, 60s);
  int loads = 0;
  auto load = [&] { return "body" + std::to_string(++loads); };
  CachedAnswer first = la.get_or_load("products", "detail:1", load);
  EXPECT_FALSE(first.hit);
  CachedAnswer second = lb.get_or_load("products", "detail:1", load);
  EXPECT_TRUE(second.hit);
  EXPECT_EQ(second.body, "body1");
  EXPECT_EQ(second.etag, first.etag);
  la.invalidate("products");
  CachedAnswer third = lb.get_or_load("products", "detail:1", load);
  EXPECT_FALSE(third.hit);
  EXPECT_EQ(third.body, "body2");
  EXPECT_EQ(la.cache_errors() + lb.cache_errors(), 0u);
}

TEST_F(RedisShared, RateLimits_AreOneBudgetForEveryInstance) {
  SystemClock clock;
  InProcessRateLimiter local_a(clock), local_b(clock);
  auto ca = client();
  auto cb = client();
  RedisRateLimiter a(*ca, prefix_, local_a);
  RedisRateLimiter b(*cb, prefix_, local_b);
  EXPECT_TRUE(a.may_block());
  EXPECT_EQ(a.peek("login:x", 3, 60s).remaining, 3u);
  EXPECT_TRUE(a.hit("login:x", 3, 60s).allowed);
  EXPECT_EQ(b.hit("login:x", 3, 60s).remaining, 1u);
  EXPECT_EQ(b.peek("login:x", 3, 60s).remaining, 1u) << "peek does not count";
  EXPECT_TRUE(a.hit("login:x", 3, 60s).allowed);
  RateDecision over = b.hit("login:x", 3, 60s);
  EXPECT_FALSE(over.allowed);
  EXPECT_EQ(over.remaining, 0u);
  EXPECT_GE(over.reset.count(), 59);
  EXPECT_LE(over.reset.count(), 60);
  EXPECT_FALSE(a.peek("login:x", 3, 60s).allowed);
  a.refund("login:x");
  a.refund("login:x");
  EXPECT_TRUE(b.peek("login:x", 3, 60s).allowed);
  EXPECT_TRUE(b.hit("login:other", 3, 60s).allowed) << "keys are separate";
  EXPECT_EQ(local_a.size() + local_b.size(), 0u) << "nothing fell back while Redis answered";

  RedisRateLimiter other_shop(*ca, unique_redis_prefix(), local_a);
  EXPECT_EQ(other_shop.peek("login:x", 3, 60s).remaining, 3u) << "prefixes are separate";
}

TEST_F(RedisShared, RateLimitWindow_Ends) {
  SystemClock clock;
  InProcessRateLimiter local(clock);
  auto c = client();
  RedisRateLimiter limiter(*c, prefix_, local);
  EXPECT_TRUE(limiter.hit("k", 1, 1s).allowed);
  EXPECT_FALSE(limiter.hit("k", 1, 1s).allowed);
  std::this_thread::sleep_for(1100ms);
  EXPECT_TRUE(limiter.hit("k", 1, 1s).allowed);
  // A window whose key lost its expiry (it ended between starting and counting) gets one back.
  c->command({"SET", prefix_ + "rl:stuck", "3"});
  RateDecision d = limiter.hit("stuck", 10, 60s);
  EXPECT_EQ(d.remaining, 6u);
  EXPECT_GT(c->command({"PTTL", prefix_ + "rl:stuck"}).integer, 0);
}

// ---- A private server that goes away and comes back ---------------------------------------

class RedisOutage : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!server_.available()) GTEST_SKIP() << "SHOPD_TEST_REDIS_SERVER is not set";
    client_ = std::make_unique<RedisClient>(options_for(server_.url()), *log_.log);
  }
  // Calls until one succeeds (the breaker lets a probe through every retry_after).
  bool wait_until_back(std::chrono::milliseconds limit = 5s) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      if (client_->ping()) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
  test::RedisServer server_;
  CapturedLog log_;
  std::unique_ptr<RedisClient> client_;
};

TEST_F(RedisOutage, DownServer_FailsFast_LogsOnce_AndIsUsedAgainWhenBack) {
  ASSERT_TRUE(client_->ping());
  server_.kill();
  EXPECT_FALSE(client_->ping());
  EXPECT_FALSE(client_->available());
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 500; ++i)
    EXPECT_THROW(client_->command({"GET", "x"}), RedisError);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 250ms) << "calls fail fast while down";
  std::this_thread::sleep_for(700ms);  // two more retries fail meanwhile
  EXPECT_FALSE(client_->ping());
  EXPECT_EQ(log_.lines_with("is unreachable"), 1) << log_.out->str();
  EXPECT_EQ(log_.lines_with("still unreachable"), 0) << "at most one line per minute";

  server_.start();
  ASSERT_TRUE(wait_until_back());
  EXPECT_TRUE(client_->available());
  EXPECT_EQ(log_.lines_with("reachable again"), 1) << log_.out->str();
  EXPECT_GE(client_->errors(), 2u) << "the first failure and the failed probe";
}

TEST_F(RedisOutage, HungServer_CostsOneTimeout_ThenFailsFast) {
  RedisCache cache(*client_, "t:");
  cache.put("k", "v", 60s);
  server_.pause();
  auto started = std::chrono::steady_clock::now();
  EXPECT_THROW(cache.get("k"), RedisError);
  auto first = std::chrono::steady_clock::now() - started;
  EXPECT_GE(first, 150ms);
  EXPECT_LT(first, 1s);
  started = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i)
    EXPECT_THROW(cache.get("k"), RedisError);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 100ms);
  server_.resume();
  ASSERT_TRUE(wait_until_back());
  EXPECT_EQ(cache.get("k"), "v");
}

TEST_F(RedisOutage, RestartedServer_OldConnectionsAreReplaced) {
  RedisCache cache(*client_, "t:");
  // Open a few pooled connections, then restart the server under them.
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] { cache.put("k", "v", 60s); });
  for (auto& t : threads)
    t.join();
  server_.kill();
  server_.start();
  // The first call finds a closed pooled connection and retries it once on a new one.
  EXPECT_EQ(cache.get("k"), std::nullopt);
  EXPECT_TRUE(client_->available());
  EXPECT_EQ(log_.lines_with("is unreachable"), 0) << log_.out->str();
}

TEST_F(RedisOutage, RateLimits_FallBackToTheInstance_WhileDown) {
  SystemClock clock;
  InProcessRateLimiter local(clock);
  RedisRateLimiter limiter(*client_, "t:", local);
  EXPECT_TRUE(limiter.hit("k", 2, 60s).allowed);
  server_.kill();
  EXPECT_TRUE(limiter.hit("k", 2, 60s).allowed);  // counted in process from here on
  EXPECT_TRUE(limiter.hit("k", 2, 60s).allowed);
  EXPECT_FALSE(limiter.hit("k", 2, 60s).allowed);
  EXPECT_FALSE(limiter.peek("k", 2, 60s).allowed);
  EXPECT_EQ(local.size(), 1u);
}

TEST_F(RedisOutage, BumpDuringOutage_IsAppliedBeforeTheCacheIsReadAgain) {
  RedisCache cache(*client_, "t:");
  CachedLoader loader(cache, 60s);
  int loads = 0;
  auto load = [&] { return "v" + std::to_string(++loads); };
  EXPECT_EQ(loader.get_or_load("products", "list", load).body, "v1");
  EXPECT_TRUE(loader.get_or_load("products", "list", load).hit);
  server_.pause();                // the value survives in the paused server
  loader.invalidate("products");  // a product changed: the bump cannot reach Redis
  EXPECT_EQ(loader.cache_errors(), 1u);
  CachedAnswer during = loader.get_or_load("products", "list", load);
  EXPECT_FALSE(during.hit);
  EXPECT_EQ(during.body, "v2");
  server_.resume();
  ASSERT_TRUE(wait_until_back());
  CachedAnswer after = loader.get_or_load("products", "list", load);
  EXPECT_FALSE(after.hit) << "the answer cached before the write must not come back";
  EXPECT_EQ(after.body, "v3");
  EXPECT_TRUE(loader.get_or_load("products", "list", load).hit);
}

}  // namespace
}  // namespace shop::cache
