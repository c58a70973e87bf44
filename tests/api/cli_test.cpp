// The shopd binary: commands, exit codes, configuration errors, start-up line and signals.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <fstream>
#include <regex>

#include "http_client.hpp"
#include "storage/open_database.hpp"
#include "subprocess.hpp"
#include "temp_dir.hpp"

namespace shop::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

std::map<std::string, std::string> base_env(const TempDir& dir) {
  return {{"HOST", "127.0.0.1"},
          {"PORT", "0"},
          {"DATABASE_URL", "sqlite://" + dir.str() + "/db/shopd.db"}};
}

std::size_t line_count(const std::string& s) {
  return std::count(s.begin(), s.end(), '\n');
}

TEST(Cli, Help_ListsEveryCommandAndExits0) {
  TempDir dir;
  auto r = run_shopd({"--help"}, {}, dir.str());
  EXPECT_EQ(r.exit_code, 0);
  for (const char* cmd : {"serve", "migrate", "create-admin", "seed-demo"})
    EXPECT_THAT(r.output, HasSubstr(cmd));
}

TEST(Cli, UnknownCommandOrFlag_Exits2WithUsage) {
  TempDir dir;
  auto r = run_shopd({"frobnicate"}, {}, dir.str());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("usage: shopd"));
  auto flag = run_shopd({"serve", "--turbo"}, {}, dir.str());
  EXPECT_EQ(flag.exit_code, 2);
  EXPECT_THAT(flag.output, HasSubstr("usage: shopd"));
  EXPECT_EQ(run_shopd({"--bogus"}, {}, dir.str()).exit_code, 2);
}

TEST(Cli, CreateAdmin_CreatesThenSaysAlreadyThenPromotes) {
  TempDir dir;
  auto env = base_env(dir);
  auto created = run_shopd({"create-admin", "--email", " Boss@Example.com ", "--password",
                            "a-long-password", "--name", "The Boss"},
                           env, dir.str());
  EXPECT_EQ(created.exit_code, 0) << created.output;
  EXPECT_THAT(created.output, HasSubstr("created admin boss@example.com"));
  EXPECT_THAT(created.output, Not(HasSubstr("a-long-password")));
  auto again =
      run_shopd({"create-admin", "--email", "boss@example.com", "--password", "a-long-password"},
                env, dir.str());
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_THAT(again.output, HasSubstr("already an admin"));

  // A registered user is promoted; the server then lets the same token into the admin route.
  Subprocess server({SHOPD_BINARY, "serve"}, env, dir.str());
  ASSERT_TRUE(server.wait_for_output("listening on", 10s)) << server.output();
  std::smatch m;
  std::string out = server.output();
  ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(127\.0\.0\.1:(\d+))")));
  HttpClient c(static_cast<std::uint16_t>(std::stoi(m[1])));
  auto reg = c.post_json("/api/users/register",
                         R"({"name":"Ann","email":"ann@example.com","password":"password1"})");
  ASSERT_EQ(reg.status, 201) << reg.body;
  Headers auth = {
      {"Authorization", "Bearer " + std::string(reg.json().at("accessToken").as_string())}};
  EXPECT_EQ(c.get("/api/users/admin", auth).status, 403);
  auto promoted =
      run_shopd({"create-admin", "--email", "ann@example.com", "--password", "whatever-else"}, env,
                dir.str());
  EXPECT_EQ(promoted.exit_code, 0) << promoted.output;
  EXPECT_THAT(promoted.output, HasSubstr("promoted ann@example.com to admin"));
  EXPECT_EQ(c.get("/api/users/admin", auth).status, 200);
  // The generated secret is kept beside the database, readable by its owner only.
  struct stat st {};
  ASSERT_EQ(::stat((dir.path() / "db" / "jwt_secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(12s), 0);
}

TEST(Cli, CreateAdmin_BadInputExits2WithAClearLine) {
  TempDir dir;
  auto env = base_env(dir);
  auto bad_email =
      run_shopd({"create-admin", "--email", "nope", "--password", "long-enough"}, env, dir.str());
  EXPECT_EQ(bad_email.exit_code, 2);
  EXPECT_THAT(bad_email.output, HasSubstr("email must be a valid email address"));
  auto short_pw = run_shopd({"create-admin", "--email", "a@example.com", "--password", "short"},
                            env, dir.str());
  EXPECT_EQ(short_pw.exit_code, 2);
  EXPECT_THAT(short_pw.output, HasSubstr("password must be at least 8 characters"));
  EXPECT_EQ(run_shopd({"create-admin", "--email", "a@example.com"}, env, dir.str()).exit_code, 2);
  EXPECT_EQ(run_shopd({"create-admin", "--email", "a@example.com", "--password", "long-enough",
                       "--role", "x"},
                      env, dir.str())
                .exit_code,
            2);
}

TEST(Cli, SeedDemo_AddsProductsWithPictures_AndTwiceAddsNothing) {
  TempDir dir;
  auto first = run_shopd({"seed-demo", "--products", "40"}, {}, dir.str());
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_THAT(first.output, HasSubstr("40 products added, 0 already there"));
  auto second = run_shopd({"seed-demo", "--products", "50"}, {}, dir.str());
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_THAT(second.output, HasSubstr("10 products added, 40 already there"));
  // Pictures are shared by content: a few dozen files, not two per product.
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path() / "data" / "media")) {
    EXPECT_THAT(entry.path().filename().string(), MatchesRegex("[0-9a-f]{32}\\.jpg"));
    ++files;
  }
  EXPECT_GT(files, 8u);
  EXPECT_LE(files, 64u);
}

TEST(Cli, SeedDemoOrders_PlacesOrdersThroughCheckout_OverThePast90Days) {
  TempDir dir;
  auto r = run_shopd({"seed-demo", "--products", "30", "--orders", "60"}, {}, dir.str());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("30 products added"));
  std::smatch m;
  ASSERT_TRUE(
      std::regex_search(r.output, m, std::regex(R"((\d+) orders placed over the past 90 days)")))
      << r.output;
  int placed = std::stoi(m[1]);
  EXPECT_GE(placed, 50);
  EXPECT_LE(placed, 60);
  auto db = storage::open_database("sqlite://" + dir.str() + "/data/shopd.db");
  auto lease = db->acquire();
  auto scalar = [&](const std::string& sql) { return lease.execute(sql).front().get_int(0); };
  EXPECT_EQ(scalar("SELECT count(*) FROM orders"), placed);
  // Stock went down by exactly what was sold and not given back: the same demo catalog seeded
  // without orders has that much more (cancelled orders returned theirs).
  std::int64_t sold = scalar(
      "SELECT coalesce(sum(i.quantity), 0) FROM order_items i JOIN orders o ON o.id = i.order_id "
      "WHERE o.status <> 'cancelled'");
  EXPECT_GT(sold, 0);
  TempDir plain;
  ASSERT_EQ(run_shopd({"seed-demo", "--products", "30"}, {}, plain.str()).exit_code, 0);
  auto untouched = storage::open_database("sqlite://" + plain.str() + "/data/shopd.db");
  std::int64_t initial =
      untouched->acquire().execute("SELECT sum(stock) FROM products").front().get_int(0);
  EXPECT_EQ(scalar("SELECT sum(stock) FROM products") + sold, initial);
  // Every status appears, and the orders span most of the 90 days.
  EXPECT_GE(scalar("SELECT count(DISTINCT status) FROM orders"), 3);
  EXPECT_GT(scalar("SELECT max(created_at) - min(created_at) FROM orders"), 45LL * 86'400'000);
  EXPECT_LT(scalar("SELECT min(created_at) FROM orders"),
            scalar("SELECT max(created_at) FROM orders") - 45LL * 86'400'000);
  // Demo customers exist and none can log in with a guessable password.
  EXPECT_GE(scalar("SELECT count(*) FROM users WHERE email LIKE 'demo.customer.%'"), 3);
  EXPECT_EQ(scalar("SELECT count(*) FROM users WHERE role = 'admin'"), 0);
}

TEST(Cli, SeedDemo_BadCount_IsUsageError) {
  TempDir dir;
  for (auto args : std::vector<std::vector<std::string>>{{"seed-demo", "--products", "0"},
                                                         {"seed-demo", "--products", "x"},
                                                         {"seed-demo", "--products"},
                                                         {"seed-demo", "--count", "5"},
                                                         {"seed-demo", "--orders", "-1"},
                                                         {"seed-demo", "--orders"}}) {
    auto r = run_shopd(args, {}, dir.str());
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_THAT(r.output, HasSubstr("usage: shopd seed-demo"));
  }
}

struct BadConfig {
  std::string name, value, expected;
  friend void PrintTo(const BadConfig& c, std::ostream* os) { *os << c.name << "=" << c.value; }
};

class CliBadConfig : public ::testing::TestWithParam<BadConfig> {};

TEST_P(CliBadConfig, StopsTheStartWithOneLineAndExit1) {
  TempDir dir;
  auto env = base_env(dir);
  env[GetParam().name] = GetParam().value;
  if (GetParam().name == "MONGO_URI") env.erase("DATABASE_URL");
  auto r = run_shopd({"serve"}, env, dir.str());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(line_count(r.output), 1u) << r.output;
  EXPECT_THAT(r.output, HasSubstr(GetParam().expected));
}

INSTANTIATE_TEST_SUITE_P(
    Values, CliBadConfig,
    ::testing::Values(BadConfig{"PORT", "eighty", "PORT must be an integer"},
                      BadConfig{"PORT", "70000", "PORT must be an integer"},
                      BadConfig{"DATABASE_URL", "mysql://localhost/db", "DATABASE_URL must start"},
                      BadConfig{"MONGO_URI", "mongodb://localhost/shop", "set DATABASE_URL"},
                      BadConfig{"RATE_LIMIT_MAX", "-5", "RATE_LIMIT_MAX"},
                      BadConfig{"LOG_LEVEL", "loud", "LOG_LEVEL"},
                      BadConfig{"COOKIE_SECURE", "maybe", "COOKIE_SECURE"},
                      BadConfig{"HOST", "not an ip", "HOST"}),
    [](const auto& info) { return info.param.name + std::to_string(info.index); });

TEST(Cli, DotEnvFile_IsReadAndEnvironmentWins) {
  TempDir dir;
  std::ofstream(dir.path() / ".env") << "# comment\nPORT=notanumber\n"
                                     << "DATABASE_URL=\"sqlite://" << dir.str() << "/dotenv.db\"\n";
  auto env = base_env(dir);
  env.erase("DATABASE_URL");  // so the .env value is used; PORT=0 from the environment wins
  auto r = run_shopd({"migrate"}, env, dir.str());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "dotenv.db"));
}

TEST(Cli, DotEnvFile_BadValueStopsTheStart) {
  TempDir dir;
  std::ofstream(dir.path() / ".env") << "MAX_UPLOAD_MB=lots\n";
  auto r = run_shopd({"serve"}, base_env(dir), dir.str());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("MAX_UPLOAD_MB"));
}

TEST(Cli, Migrate_AppliesOnceThenIsUpToDate) {
  TempDir dir;
  auto first = run_shopd({"migrate"}, base_env(dir), dir.str());
  EXPECT_EQ(first.exit_code, 0) << first.output;
  EXPECT_THAT(first.output, HasSubstr("applied 0001_init"));
  auto second = run_shopd({"migrate"}, base_env(dir), dir.str());
  EXPECT_EQ(second.exit_code, 0);
  EXPECT_THAT(second.output, HasSubstr("up to date"));
  EXPECT_THAT(second.output, Not(HasSubstr("applied 0001_init")));
}

TEST(Cli, Serve_LogsOneStartLineServesAndStopsOnSigterm) {
  TempDir dir;
  Subprocess p({SHOPD_BINARY, "serve"}, base_env(dir), dir.str());
  ASSERT_TRUE(p.wait_for_output("listening on", 10s)) << p.output();
  std::smatch m;
  std::string out = p.output();
  ASSERT_TRUE(std::regex_search(
      out, m,
      std::regex(R"(listening on http://127\.0\.0\.1:(\d+) storage=sqlite \S+ cache=in-process)")))
      << out;
  int port = std::stoi(m[1]);
  // The start line names the pages at the address bound.
  std::string base = "http://127.0.0.1:" + m[1].str();
  EXPECT_THAT(
      out, HasSubstr("shopd API docs at " + base + "/docs, admin dashboard at " + base + "/admin"));
  HttpClient c(static_cast<std::uint16_t>(port));
  EXPECT_EQ(c.get("/healthz").status, 200);
  p.signal(SIGTERM);
  auto code = p.wait(12s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << p.output();
}

TEST(Cli, Serve_SigintAlsoStopsCleanly) {
  TempDir dir;
  Subprocess p({SHOPD_BINARY}, base_env(dir), dir.str());  // serve is the default
  ASSERT_TRUE(p.wait_for_output("listening on", 10s)) << p.output();
  p.signal(SIGINT);
  EXPECT_EQ(p.wait(12s), 0);
}

TEST(Cli, Serve_PortInUse_ExitsWithOneLine) {
  TempDir dir;
  Subprocess first({SHOPD_BINARY}, base_env(dir), dir.str());
  ASSERT_TRUE(first.wait_for_output("listening on", 10s));
  std::smatch m;
  std::string out = first.output();
  ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(127\.0\.0\.1:(\d+))")));
  auto env = base_env(dir);
  env["PORT"] = m[1];
  auto r = run_shopd({"serve"}, env, dir.str());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("cannot bind 127.0.0.1:" + m[1].str()));
  EXPECT_EQ(line_count(r.output), 1u) << r.output;
  first.signal(SIGTERM);
  EXPECT_EQ(first.wait(12s), 0);
}

}  // namespace
}  // namespace shop::test
