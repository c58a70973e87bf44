// Housekeeping runs by itself, on one instance of a cluster at a time, and another instance takes
// it over when that one is killed. On every backend, with real processes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <regex>
#include <thread>

#include "auth/refresh_token_store.hpp"
#include "backends.hpp"
#include "core/ids.hpp"
#include "core/time.hpp"
#include "http_client.hpp"
#include "seed.hpp"
#include "storage/migrator.hpp"
#include "subprocess.hpp"
#include "test_server.hpp"

namespace shop::test {
namespace {

using namespace std::chrono_literals;

const std::string kSecret(40, 'h');

// A counter's value in a /metrics page; -1 when absent.
double metric(const std::string& page, const std::string& name) {
  std::smatch m;
  if (std::regex_search(page, m, std::regex("\n" + name + " ([0-9.e+]+)"))) return std::stod(m[1]);
  return -1;
}

class HousekeepingApi : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = fresh_database(GetParam(), dir_.path());
    if (db_.url.empty()) GTEST_SKIP() << GetParam() << " is not available here";
    store_ = storage::open_database(db_.url, {.pool_size = 2});
    storage::Migrator(*store_).apply();
    user_id_ = Seeder(*store_, kSecret).account("owner@example.com").id;
  }
  void TearDown() override {
    store_.reset();
    if (db_.drop) db_.drop();
  }
  Env env() const {
    return {{"DATABASE_URL", db_.url},
            {"JWT_SECRET", kSecret},
            {"JWT_REFRESH_SECRET", kSecret},
            {"MEDIA_DIR", dir_.str() + "/media"},
            {"HOUSEKEEPING_INTERVAL", "1"}};
  }
  // Refresh tokens that expired two days ago.
  void add_expired_tokens(int n) {
    auto lease = store_->acquire();
    std::int64_t long_ago = epoch_ms(std::chrono::system_clock::now() - 48h);
    for (int i = 0; i < n; ++i)
      auth::RefreshTokenStore().insert(
          lease, {new_id(), "old-family", user_id_, long_ago, long_ago + 1, {}, {}}, new_id());
  }
  std::int64_t expired_tokens() {
    auto lease = store_->acquire();
    return lease.execute("SELECT COUNT(*) FROM refresh_tokens WHERE family_id = 'old-family'")
        .front()
        .get_int(0);
  }
  bool gone_within(std::chrono::seconds limit) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (expired_tokens() > 0 && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(50ms);
    return expired_tokens() == 0;
  }
  static std::string metrics(std::uint16_t port) { return HttpClient(port).get("/metrics").body; }
  // The metrics page once the run that removed the rows has ended: a run counts what it removed
  // after its last sweep, a moment after the rows are gone.
  std::string metrics_after_a_run(std::uint16_t port) {
    auto until = std::chrono::steady_clock::now() + 5s;
    std::string page = metrics(port);
    while (metric(page, "shopd_housekeeping_runs_total") < 1 &&
           std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(50ms);
      page = metrics(port);
    }
    return page;
  }

  TempDir dir_;
  FreshDatabase db_;
  std::unique_ptr<storage::Database> store_;
  std::string user_id_;
};

TEST_P(HousekeepingApi, RunsByItself_AndMetricsCountWhatItRemoved) {
  add_expired_tokens(3);
  TestServer server(env());
  EXPECT_TRUE(gone_within(10s)) << "expired refresh tokens are still there";
  std::string page = metrics_after_a_run(server.port());
  EXPECT_EQ(metric(page, "shopd_housekeeping_refresh_tokens_removed_total"), 3) << page;
  EXPECT_GE(metric(page, "shopd_housekeeping_runs_total"), 1);
  EXPECT_EQ(metric(page, "shopd_housekeeping_idempotency_keys_removed_total"), 0);
}

TEST_P(HousekeepingApi, OneInstanceRunsIt_AnotherTakesOverWhenItIsKilled) {
  std::uint16_t first_port = 0;
  auto first = start_shopd_serve(env(), dir_.str(), first_port);
  ASSERT_NE(first_port, 0);
  // The first instance holds the lease once it has run.
  auto until = std::chrono::steady_clock::now() + 10s;
  while (metric(metrics(first_port), "shopd_housekeeping_runs_total") < 1 &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(50ms);
  ASSERT_GE(metric(metrics(first_port), "shopd_housekeeping_runs_total"), 1);

  TestServer second(env());
  add_expired_tokens(2);
  EXPECT_TRUE(gone_within(10s));
  std::this_thread::sleep_for(1500ms);  // the second instance has tried at least once
  EXPECT_EQ(metric(metrics(second.port()), "shopd_housekeeping_runs_total"), 0)
      << "both instances ran it";

  first->signal(SIGKILL);  // no lease release: it must expire
  first->wait(10s);
  add_expired_tokens(4);
  EXPECT_TRUE(gone_within(15s)) << "nobody took the job over";
  std::string page = metrics_after_a_run(second.port());
  EXPECT_GE(metric(page, "shopd_housekeeping_runs_total"), 1);
  EXPECT_EQ(metric(page, "shopd_housekeeping_refresh_tokens_removed_total"), 4);
}

INSTANTIATE_TEST_SUITE_P(Backends, HousekeepingApi, ::testing::ValuesIn(backend_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace shop::test
