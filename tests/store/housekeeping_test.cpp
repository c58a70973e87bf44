// Background jobs on every backend: the lease that lets one instance of a cluster run a job, and
// what housekeeping removes (and what it leaves).
#include "app/housekeeping.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>
#include <utime.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <latch>
#include <thread>

#include "auth/refresh_token_store.hpp"
#include "auth/user_store.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/time.hpp"
#include "fake_clock.hpp"
#include "media/media_references.hpp"
#include "media/media_store.hpp"
#include "orders/idempotency_store.hpp"
#include "storage/job_lease.hpp"
#include "storage/migrator.hpp"
#include "store_fixture.hpp"

namespace shop::storage::store_test {
namespace {

using namespace std::chrono_literals;

class BackgroundJobs : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped()) return;
    Migrator(*db_).apply();
  }
  test::FakeClock clock_{test::FakeClock::Start::system};
};

TEST_P(BackgroundJobs, Lease_OneHolderAtATime_TakenOverWhenItExpires) {
  auto other_process = open();
  JobLease a(*db_, "housekeeping", "instance-a", clock_);
  JobLease b(*other_process, "housekeeping", "instance-b", clock_);
  JobLease other_job(*other_process, "reconciliation", "instance-b", clock_);
  EXPECT_TRUE(a.acquire(3s));
  EXPECT_FALSE(b.acquire(3s));
  EXPECT_TRUE(other_job.acquire(3s));  // leases are per job
  clock_.set_offset(2s);
  EXPECT_TRUE(a.acquire(3s));  // renewed: now lasts until 5 s
  clock_.set_offset(4s);
  EXPECT_FALSE(b.acquire(3s));
  // a is killed (kill -9): it never renews nor releases. Once its lease ran out, b takes over.
  clock_.set_offset(5001ms);
  EXPECT_TRUE(b.acquire(3s));
  EXPECT_FALSE(a.acquire(3s));
  b.release();
  EXPECT_TRUE(a.acquire(3s));  // released: no need to wait for the expiry
}

TEST_P(BackgroundJobs, Lease_ManyInstancesAtOnce_ExactlyOneGetsIt) {
  constexpr int kInstances = 8;
  std::vector<std::unique_ptr<Database>> dbs;
  for (int i = 0; i < kInstances; ++i)
    dbs.push_back(open({.pool_size = 1}));
  std::atomic<int> holders{0};
  std::vector<std::thread> threads;
  std::latch go(kInstances);
  for (int i = 0; i < kInstances; ++i)
    threads.emplace_back([&, i] {
      JobLease lease(*dbs[i], "housekeeping", "instance-" + std::to_string(i), clock_);
      go.arrive_and_wait();
      if (lease.acquire(60s)) ++holders;
    });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(holders.load(), 1);
}

TEST_P(BackgroundJobs, Housekeeping_RemovesWhatNothingReadsAgain_AndNothingElse) {
  const std::int64_t now = epoch_ms(clock_.now());
  const std::int64_t day = 24LL * 3600 * 1000;
  auth::RefreshTokenStore tokens;
  orders::IdempotencyStore keys;
  {
    auto lease = db_->acquire();
    auth::User u{new_id(), "h@example.com", "H", "x", "user", std::nullopt, 1, 1};
    auth::UserStore().insert(lease, u);
    auto token = [&](std::int64_t expires_at, const std::string& hash) {
      tokens.insert(lease, {new_id(), "family", u.id, 1, expires_at, {}, {}}, hash);
    };
    token(now - 2 * day, "expired-long-ago");
    token(now - day / 2, "expired-recently");  // kept for a day after expiry
    token(now + day, "live");
    keys.claim(lease, u.id, "old", "hash", now - 2 * day, now - 1);
    keys.claim(lease, u.id, "new", "hash", now, now + day);
  }
  media::MediaStore media(dir_.path() / "media");
  spdlog::logger log("test", std::make_shared<spdlog::sinks::null_sink_mt>());
  media::MediaReferences refs(*db_, media, clock_, log);
  // A temporary file of an upload that died two hours ago, and one being written now.
  auto temp = [&](const std::string& name, std::chrono::seconds age) {
    auto path = dir_.path() / "media" / name;
    std::ofstream(path) << "partial";
    auto when = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() - age);
    struct utimbuf times {
      when, when
    };
    ::utime(path.c_str(), &times);
  };
  temp(".0123456789abcdef.tmp", 2h);
  temp(".fedcba9876543210.tmp", 10s);
  // A reservation of an upload that died, with its file.
  std::string orphan = media.put("orphan", media::ImageFormat::jpeg);
  {
    auto lease = db_->acquire();
    lease.execute("INSERT INTO media_reservations (token, name, created_at) VALUES ('t', $1, $2)",
                  {orphan, now - 2 * 3600 * 1000});
  }

  app::Housekeeping housekeeping(*db_, media, refs, clock_);
  app::Swept swept = housekeeping.run_once();
  EXPECT_EQ(swept.refresh_tokens, 1);
  EXPECT_EQ(swept.idempotency_keys, 1);
  EXPECT_EQ(swept.media_temp_files, 1);
  EXPECT_EQ(swept.media_reservations, 1);
  auto lease = db_->acquire();
  EXPECT_FALSE(tokens.find_by_hash(lease, "expired-long-ago"));
  EXPECT_TRUE(tokens.find_by_hash(lease, "expired-recently"));
  EXPECT_TRUE(tokens.find_by_hash(lease, "live"));
  EXPECT_EQ(lease.execute("SELECT idempotency_key FROM idempotency_keys").front().get_text(0),
            "new");
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "media" / ".0123456789abcdef.tmp"));
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "media" / ".fedcba9876543210.tmp"));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "media" / orphan));

  app::Swept again = housekeeping.run_once();  // nothing left to do
  EXPECT_EQ(again.refresh_tokens + again.idempotency_keys + again.media_temp_files +
                again.media_reservations,
            0);
  EXPECT_EQ(housekeeping.totals().refresh_tokens, 1);
  EXPECT_EQ(housekeeping.runs(), 2);
}

TEST_P(BackgroundJobs, Housekeeping_DeletesInBatches_UntilNoneIsLeft) {
  const std::int64_t now = epoch_ms(clock_.now());
  {
    auto lease = db_->acquire();
    auth::User u{new_id(), "b@example.com", "B", "x", "user", std::nullopt, 1, 1};
    auth::UserStore().insert(lease, u);
    for (int i = 0; i < app::Housekeeping::kBatch + 5; ++i)
      orders::IdempotencyStore().claim(lease, u.id, "k" + std::to_string(i), "h", 1, now - 1);
  }
  media::MediaStore media(dir_.path() / "media");
  spdlog::logger log("test", std::make_shared<spdlog::sinks::null_sink_mt>());
  media::MediaReferences refs(*db_, media, clock_, log);
  app::Housekeeping housekeeping(*db_, media, refs, clock_);
  EXPECT_EQ(housekeeping.run_once().idempotency_keys, app::Housekeeping::kBatch + 5);
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Backends, BackgroundJobs, ::testing::ValuesIn(test::backend_names()),
                         [](const auto& info) { return info.param; });

}  // namespace shop::storage::store_test
