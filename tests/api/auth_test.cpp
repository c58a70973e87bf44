// Accounts and sessions (/api/users) over a real socket, on every backend.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <future>
#include <latch>
#include <thread>

#include "auth/user_store.hpp"
#include "backends.hpp"
#include "core/clock.hpp"
#include "fake_clock.hpp"
#include "http_client.hpp"
#include "test_server.hpp"

namespace shop::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

std::string json_body(boost::json::object o) {
  return boost::json::serialize(o);
}

// The refresh token a Set-Cookie carries.
std::string cookie_token(const HttpResponse& r) {
  auto c = r.header("Set-Cookie");
  if (!c) return "";
  auto start = c->find("refreshToken=") + 13;
  return c->substr(start, c->find(';') - start);
}

class AuthApi : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = fresh_database(GetParam(), dir_.path());
    if (db_.url.empty()) GTEST_SKIP() << GetParam() << " is not available here";
  }
  void TearDown() override {
    server_.reset();
    if (db_.drop) db_.drop();
  }

  TestServer& start(Env env = {}) {
    env["DATABASE_URL"] = db_.url;
    env.try_emplace("JWT_SECRET", std::string(40, 'j'));
    env.try_emplace("JWT_REFRESH_SECRET", std::string(40, 'r'));
    env.try_emplace("AUTH_RATE_LIMIT_MAX", "1000");
    app::AppHooks hooks;
    hooks.clock = &clock_;
    server_ = std::make_unique<TestServer>(env, std::move(hooks));
    return *server_;
  }

  HttpResponse register_user(HttpClient& c, std::string email, std::string password = "password1",
                             std::string name = "Ada") {
    return c.post_json("/api/users/register",
                       json_body({{"name", name}, {"email", email}, {"password", password}}));
  }
  HttpResponse login(HttpClient& c, std::string email, std::string password = "password1") {
    return c.post_json("/api/users/login", json_body({{"email", email}, {"password", password}}));
  }
  HttpResponse refresh(HttpClient& c, const std::string& token, Headers extra = {}) {
    extra.emplace_back("Cookie", "refreshToken=" + token);
    return c.request("POST", "/api/users/refresh", "", extra);
  }
  static Headers bearer(const HttpResponse& session) {
    return {
        {"Authorization", "Bearer " + std::string(session.json().at("accessToken").as_string())}};
  }
  // Sets a user's role straight in the database, as an operator would.
  void set_role(const std::string& email, const std::string& role) {
    auto db = storage::open_database(db_.url, {.pool_size = 1});
    auto lease = db->acquire();
    auth::UserStore users;
    auto u = users.find_by_email(lease, email);
    ASSERT_TRUE(u);
    users.set_role(lease, u->id, role, 1);
  }
  void delete_user(const std::string& email) {
    auto db = storage::open_database(db_.url, {.pool_size = 1});
    auto lease = db->acquire();
    auth::UserStore users;
    users.remove(lease, users.find_by_email(lease, email)->id);
  }

  TempDir dir_;
  FreshDatabase db_;
  FakeClock clock_{FakeClock::Start::system};
  std::unique_ptr<TestServer> server_;
};

TEST_P(AuthApi, ReferenceFlow_RegisterLoginProfileRefreshLogout) {
  HttpClient c(start().port());
  auto reg = register_user(c, "ada@example.com");
  ASSERT_EQ(reg.status, 201) << reg.body;
  auto j = reg.json();
  EXPECT_EQ(j.at("name"), "Ada");
  EXPECT_EQ(j.at("email"), "ada@example.com");
  EXPECT_EQ(j.at("role"), "user");
  EXPECT_TRUE(j.at("id").is_string());
  EXPECT_TRUE(j.at("accessToken").is_string());
  EXPECT_EQ(j.as_object().size(), 5u);
  EXPECT_EQ(*reg.header("Set-Cookie"),
            "refreshToken=" + cookie_token(reg) +
                "; HttpOnly; SameSite=Lax; Path=/api/users; Max-Age=604800");
  EXPECT_EQ(cookie_token(reg).size(), 64u);

  auto in = login(c, "ada@example.com");
  ASSERT_EQ(in.status, 200);
  EXPECT_EQ(in.json().at("id"), j.at("id"));
  EXPECT_NE(cookie_token(in), cookie_token(reg));

  auto profile = c.get("/api/users/profile", bearer(in));
  ASSERT_EQ(profile.status, 200);
  auto p = profile.json();
  EXPECT_EQ(p.at("email"), "ada@example.com");
  EXPECT_TRUE(p.at("avatar").is_null());
  EXPECT_THAT(
      std::string(p.at("createdAt").as_string()),
      ::testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{3}Z"));
  EXPECT_THAT(profile.body, Not(HasSubstr("argon2")));
  EXPECT_THAT(profile.body, Not(HasSubstr("password")));

  auto r1 = refresh(c, cookie_token(in));
  ASSERT_EQ(r1.status, 200) << r1.body;
  EXPECT_TRUE(r1.json().at("accessToken").is_string());
  EXPECT_EQ(r1.json().as_object().size(), 1u);
  EXPECT_EQ(c.get("/api/users/profile", bearer(r1)).status, 200);

  auto out =
      c.request("POST", "/api/users/logout", "", {{"Cookie", "refreshToken=" + cookie_token(r1)}});
  EXPECT_EQ(out.status, 200);
  EXPECT_EQ(out.json().at("message"), "Logged out successfully");
  EXPECT_THAT(*out.header("Set-Cookie"), HasSubstr("refreshToken=; HttpOnly"));
  EXPECT_THAT(*out.header("Set-Cookie"), HasSubstr("Max-Age=0"));
  EXPECT_EQ(refresh(c, cookie_token(r1)).status, 401);
}

TEST_P(AuthApi, SecureCookieWhenConfigured) {
  HttpClient c(start({{"COOKIE_SECURE", "true"}}).port());
  EXPECT_THAT(*register_user(c, "a@example.com").header("Set-Cookie"), HasSubstr("; Secure"));
}

TEST_P(AuthApi, Register_ValidatesAndChangesNothingOnBadInput) {
  HttpClient c(start().port());
  struct Case {
    boost::json::object body;
    std::string field;
  };
  std::vector<Case> cases = {
      {{{"name", "A"}, {"email", "not-an-email"}, {"password", "password1"}}, "email"},
      {{{"name", "A"}, {"email", "a@b"}, {"password", "password1"}}, "email"},
      {{{"name", ""}, {"email", "a@example.com"}, {"password", "password1"}}, "name"},
      {{{"name", std::string(101, 'n')}, {"email", "a@example.com"}, {"password", "password1"}},
       "name"},
      {{{"name", "A"}, {"email", "a@example.com"}, {"password", "short77"}}, "password"},
      {{{"name", "A"}, {"email", "a@example.com"}, {"password", std::string(129, 'p')}},
       "password"},
      {{{"email", "a@example.com"}, {"password", "password1"}}, "name"},
      {{{"name", 5}, {"email", "a@example.com"}, {"password", "password1"}}, "name"},
  };
  for (const auto& k : cases) {
    auto r = c.post_json("/api/users/register", json_body(k.body));
    EXPECT_EQ(r.status, 400) << json_body(k.body);
    EXPECT_EQ(r.json().at("errors").at(0).at("field").as_string(), k.field) << r.body;
  }
  EXPECT_EQ(login(c, "a@example.com").status, 401);  // nothing was created
  // 128 characters of any script are fine, counted as characters, not bytes.
  std::string long_unicode;
  for (int i = 0; i < 128; ++i)
    long_unicode += "é";
  EXPECT_EQ(register_user(c, "u@example.com", long_unicode).status, 201);
  EXPECT_EQ(login(c, "u@example.com", long_unicode).status, 200);
}

TEST_P(AuthApi, Register_RoleInBodyIsIgnoredAndUnknownFieldsToo) {
  HttpClient c(start().port());
  auto r = c.post_json("/api/users/register", json_body({{"name", "Mallory"},
                                                         {"email", "m@example.com"},
                                                         {"password", "password1"},
                                                         {"role", "admin"},
                                                         {"isAdmin", true}}));
  ASSERT_EQ(r.status, 201);
  EXPECT_EQ(r.json().at("role"), "user");
  EXPECT_EQ(c.get("/api/users/admin", bearer(r)).status, 403);
}

TEST_P(AuthApi, Register_UrlencodedLikeTheReference) {
  HttpClient c(start().port());
  auto r = c.request("POST", "/api/users/register",
                     "name=Ada&email=ada%40example.com&password=password1",
                     {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(r.status, 201) << r.body;
}

TEST_P(AuthApi, Register_EmailIsTrimmedAndCaseInsensitivelyUnique) {
  HttpClient c(start().port());
  ASSERT_EQ(register_user(c, "  Ada@Example.COM ").status, 201);
  auto again = register_user(c, "ada@example.com");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.json().at("message"), "User already exists");
  EXPECT_EQ(login(c, "ADA@example.com").status, 200);
}

TEST_P(AuthApi, Register_TwoAtOnceWithOneEmail_ExactlyOneWins) {
  auto& server = start();
  std::latch go(2);
  auto attempt = [&] {
    HttpClient c(server.port());
    go.arrive_and_wait();
    return register_user(c, "race@example.com").status;
  };
  auto a = std::async(std::launch::async, attempt), b = std::async(std::launch::async, attempt);
  std::vector<int> statuses = {a.get(), b.get()};
  std::sort(statuses.begin(), statuses.end());
  EXPECT_EQ(statuses, (std::vector<int>{201, 409}));
}

// Each wave of people signs up at the same moment, each on a connection of their own.
std::vector<int> sign_up_at_once(std::uint16_t port, const std::vector<std::string>& emails) {
  std::latch go(static_cast<std::ptrdiff_t>(emails.size()));
  std::vector<std::future<int>> answers;
  for (const auto& email : emails)
    answers.push_back(std::async(std::launch::async, [&, email] {
      HttpClient c(port);
      go.arrive_and_wait();
      return c
          .post_json("/api/users/register",
                     json_body({{"name", "Rush"}, {"email", email}, {"password", "password1"}}))
          .status;
    }));
  std::vector<int> statuses;
  for (auto& a : answers)
    statuses.push_back(a.get());
  std::sort(statuses.begin(), statuses.end());
  return statuses;
}

TEST_P(AuthApi, Register_FortyPeopleTenAtATime_AllGetTheirAccount) {
  // Ten hashes at once queue behind one another (one hashing thread on two cores) instead of
  // being refused while a free thread is only a second or so away.
  auto& server = start();
  for (int wave = 0; wave < 4; ++wave) {
    std::vector<std::string> emails;
    for (int i = 0; i < 10; ++i)
      emails.push_back("p" + std::to_string(wave * 10 + i) + "@example.com");
    EXPECT_EQ(sign_up_at_once(server.port(), emails), std::vector<int>(10, 201)) << "wave " << wave;
  }
  HttpClient c(server.port());
  EXPECT_EQ(login(c, "p39@example.com").status, 200);
}

TEST_P(AuthApi, Register_TwentyAtOnceWithOneEmail_OneCreatedNineteenConflicts) {
  auto& server = start();
  std::vector<int> expected(19, 409);
  expected.insert(expected.begin(), 201);
  EXPECT_EQ(sign_up_at_once(server.port(), std::vector<std::string>(20, "same@example.com")),
            expected);
}

TEST_P(AuthApi, Sessions_EndAtOnce_OnLogoutReuseAndPasswordChange) {
  HttpClient c(start().port());
  auto profile = [&](const HttpResponse& session) {
    return c.get("/api/users/profile", bearer(session));
  };
  // Logout: that session's access token stops working on its next request.
  auto a = register_user(c, "ada@example.com");
  ASSERT_EQ(profile(a).status, 200);
  auto other = login(c, "ada@example.com");  // a second device
  ASSERT_EQ(
      c.request("POST", "/api/users/logout", "", {{"Cookie", "refreshToken=" + cookie_token(a)}})
          .status,
      200);
  auto ended = profile(a);
  EXPECT_EQ(ended.status, 401);
  EXPECT_EQ(ended.json().at("message"), "Not authorized, session ended");
  EXPECT_EQ(profile(other).status, 200);  // the other device stays logged in

  // Reuse of a retired refresh token: every access token of that session stops.
  auto b = login(c, "ada@example.com");
  auto rotated = refresh(c, cookie_token(b));
  ASSERT_EQ(rotated.status, 200);
  Headers rotated_bearer = {
      {"Authorization", "Bearer " + std::string(rotated.json().at("accessToken").as_string())}};
  ASSERT_EQ(c.get("/api/users/profile", rotated_bearer).status, 200);
  clock_.set_offset(30s);                              // past the grace for concurrent refreshes
  ASSERT_EQ(refresh(c, cookie_token(b)).status, 401);  // the stolen copy comes back
  EXPECT_EQ(profile(b).status, 401);
  EXPECT_EQ(c.get("/api/users/profile", rotated_bearer).status, 401);
  EXPECT_EQ(profile(other).status, 200);

  // A password change ends every other session at once; the one that made it goes on.
  auto d = login(c, "ada@example.com");
  auto changed =
      c.request("PATCH", "/api/users/profile",
                json_body({{"currentPassword", "password1"}, {"newPassword", "password2"}}),
                {{"Content-Type", "application/json"}, bearer(d)[0]});
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(profile(other).status, 401);
  EXPECT_EQ(profile(d).status, 200);
}

TEST_P(AuthApi, Login_FailureSaysTheSameForUnknownEmailAndWrongPassword) {
  HttpClient c(start().port());
  register_user(c, "ada@example.com");
  auto wrong = login(c, "ada@example.com", "password2");
  auto unknown = login(c, "nobody@example.com", "password1");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(wrong.json().at("message"), "Invalid email or password");
  EXPECT_EQ(wrong.body, unknown.body);
  EXPECT_FALSE(wrong.header("Set-Cookie").has_value());
  EXPECT_EQ(c.post_json("/api/users/login", "{}").status, 400);
}

TEST_P(AuthApi, Tokens_MissingMalformedTamperedOrExpiredAre401) {
  HttpClient c(start().port());
  auto reg = register_user(c, "ada@example.com");
  std::string token(reg.json().at("accessToken").as_string());
  EXPECT_EQ(c.get("/api/users/profile").status, 401);
  EXPECT_EQ(c.get("/api/users/profile", {{"Authorization", "Basic abc"}}).status, 401);
  EXPECT_EQ(c.get("/api/users/profile", {{"Authorization", "Bearer garbage"}}).status, 401);
  std::string tampered = token;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_EQ(c.get("/api/users/profile", {{"Authorization", "Bearer " + tampered}}).status, 401);
  std::string none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + token.substr(token.find('.') + 1);
  none = none.substr(0, none.rfind('.') + 1);
  EXPECT_EQ(c.get("/api/users/profile", {{"Authorization", "Bearer " + none}}).status, 401);

  EXPECT_EQ(c.get("/api/users/profile", {{"Authorization", "Bearer " + token}}).status, 200);
  clock_.set_offset(900s + 61s);
  auto expired = c.get("/api/users/profile", {{"Authorization", "Bearer " + token}});
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(expired.json().at("message"), "Not authorized, token expired");
}

TEST_P(AuthApi, Refresh_ReuseOfARetiredTokenRevokesTheWholeSession) {
  HttpClient c(start().port());
  auto reg = register_user(c, "ada@example.com");
  std::string first = cookie_token(reg);
  auto second = refresh(c, first);
  ASSERT_EQ(second.status, 200);
  clock_.set_offset(30s);  // past the grace for concurrent refreshes
  auto stolen = refresh(c, first);
  EXPECT_EQ(stolen.status, 401);
  // The thief's replay ended the session: the legitimate newest token is dead too.
  EXPECT_EQ(refresh(c, cookie_token(second)).status, 401);
  // Other sessions of the user are untouched.
  EXPECT_EQ(refresh(c, cookie_token(login(c, "ada@example.com"))).status, 200);
}

TEST_P(AuthApi, Refresh_TenAtOnceWithOneToken_OneWins) {
  auto& server = start();
  HttpClient c(server.port());
  std::string token = cookie_token(register_user(c, "ada@example.com"));
  std::latch go(10);
  std::vector<std::future<HttpResponse>> results;
  for (int i = 0; i < 10; ++i)
    results.push_back(std::async(std::launch::async, [&] {
      HttpClient mine(server.port());
      go.arrive_and_wait();
      return refresh(mine, token);
    }));
  int ok = 0;
  std::string winner;
  for (auto& f : results) {
    auto r = f.get();
    EXPECT_TRUE(r.status == 200 || r.status == 401) << r.status;
    if (r.status == 200) {
      ++ok;
      winner = cookie_token(r);
    }
  }
  EXPECT_EQ(ok, 1);
  // Losing a race inside the grace window does not end the session.
  EXPECT_EQ(refresh(c, winner).status, 200);
}

TEST_P(AuthApi, Refresh_WithoutOrWithUnknownCookieIs401AndExpires) {
  HttpClient c(start().port());
  EXPECT_EQ(c.post_json("/api/users/refresh", "").status, 401);
  EXPECT_EQ(refresh(c, std::string(64, 'a')).status, 401);
  EXPECT_EQ(refresh(c, "short").status, 401);
  std::string token = cookie_token(register_user(c, "ada@example.com"));
  clock_.set_offset(604800s + 1s);
  EXPECT_EQ(refresh(c, token).status, 401);
}

TEST_P(AuthApi, CookieRoutes_RefuseForeignOrigins) {
  HttpClient c(start().port());
  std::string token = cookie_token(register_user(c, "ada@example.com"));
  auto evil = refresh(c, token, {{"Origin", "https://evil.example"}});
  EXPECT_EQ(evil.status, 403);
  EXPECT_FALSE(evil.header("Set-Cookie").has_value());
  auto evil_logout =
      c.request("POST", "/api/users/logout", "",
                {{"Cookie", "refreshToken=" + token}, {"Origin", "https://evil.example"}});
  EXPECT_EQ(evil_logout.status, 403);
  // Nothing was used up or revoked by the refused requests.
  EXPECT_EQ(refresh(c, token, {{"Origin", "http://localhost:3000"}}).status, 200);
}

TEST_P(AuthApi, Logout_WithoutCookieStillAnswers200) {
  HttpClient c(start().port());
  auto r = c.request("POST", "/api/users/logout");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json().at("message"), "Logged out successfully");
}

TEST_P(AuthApi, Admin_RoleIsCheckedOnEveryRequest) {
  HttpClient c(start().port());
  auto reg = register_user(c, "boss@example.com");
  EXPECT_EQ(c.get("/api/users/admin", bearer(reg)).status, 403);
  set_role("boss@example.com", "admin");
  auto ok = c.get("/api/users/admin", bearer(reg));  // the same, unexpired token
  ASSERT_EQ(ok.status, 200);
  EXPECT_EQ(ok.json().at("message"), "Welcome, Admin!");
  EXPECT_EQ(ok.json().at("user").at("email"), "boss@example.com");
  set_role("boss@example.com", "user");
  EXPECT_EQ(c.get("/api/users/admin", bearer(reg)).status, 403);  // demoted: at once
  delete_user("boss@example.com");
  EXPECT_EQ(c.get("/api/users/profile", bearer(reg)).status, 401);  // deleted: at once
  EXPECT_EQ(refresh(c, cookie_token(reg)).status, 401);
}

TEST_P(AuthApi, Profile_UpdateNameEmailAndPassword) {
  HttpClient c(start().port());
  auto a = register_user(c, "ada@example.com");
  auto b = login(c, "ada@example.com");  // a second session elsewhere
  auto name = c.request("PATCH", "/api/users/profile", json_body({{"name", "Ada L."}}),
                        {{"Content-Type", "application/json"}, bearer(a)[0]});
  ASSERT_EQ(name.status, 200) << name.body;
  EXPECT_EQ(name.json().at("name"), "Ada L.");

  auto no_current =
      c.request("PATCH", "/api/users/profile", json_body({{"newPassword", "password2"}}),
                {{"Content-Type", "application/json"}, bearer(a)[0]});
  EXPECT_EQ(no_current.status, 400);
  auto wrong_current =
      c.request("PATCH", "/api/users/profile",
                json_body({{"currentPassword", "nope-nope"}, {"newPassword", "password2"}}),
                {{"Content-Type", "application/json"}, bearer(a)[0]});
  EXPECT_EQ(wrong_current.status, 400);
  EXPECT_EQ(login(c, "ada@example.com", "password2").status, 401);  // unchanged

  auto changed =
      c.request("PATCH", "/api/users/profile",
                json_body({{"currentPassword", "password1"}, {"newPassword", "password2"}}),
                {{"Content-Type", "application/json"}, bearer(a)[0]});
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(login(c, "ada@example.com", "password1").status, 401);
  EXPECT_EQ(login(c, "ada@example.com", "password2").status, 200);
  EXPECT_EQ(refresh(c, cookie_token(b)).status, 401);  // the other session ended
  EXPECT_EQ(refresh(c, cookie_token(a)).status, 200);  // the one that changed it goes on

  register_user(c, "taken@example.com");
  auto taken =
      c.request("PATCH", "/api/users/profile",
                json_body({{"email", "TAKEN@example.com"}, {"currentPassword", "password2"}}),
                {{"Content-Type", "application/json"}, bearer(a)[0]});
  EXPECT_EQ(taken.status, 409);
}

TEST_P(AuthApi, RateLimit_AuthRoutesPerAddressIgnoringForgedForwardedFor) {
  HttpClient c(start({{"AUTH_RATE_LIMIT_MAX", "3"}}).port());
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(login(c, "x@example.com").status, 401);
  auto limited = c.post_json("/api/users/login",
                             json_body({{"email", "x@example.com"}, {"password", "password1"}}),
                             {{"X-Forwarded-For", "198.51.100." + std::to_string(7)}});
  EXPECT_EQ(limited.status, 429);
  ASSERT_TRUE(limited.header("Retry-After").has_value());
  // The stricter budget that ran out, not the global one (counted too, and not yet spent).
  EXPECT_EQ(limited.header("RateLimit-Limit"), "3");
  EXPECT_EQ(limited.header("RateLimit-Remaining"), "0");
  EXPECT_EQ(limited.header("RateLimit-Reset"), limited.header("Retry-After"));
  EXPECT_EQ(limited.header_count("RateLimit-Limit"), 1u);
  EXPECT_EQ(register_user(c, "y@example.com").status, 429);
}

TEST_P(AuthApi, RateLimit_FailedLoginsPerAccountWhateverTheAddress) {
  HttpClient c(start({{"TRUST_PROXY", "true"}}).port());
  register_user(c, "victim@example.com");
  std::vector<std::future<int>> attempts;
  for (int i = 0; i < 100; ++i)
    attempts.push_back(std::async(std::launch::async, [&, i] {
      HttpClient mine(server_->port());
      return mine
          .post_json("/api/users/login",
                     json_body({{"email", "victim@example.com"}, {"password", "wrong-pass"}}),
                     {{"X-Forwarded-For", "203.0.113." + std::to_string(i % 250)}})
          .status;
    }));
  int unauthorized = 0;
  for (auto& a : attempts) {
    int s = a.get();
    EXPECT_TRUE(s == 401 || s == 503) << s;  // 503: the hashing pool was full, try again
    unauthorized += s == 401;
  }
  while (unauthorized < 100) {
    int s = login(c, "victim@example.com", "wrong-pass").status;
    ASSERT_TRUE(s == 401 || s == 503);
    unauthorized += s == 401;
  }
  auto blocked = login(c, "victim@example.com", "password1");  // even the right password
  EXPECT_EQ(blocked.status, 429);
  EXPECT_EQ(blocked.header("RateLimit-Limit"), "100");
  EXPECT_EQ(blocked.header("RateLimit-Remaining"), "0");
  ASSERT_TRUE(blocked.header("Retry-After").has_value());
  EXPECT_GT(std::stoi(*blocked.header("Retry-After")), 0);
  EXPECT_EQ(login(c, "someone-else@example.com").status, 401);  // other accounts unaffected
  clock_.set_offset(3601s);
  EXPECT_EQ(login(c, "victim@example.com", "password1").status, 200);
}

INSTANTIATE_TEST_SUITE_P(Backends, AuthApi, ::testing::ValuesIn(backend_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace shop::test
