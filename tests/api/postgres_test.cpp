// shopd on PostgreSQL: start-up failures, racing migrations, and a server outage under a running
// app. Skipped unless scripts/test.sh (or you) points SHOPD_TEST_POSTGRES_URL at a server.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <regex>
#include <string>
#include <thread>

#include "http/router.hpp"
#include "http_client.hpp"
#include "storage/database.hpp"
#include "storage/open_database.hpp"
#include "subprocess.hpp"
#include "temp_dir.hpp"
#include "test_server.hpp"

namespace shop::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kJwtSecret(40, 'j');
const std::string kRefreshSecret(40, 'r');

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

std::map<std::string, std::string> shopd_env(const std::string& database_url) {
  return {{"HOST", "127.0.0.1"},
          {"PORT", "0"},
          {"DATABASE_URL", database_url},
          {"JWT_SECRET", kJwtSecret},
          {"JWT_REFRESH_SECRET", kRefreshSecret}};
}

// The password in a postgres:// URL ("" when it has none).
std::string password_of(const std::string& url) {
  std::smatch m;
  return std::regex_search(url, m, std::regex("://[^:/@]+:([^@]*)@")) ? m[1].str() : "";
}

std::size_t line_count(const std::string& s) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

// A schema of its own on a test server, dropped at the end; url() puts it on the search path.
class FreshSchema {
 public:
  explicit FreshSchema(std::string base) : base_(std::move(base)) {
    std::random_device random;
    name_ = fmt::format("shopd_api_{}_{}", random(), random());
    admin().execute(fmt::format("CREATE SCHEMA {}", name_));
  }
  ~FreshSchema() {
    try {
      admin().execute(fmt::format("DROP SCHEMA {} CASCADE", name_));
    } catch (const std::exception& e) {
      ADD_FAILURE() << "cannot drop schema " << name_ << ": " << e.what();
    }
  }
  FreshSchema(const FreshSchema&) = delete;
  FreshSchema& operator=(const FreshSchema&) = delete;

  std::string url() const {
    const char separator = base_.find('?') == std::string::npos ? '?' : '&';
    return fmt::format("{}{}options=-csearch_path%3D{}", base_, separator, name_);
  }
  std::int64_t count(const std::string& query) {
    auto db = storage::open_database(url(), one_connection());
    return db->acquire().execute(query).front().get_int(0);
  }

 private:
  static storage::DatabaseOptions one_connection() {
    storage::DatabaseOptions options;
    options.pool_size = 1;
    return options;
  }
  storage::ConnectionLease admin() {
    admin_db_ = storage::open_database(base_, one_connection());
    return admin_db_->acquire();
  }

  std::string base_;
  std::string name_;
  std::unique_ptr<storage::Database> admin_db_;
};

class PostgresApi : public ::testing::Test {
 protected:
  void SetUp() override {
    base_url_ = env_or_empty("SHOPD_TEST_POSTGRES_URL");
    if (base_url_.empty()) GTEST_SKIP() << "set SHOPD_TEST_POSTGRES_URL to run PostgreSQL tests";
  }

  // The test URL with another password.
  std::string with_password(const std::string& password) const {
    return std::regex_replace(base_url_, std::regex("^(postgres(ql)?://[^:/@]+):[^@]*@"),
                              fmt::format("$1:{}@", password));
  }

  std::string base_url_;
  TempDir dir_;
};

TEST_F(PostgresApi, Serve_OnPostgres_MigratesAndIsReady) {
  FreshSchema schema(base_url_);
  TestServer server(shopd_env(schema.url()));
  HttpClient client(server.port());
  const auto ready = client.get("/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(schema.count("SELECT count(*) FROM app_meta"), 1);
  EXPECT_THAT(server.logs(), HasSubstr("storage=postgres 127.0.0.1:"));
  EXPECT_THAT(server.logs(), Not(HasSubstr("search_path")));
}

TEST_F(PostgresApi, WrongPassword_StopsServeAndMigrateWithOneLineWithoutIt) {
  const std::string wrong = "wrong-password-d41d8cd9";
  const auto url = with_password(wrong);
  ASSERT_NE(url, base_url_) << "the test URL has no password to change";
  for (const char* command : {"serve", "migrate"}) {
    const auto started = std::chrono::steady_clock::now();
    const auto r = run_shopd({command}, shopd_env(url), dir_.str());
    EXPECT_EQ(r.exit_code, 1) << command << ": " << r.output;
    EXPECT_EQ(line_count(r.output), 1u) << r.output;
    EXPECT_THAT(r.output, HasSubstr("cannot connect to PostgreSQL at 127.0.0.1:"));
    EXPECT_THAT(r.output, HasSubstr("password authentication failed"));
    EXPECT_THAT(r.output, Not(HasSubstr(wrong)));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  }
}

TEST_F(PostgresApi, NobodyListening_StopsServeQuicklyWithOneLine) {
  const auto r =
      run_shopd({"serve"}, shopd_env("postgres://shopd:hunter2@127.0.0.1:1/shop"), dir_.str());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(line_count(r.output), 1u) << r.output;
  EXPECT_THAT(r.output, HasSubstr("cannot connect to PostgreSQL at 127.0.0.1:1/shop"));
  EXPECT_THAT(r.output, Not(HasSubstr("hunter2")));
}

TEST_F(PostgresApi, TwoMigratesRacing_ApplyEachMigrationOnce) {
  FreshSchema schema(base_url_);
  Subprocess first({SHOPD_BINARY, "migrate"}, shopd_env(schema.url()), dir_.str());
  Subprocess second({SHOPD_BINARY, "migrate"}, shopd_env(schema.url()), dir_.str());
  EXPECT_EQ(first.wait(30s), 0) << first.output();
  EXPECT_EQ(second.wait(30s), 0) << second.output();
  const auto applied_by = [](const Subprocess& p) {
    return p.output().find("applied 0001_init") != std::string::npos ? 1 : 0;
  };
  EXPECT_EQ(applied_by(first) + applied_by(second), 1) << first.output() << second.output();
  EXPECT_EQ(schema.count("SELECT count(*) FROM schema_migrations WHERE version = 1"), 1);
  EXPECT_EQ(schema.count("SELECT count(*) FROM app_meta"), 1);
}

// The outage test stops and starts a PostgreSQL server of its own (SHOPD_TEST_PG_FAULT_URL), so
// tests running beside it on the main test server are not disturbed. SHOPD_TEST_PG_FAULT_CTL is
// a script that takes `stop` or `start` (scripts/test.sh writes it).
class PostgresOutage : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = env_or_empty("SHOPD_TEST_PG_FAULT_URL");
    ctl_ = env_or_empty("SHOPD_TEST_PG_FAULT_CTL");
    if (url_.empty() || ctl_.empty()) {
      GTEST_SKIP() << "set SHOPD_TEST_PG_FAULT_URL and SHOPD_TEST_PG_FAULT_CTL to run it";
    }
  }
  // Runs the control script; false when it failed.
  bool server_ctl(const std::string& action) {
    const int status =
        std::system(fmt::format("bash '{}' {} >/dev/null 2>&1", ctl_, action).c_str());
    if (status == 0) stopped_ = action == "stop";
    return status == 0;
  }

  // Starts the server again when the test ends early, before anything else is torn down.
  struct StartAgainOnExit {
    PostgresOutage& test;
    ~StartAgainOnExit() {
      if (test.stopped_) {
        EXPECT_TRUE(test.server_ctl("start"));
      }
    }
  };

  std::string url_;
  std::string ctl_;
  bool stopped_ = false;
};

// Polls `target` until it answers `status`; returns how long that took, or nullopt.
std::optional<std::chrono::milliseconds> wait_for_status(std::uint16_t port,
                                                         const std::string& target, int status,
                                                         std::chrono::milliseconds limit) {
  const auto started = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - started < limit) {
    HttpClient client(port);
    if (client.get(target).status == status) {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - started);
    }
    std::this_thread::sleep_for(100ms);
  }
  return std::nullopt;
}

// A login attempt: a route that reads the database through the app's own pool.
HttpResponse try_login(std::uint16_t port) {
  return HttpClient(port).post_json("/api/users/login",
                                    R"({"email":"nobody@example.com","password":"password1"})");
}

TEST_F(PostgresOutage, ServerStopsAndReturns_503ThenServiceReturnsOnItsOwn) {
  FreshSchema schema(url_);
  // A route that touches the database through a pool of its own, like a second app would.
  std::shared_ptr<storage::Database> route_db = storage::open_database(schema.url());
  app::AppHooks hooks;
  hooks.extra_routes = [route_db](http::Router& router) {
    router.add({.method = http::Method::get,
                .pattern = "/test/db",
                .handler = [route_db](http::Request&, http::RequestContext&) {
                  const auto n = route_db->acquire().execute("SELECT count(*) FROM app_meta");
                  return http::Response::json(200,
                                              fmt::format("{{\"rows\":{}}}", n.front().get_int(0)));
                }});
  };
  auto env = shopd_env(schema.url());
  env["DATABASE_POOL_SIZE"] = "2";
  TestServer server(env, hooks);
  HttpClient client(server.port());
  ASSERT_EQ(client.get("/readyz").status, 200);
  ASSERT_EQ(client.get("/test/db").status, 200);
  ASSERT_EQ(try_login(server.port()).status, 401);  // the pool holds a live connection now

  StartAgainOnExit start_again{*this};
  ASSERT_TRUE(server_ctl("stop"));
  const auto started = std::chrono::steady_clock::now();
  const auto ready = HttpClient(server.port()).get("/readyz");
  EXPECT_EQ(ready.status, 503) << ready.body;
  EXPECT_THAT(ready.body, HasSubstr("Database unavailable"));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s) << "/readyz must not hang";
  const auto during = HttpClient(server.port()).get("/test/db");
  EXPECT_EQ(during.status, 503) << during.body;
  EXPECT_EQ(during.json().at("message").as_string(), "Database unavailable");
  const auto login_during = try_login(server.port());
  EXPECT_EQ(login_during.status, 503) << login_during.body;
  EXPECT_EQ(login_during.json().at("message").as_string(), "Database unavailable");

  ASSERT_TRUE(server_ctl("start"));
  const auto back = wait_for_status(server.port(), "/readyz", 200, 10s);
  ASSERT_TRUE(back.has_value()) << "/readyz did not recover\n" << server.logs();
  EXPECT_EQ(HttpClient(server.port()).get("/test/db").status, 200);
  EXPECT_EQ(try_login(server.port()).status, 401);

  // A restart nobody noticed: the pooled connections are dead, yet the first requests succeed.
  ASSERT_TRUE(server_ctl("stop"));
  ASSERT_TRUE(server_ctl("start"));
  EXPECT_EQ(HttpClient(server.port()).get("/test/db").status, 200);
  EXPECT_EQ(try_login(server.port()).status, 401);
  EXPECT_EQ(HttpClient(server.port()).get("/readyz").status, 200);
  const auto password = password_of(url_);
  if (!password.empty()) {
    EXPECT_THAT(server.logs(), Not(HasSubstr(password)));
  }
}

}  // namespace
}  // namespace shop::test
