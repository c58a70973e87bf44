// Bodies are read only for those allowed to send them: the server routes the request and checks
// the caller before it reads a body beyond 1 MiB, and only a route that takes uploads, for a
// caller allowed to use it, may send MAX_UPLOAD_MB.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "backends.hpp"
#include "http_client.hpp"
#include "seed.hpp"
#include "storage/migrator.hpp"
#include "test_server.hpp"

namespace shop::test {
namespace {

using namespace std::chrono_literals;

const std::string kSecret(40, 'b');
constexpr std::size_t kFourMiB = 4 * 1024 * 1024;

class BodyLimits : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<TestServer>(Env{{"DATABASE_URL", db_url()},
                                               {"JWT_SECRET", kSecret},
                                               {"MAX_UPLOAD_MB", "5"},
                                               {"RATE_LIMIT_MAX", "0"}});
    db_ = storage::open_database(db_url(), {.pool_size = 1});
    Seeder seed(*db_, kSecret);
    admin_ = seed.user("admin@example.com", "admin")[0];
    user_ = seed.user("user@example.com")[0];
  }
  std::string db_url() const { return "sqlite://" + dir_.str() + "/shopd.db"; }

  // The request line and headers of a request announcing `length` bytes of body, and none of
  // the body.
  static std::string head(const std::string& method, const std::string& target,
                          const std::string& content_type, std::size_t length,
                          const Headers& extra = {}) {
    std::string h = method + " " + target +
                    " HTTP/1.1\r\nHost: localhost\r\nContent-Type: " + content_type +
                    "\r\nContent-Length: " + std::to_string(length) + "\r\n";
    for (const auto& [name, value] : extra)
      h += name + ": " + value + "\r\n";
    return h + "\r\n";
  }
  static std::string multipart() { return "multipart/form-data; boundary=xyz"; }

  // Sends only the head and expects the answer before any of the body was sent, then the
  // connection closed (its unread body makes it unusable).
  void expect_answered_unread(const std::string& request_head, int status) {
    HttpClient c(server_->port());
    ASSERT_TRUE(c.send_raw(request_head));
    auto r = c.read_response(2s);
    ASSERT_TRUE(r) << "no answer without the body: the server waits to read it";
    EXPECT_EQ(r->status, status) << r->body;
    EXPECT_TRUE(c.wait_closed(5s));
  }
  // Sends only the head and expects the server to wait for the body, then sends it.
  HttpResponse expect_read(const std::string& request_head, std::size_t length) {
    HttpClient c(server_->port());
    EXPECT_TRUE(c.send_raw(request_head));
    EXPECT_FALSE(c.read_response(500ms)) << "answered without reading the body";
    EXPECT_TRUE(c.send_raw(std::string(length, 'x')));
    auto r = c.read_response(10s);
    return r ? *r : HttpResponse{};
  }

  TempDir dir_;
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<storage::Database> db_;
  std::pair<std::string, std::string> admin_, user_;
};

TEST_F(BodyLimits, LargeBodyForAnUnknownRouteOrMethod_IsAnsweredWithoutReadingIt) {
  expect_answered_unread(head("POST", "/healthz", multipart(), kFourMiB), 405);
  expect_answered_unread(head("POST", "/api/no-such-thing", multipart(), kFourMiB), 404);
  expect_answered_unread(head("DELETE", "/api/users/avatar", multipart(), kFourMiB), 405);
}

TEST_F(BodyLimits, LargeUploadWithoutAllowedCaller_Is401Or403WithoutReadingIt) {
  expect_answered_unread(head("POST", "/api/products", multipart(), kFourMiB), 401);
  expect_answered_unread(
      head("POST", "/api/products", multipart(), kFourMiB, {{"Authorization", "Bearer nope"}}),
      401);
  expect_answered_unread(head("POST", "/api/products", multipart(), kFourMiB, {user_}), 403);
  expect_answered_unread(
      head("PUT", "/api/products/0123456789abcdef01234567", multipart(), kFourMiB, {user_}), 403);
  expect_answered_unread(head("POST", "/api/users/avatar", multipart(), kFourMiB), 401);
}

TEST_F(BodyLimits, RoutesWithoutUploads_AllowOneMiB_WhoeverAsks) {
  // Multipart or not, a route that takes no uploads gets the small limit: 413 before reading.
  expect_answered_unread(head("POST", "/api/users/register", multipart(), 2 * 1024 * 1024), 413);
  expect_answered_unread(head("POST", "/api/orders", "application/json", 2 * 1024 * 1024, {admin_}),
                         413);
  expect_answered_unread(
      head("POST", "/api/products", "application/json", 2 * 1024 * 1024, {admin_}), 413);
  // Beyond MAX_UPLOAD_MB even for the admin.
  expect_answered_unread(head("POST", "/api/products", multipart(), 6 * 1024 * 1024, {admin_}),
                         413);
}

TEST_F(BodyLimits, AllowedCallers_HaveTheirUploadRead) {
  // The body is garbage, so the answer is a 400 about it: what matters is that it was read.
  auto product =
      expect_read(head("POST", "/api/products", multipart(), kFourMiB, {admin_}), kFourMiB);
  EXPECT_EQ(product.status, 400) << product.body;
  auto avatar =
      expect_read(head("POST", "/api/users/avatar", multipart(), kFourMiB, {user_}), kFourMiB);
  EXPECT_EQ(avatar.status, 400) << avatar.body;
}

TEST_F(BodyLimits, ExpectContinue_IsSentOnlyToAnAllowedCaller) {
  {
    HttpClient c(server_->port());
    ASSERT_TRUE(c.send_raw(
        head("POST", "/api/products", multipart(), kFourMiB, {{"Expect", "100-continue"}})));
    auto r = c.read_response(2s);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401);  // not 100 Continue
  }
  HttpClient c(server_->port());
  ASSERT_TRUE(c.send_raw(
      head("POST", "/api/products", multipart(), kFourMiB, {admin_, {"Expect", "100-continue"}})));
  auto r = c.read_response(2s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 100);
}

TEST_F(BodyLimits, SmallBodiesOfUnknownRoutes_KeepTheConnection) {
  HttpClient c(server_->port());
  EXPECT_EQ(
      c.request("POST", "/api/no-such-thing", "{}", {{"Content-Type", "application/json"}}).status,
      404);
  EXPECT_EQ(c.get("/healthz").status, 200);  // same connection
}

}  // namespace
}  // namespace shop::test
