// The HTTP server, router and middleware, driven over a real socket.
#include "http/server.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <future>
#include <thread>

#include "http/router.hpp"
#include "http_client.hpp"
#include "test_server.hpp"

namespace shop::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

// Routes that exist only in these tests.
app::AppHooks test_hooks() {
  app::AppHooks hooks;
  hooks.extra_routes = [](http::Router& r) {
    r.add({.method = http::Method::post,
           .pattern = "/test/echo",
           .handler = [](http::Request&, http::RequestContext& ctx) {
             boost::json::object o;
             o["kind"] = static_cast<int>(ctx.body_kind);
             o["body"] = ctx.body;
             return http::Response::json(200, boost::json::serialize(o));
           }});
    r.add({.method = http::Method::post,
           .pattern = "/test/upload",
           .handler =
               [](http::Request& req, http::RequestContext& ctx) {
                 boost::json::object o;
                 o["kind"] = static_cast<int>(ctx.body_kind);
                 o["bytes"] = req.body.size();
                 return http::Response::json(200, boost::json::serialize(o));
               },
           .bodies = static_cast<unsigned>(http::BodyKind::multipart)});
    r.add({.method = http::Method::get,
           .pattern = "/test/items/:id",
           .handler = [](http::Request&, http::RequestContext& ctx) {
             return http::Response::json(
                 200, boost::json::serialize(boost::json::object{{"id", ctx.param("id")}}));
           }});
    r.add({.method = http::Method::get,
           .pattern = "/test/boom",
           .handler = [](http::Request&, http::RequestContext&) -> http::Response {
             throw std::runtime_error("secret internal detail");
           }});
    r.add({.method = http::Method::get,
           .pattern = "/test/invalid",
           .handler = [](http::Request&, http::RequestContext&) -> http::Response {
             throw Error(ErrorCode::invalid_input, "Validation failed",
                         {{"price", "must be a number >= 0"}});
           }});
    r.add({.method = http::Method::get,
           .pattern = "/test/slow",
           .handler = [](http::Request&, http::RequestContext&) {
             std::this_thread::sleep_for(600ms);
             return http::Response::json(200, R"({"slow":true})");
           }});
  };
  hooks.server_options = [](http::ServerOptions& o) {
    o.header_timeout = 1000ms;
    o.idle_timeout = 1500ms;
    o.body_timeout = 1000ms;
    o.sweep_interval = 100ms;
    o.shutdown_grace = 3000ms;
  };
  return hooks;
}

class ServerTest : public ::testing::Test {
 protected:
  TestServer server_{{}, test_hooks()};
};

TEST_F(ServerTest, Healthz_AnswersOkWithSecurityHeadersAndRequestId) {
  HttpClient c(server_.port());
  auto r = c.get("/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"ok"})");
  EXPECT_EQ(r.header("Content-Type"), "application/json; charset=utf-8");
  EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(r.header("X-Frame-Options"), "SAMEORIGIN");
  EXPECT_EQ(r.header("Referrer-Policy"), "no-referrer");
  EXPECT_EQ(r.header("Cross-Origin-Opener-Policy"), "same-origin");
  EXPECT_EQ(r.header("Cross-Origin-Resource-Policy"), "same-origin");
  EXPECT_EQ(r.header("X-DNS-Prefetch-Control"), "off");
  EXPECT_EQ(r.header("X-Permitted-Cross-Domain-Policies"), "none");
  EXPECT_TRUE(r.header("Strict-Transport-Security").has_value());
  EXPECT_EQ(r.header("X-XSS-Protection"), "0");
  EXPECT_EQ(r.header("Content-Security-Policy"), "default-src 'none'; frame-ancestors 'self'");
  EXPECT_FALSE(r.header("X-Powered-By").has_value());
  auto id = r.header("X-Request-Id");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->size(), 32u);
  EXPECT_NE(c.get("/healthz").header("X-Request-Id"), id);
}

TEST_F(ServerTest, RequestId_EchoedWhenWellFormedReplacedWhenNot) {
  HttpClient c(server_.port());
  EXPECT_EQ(c.get("/healthz", {{"X-Request-Id", "abc-123.x:y_z"}}).header("X-Request-Id"),
            "abc-123.x:y_z");
  auto r = c.get("/healthz", {{"X-Request-Id", "bad id with spaces"}});
  EXPECT_NE(r.header("X-Request-Id"), "bad id with spaces");
  EXPECT_EQ(r.header("X-Request-Id")->size(), 32u);
}

TEST_F(ServerTest, KeepAlive_ServesManyRequestsOnOneConnection) {
  HttpClient c(server_.port());
  for (int i = 0; i < 20; ++i) {
    auto r = c.get(i % 2 ? "/healthz" : "/");
    ASSERT_EQ(r.status, 200);
    EXPECT_FALSE(r.header("Connection").has_value());
  }
  EXPECT_EQ(c.get("/").body, "shopd API is running\n");
}

TEST_F(ServerTest, Pipelining_AnswersInOrder) {
  HttpClient c(server_.port());
  ASSERT_TRUE(
      c.send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
                 "GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(c.read_response()->status, 200);
  EXPECT_EQ(c.read_response()->status, 404);
  EXPECT_EQ(c.read_response()->status, 200);
}

TEST_F(ServerTest, Http10_ClosesUnlessKeepAliveAsked) {
  HttpClient c(server_.port());
  ASSERT_TRUE(c.send_raw("GET /healthz HTTP/1.0\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(c.wait_closed(2s));

  HttpClient k(server_.port());
  ASSERT_TRUE(k.send_raw("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  auto r2 = k.read_response();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->header("Connection"), "keep-alive");
  EXPECT_EQ(k.get("/healthz").status, 200);
}

TEST_F(ServerTest, UnknownPath_Is404Json) {
  HttpClient c(server_.port());
  auto r = c.get("/api/does-not-exist");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.json().at("message"), "Route not found");
  EXPECT_EQ(r.header("Content-Type"), "application/json; charset=utf-8");
  EXPECT_TRUE(r.header("X-Request-Id").has_value());
}

TEST_F(ServerTest, KnownPathOtherMethod_Is405WithAllow) {
  HttpClient c(server_.port());
  auto r = c.request("DELETE", "/healthz");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("Allow"), "GET, HEAD, OPTIONS");
  EXPECT_EQ(r.json().at("message"), "Method not allowed");
  auto p = c.post_json("/healthz", "{}");
  EXPECT_EQ(p.status, 405);
}

TEST_F(ServerTest, PathParameters_AreDecodedAndTrailingSlashIgnored) {
  HttpClient c(server_.port());
  EXPECT_EQ(c.get("/test/items/a%20b").json().at("id"), "a b");
  EXPECT_EQ(c.get("/test/items/42/").json().at("id"), "42");
  EXPECT_EQ(c.get("/test/items/%zz").status, 404);
  EXPECT_EQ(c.get("/test/items").status, 404);
  EXPECT_EQ(c.get("/healthz/").status, 200);
}

TEST_F(ServerTest, Head_WorksWhereGetDoesWithoutBody) {
  HttpClient c(server_.port());
  auto get = c.get("/healthz");
  auto head = c.request("HEAD", "/healthz");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(head.header("Content-Length"), std::to_string(get.body.size()));
  EXPECT_EQ(c.get("/healthz").status, 200);  // the connection is still in sync
}

TEST_F(ServerTest, Trace_Is405AndUnknownMethod_Is501) {
  HttpClient c(server_.port());
  EXPECT_EQ(c.request("TRACE", "/").status, 405);
  EXPECT_EQ(c.request("TRACE", "/nowhere").status, 405);
  EXPECT_EQ(c.request("BREW", "/").status, 501);
}

TEST_F(ServerTest, Options_OnKnownPathListsMethods) {
  HttpClient c(server_.port());
  auto r = c.request("OPTIONS", "/healthz");
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.header("Allow"), "GET, HEAD, OPTIONS");
}

TEST_F(ServerTest, Cors_AllowedOriginGetsCredentialsOthersNothing) {
  HttpClient c(server_.port());
  auto ok = c.get("/healthz", {{"Origin", "http://localhost:3000"}});
  EXPECT_EQ(ok.header("Access-Control-Allow-Origin"), "http://localhost:3000");
  EXPECT_EQ(ok.header("Access-Control-Allow-Credentials"), "true");
  EXPECT_EQ(ok.header("Vary"), "Origin");
  EXPECT_THAT(*ok.header("Access-Control-Expose-Headers"), HasSubstr("X-Request-Id"));

  auto evil = c.get("/healthz", {{"Origin", "https://evil.example"}});
  EXPECT_EQ(evil.status, 200);
  EXPECT_FALSE(evil.header("Access-Control-Allow-Origin").has_value());
  EXPECT_FALSE(evil.header("Access-Control-Allow-Credentials").has_value());
}

TEST_F(ServerTest, Cors_PreflightIs204WithMethodsAndHeaders) {
  HttpClient c(server_.port());
  auto r = c.request("OPTIONS", "/test/echo", "",
                     {{"Origin", "http://localhost:3000"},
                      {"Access-Control-Request-Method", "POST"},
                      {"Access-Control-Request-Headers", "content-type,authorization"}});
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.header("Access-Control-Allow-Origin"), "http://localhost:3000");
  EXPECT_EQ(r.header("Access-Control-Allow-Credentials"), "true");
  EXPECT_THAT(*r.header("Access-Control-Allow-Methods"), HasSubstr("POST"));
  EXPECT_THAT(*r.header("Access-Control-Allow-Headers"), HasSubstr("Authorization"));
  EXPECT_EQ(r.header("Access-Control-Max-Age"), "600");

  auto evil =
      c.request("OPTIONS", "/test/echo", "",
                {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(evil.status, 204);
  EXPECT_FALSE(evil.header("Access-Control-Allow-Origin").has_value());
  EXPECT_FALSE(evil.header("Access-Control-Allow-Methods").has_value());
}

TEST(ServerCorsWildcard, AnyOriginGetsStarWithoutCredentials) {
  TestServer server(Env{{"CLIENT_URL", "*"}});
  HttpClient c(server.port());
  auto r = c.get("/healthz", {{"Origin", "https://anywhere.example"}});
  EXPECT_EQ(r.header("Access-Control-Allow-Origin"), "*");
  EXPECT_FALSE(r.header("Access-Control-Allow-Credentials").has_value());
}

TEST_F(ServerTest, JsonBody_ParsedAndMalformedIs400) {
  HttpClient c(server_.port());
  auto ok = c.post_json("/test/echo", R"({"name":"Mug","price":"9.99"})");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.json().at("body").at("name"), "Mug");
  auto bad = c.post_json("/test/echo", R"({"name":)");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.json().at("message"), "Malformed JSON body");
  auto array = c.post_json("/test/echo", "[1,2]");
  EXPECT_EQ(array.status, 400);
  auto deep = c.post_json("/test/echo", std::string(100, '[') + std::string(100, ']'));
  EXPECT_EQ(deep.status, 400);
}

TEST_F(ServerTest, UrlencodedBody_ParsedLikeTheReference) {
  HttpClient c(server_.port());
  auto r = c.request("POST", "/test/echo", "name=Blue+Mug&tag=a&tag=b%26c",
                     {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(r.status, 200);
  auto body = r.json().at("body");
  EXPECT_EQ(body.at("name"), "Blue Mug");
  EXPECT_EQ(body.at("tag").as_array().size(), 2u);
  EXPECT_EQ(body.at("tag").as_array()[1], "b&c");
  auto bad = c.request("POST", "/test/echo", "a=%zz",
                       {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(bad.status, 400);
}

TEST_F(ServerTest, OtherContentType_Is415) {
  HttpClient c(server_.port());
  auto r = c.request("POST", "/test/echo", "hello", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(r.status, 415);
  EXPECT_THAT(r.json().at("message").as_string().c_str(), HasSubstr("application/json"));
  auto none = c.request("POST", "/test/echo", "hello");
  EXPECT_EQ(none.status, 415);
}

TEST_F(ServerTest, ValidationError_HasFieldErrors) {
  HttpClient c(server_.port());
  auto r = c.get("/test/invalid");
  EXPECT_EQ(r.status, 400);
  auto j = r.json();
  EXPECT_EQ(j.at("message"), "Validation failed");
  EXPECT_EQ(j.at("errors").at(0).at("field"), "price");
}

TEST_F(ServerTest, UnexpectedException_IsGeneric500AndLogged) {
  HttpClient c(server_.port());
  auto r = c.get("/test/boom", {{"X-Request-Id", "boom-1"}});
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.json().at("message"), "Internal Server Error");
  EXPECT_THAT(r.body, Not(HasSubstr("secret")));
  EXPECT_EQ(c.get("/healthz").status, 200);  // the server lives on
  EXPECT_THAT(server_.logs(), HasSubstr("rid=boom-1 what=secret internal detail"));
}

TEST_F(ServerTest, AccessLog_HasFieldsButNoQueryTokenOrCookie) {
  HttpClient c(server_.port());
  c.get("/healthz?token=supersecret", {{"Authorization", "Bearer abc.def.ghi"},
                                       {"Cookie", "refreshToken=cookiesecret"},
                                       {"X-Request-Id", "log-check"}});
  auto logs = server_.logs();
  EXPECT_THAT(logs, HasSubstr("method=GET path=/healthz status=200 bytes=15"));
  EXPECT_THAT(logs, HasSubstr("rid=log-check"));
  EXPECT_THAT(logs, HasSubstr("ip=127.0.0.1"));
  EXPECT_THAT(logs, Not(HasSubstr("supersecret")));
  EXPECT_THAT(logs, Not(HasSubstr("abc.def.ghi")));
  EXPECT_THAT(logs, Not(HasSubstr("cookiesecret")));
}

TEST_F(ServerTest, HeadersOver16KiB_Are431AndClose) {
  HttpClient c(server_.port());
  std::string big(17 * 1024, 'a');
  ASSERT_TRUE(c.send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + big + "\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(r->header("Connection"), "close");
  EXPECT_TRUE(c.wait_closed());
}

TEST_F(ServerTest, HeadersJustUnder16KiB_AreAccepted) {
  HttpClient c(server_.port());
  auto r = c.get("/healthz", {{"X-Big", std::string(15 * 1024, 'a')}});
  EXPECT_EQ(r.status, 200);
}

TEST_F(ServerTest, JsonBodyOver1MiB_Is413BeforeTheBodyIsRead) {
  HttpClient c(server_.port());
  ASSERT_TRUE(
      c.send_raw("POST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 "Content-Length: 2000000\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->json().at("message"), "Request body too large");
  EXPECT_TRUE(c.wait_closed());
}

TEST(ServerUploads, MultipartBodiesGetTheUploadLimitNotTheJsonOne) {
  TestServer server(Env{{"MAX_UPLOAD_MB", "2"}}, test_hooks());
  HttpClient c(server.port());
  std::string body(1536 * 1024, 'x');  // over the JSON limit, under MAX_UPLOAD_MB
  auto ok = c.request("POST", "/test/upload", body,
                      {{"Content-Type", "multipart/form-data; boundary=b"}});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.json().at("bytes"), body.size());
  EXPECT_EQ(ok.json().at("kind"), static_cast<int>(http::BodyKind::multipart));

  auto json = c.request("POST", "/test/upload", body, {{"Content-Type", "application/json"}});
  EXPECT_EQ(json.status, 413);

  HttpClient big(server.port());
  ASSERT_TRUE(big.send_raw(
      "POST /test/upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
      "Content-Length: 3000000\r\n\r\n"));
  auto r = big.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_TRUE(big.wait_closed());
}

TEST_F(ServerTest, ChunkedJsonBodyOver1MiB_Is413) {
  HttpClient c(server_.port());
  std::string chunk(512 * 1024, ' ');
  std::string req =
      "POST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i)
    req += "80000\r\n" + chunk + "\r\n";
  req += "0\r\n\r\n";
  c.send_raw(req);
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
}

TEST_F(ServerTest, ChunkedBodyWithinLimit_IsAccepted) {
  HttpClient c(server_.port());
  ASSERT_TRUE(
      c.send_raw("POST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n2\r\n1}\r\n0\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->json().at("body").at("a"), 1);
}

TEST_F(ServerTest, ExpectContinue_GetsInterim100) {
  HttpClient c(server_.port());
  ASSERT_TRUE(
      c.send_raw("POST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 "Content-Length: 7\r\nExpect: 100-continue\r\n\r\n"));
  auto interim = c.read_response(2s);
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(c.send_raw(R"({"a":1})"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

// Request smuggling: every ambiguous framing is refused and the connection closed, so a second
// request hidden in the body is never answered.
struct Framing {
  std::string name, request;
  friend void PrintTo(const Framing& f, std::ostream* os) { *os << f.name; }
};

class MalformedFraming : public ServerTest, public ::testing::WithParamInterface<Framing> {};

TEST_P(MalformedFraming, Is400AndCloseWithNoSecondAnswer) {
  HttpClient c(server_.port());
  ASSERT_TRUE(c.send_raw(GetParam().request + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->header("Connection"), "close");
  EXPECT_FALSE(c.read_response(500ms).has_value());
  EXPECT_TRUE(c.wait_closed());
}

INSTANTIATE_TEST_SUITE_P(
    Smuggling, MalformedFraming,
    ::testing::Values(
        Framing{"ContentLengthThenTransferEncoding",
                "POST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
        Framing{"TransferEncodingThenContentLength",
                "POST /test/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                "Content-Length: 4\r\n\r\n0\r\n\r\n"},
        Framing{"TransferEncodingNotEndingInChunked",
                "POST /test/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n"
                "\r\n0\r\n\r\n"},
        Framing{"TransferEncodingGzipWithContentLength",
                "POST /test/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n"
                "Content-Length: 2\r\n\r\n{}"},
        Framing{"TwoDifferentContentLengths",
                "POST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Content-Length: 2\r\nContent-Length: 40\r\n\r\n{}"},
        Framing{"ContentLengthList",
                "POST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2, 40\r\n\r\n{}"},
        Framing{"NegativeContentLength",
                "POST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"},
        Framing{"DuplicateHost", "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"},
        Framing{"Garbage", "THIS IS NOT HTTP\r\n\r\n"}),
    [](const auto& info) { return info.param.name; });

TEST_F(ServerTest, Http11WithoutHost_Is400AndClose) {
  HttpClient c(server_.port());
  ASSERT_TRUE(c.send_raw("GET /healthz HTTP/1.1\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->json().at("message"), "Missing Host header");
  EXPECT_TRUE(r->header("X-Request-Id").has_value());
  EXPECT_TRUE(c.wait_closed());
}

TEST_F(ServerTest, SlowHeaders_AreCutOffWhileOthersAreServed) {
  HttpClient slow(server_.port());
  ASSERT_TRUE(slow.send_raw("GET /healthz HTTP/1.1\r\n"));
  auto start = std::chrono::steady_clock::now();
  bool closed = false;
  // Trickle a header line every 300 ms: the 1 s header deadline must still end it.
  for (int i = 0; i < 20 && !closed; ++i) {
    HttpClient fast(server_.port());
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(fast.get("/healthz").status, 200);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
    closed = !slow.send_raw("X-Trickle: 1\r\n") || slow.wait_closed(300ms);
  }
  EXPECT_TRUE(closed);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST_F(ServerTest, SlowBody_IsCutOff) {
  HttpClient slow(server_.port());
  ASSERT_TRUE(
      slow.send_raw("POST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    "Content-Length: 100\r\n\r\n{"));
  EXPECT_TRUE(slow.wait_closed(3s));
}

TEST_F(ServerTest, IdleKeepAlive_IsClosed) {
  HttpClient c(server_.port());
  EXPECT_EQ(c.get("/healthz").status, 200);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.wait_closed(4s));
  EXPECT_GT(std::chrono::steady_clock::now() - t0, 1000ms);  // not before the idle timeout
}

TEST_F(ServerTest, Readyz_ReportsTheDatabase) {
  HttpClient c(server_.port());
  auto r = c.get("/readyz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json().at("database"), "ok");
}

TEST_F(ServerTest, Metrics_CountRequestsByRouteAndStatus) {
  HttpClient c(server_.port());
  c.get("/healthz");
  c.get("/healthz");
  c.get("/missing");
  auto r = c.get("/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(*r.header("Content-Type"), HasSubstr("text/plain"));
  EXPECT_THAT(
      r.body,
      HasSubstr(R"(shopd_http_requests_total{method="GET",route="/healthz",status="200"} 2)"));
  EXPECT_THAT(
      r.body,
      HasSubstr(R"(shopd_http_requests_total{method="any",route="unmatched",status="404"} 1)"));
  EXPECT_THAT(r.body, HasSubstr("shopd_http_request_duration_seconds_bucket{"));
  EXPECT_THAT(r.body, HasSubstr("shopd_db_pool_size 8"));
  EXPECT_THAT(r.body, HasSubstr("shopd_http_open_connections 1"));
}

TEST_F(ServerTest, GracefulShutdown_FinishesInFlightRequests) {
  HttpClient c(server_.port());
  ASSERT_TRUE(c.send_raw("GET /test/slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::this_thread::sleep_for(150ms);  // the request is running on a worker
  auto stopped = std::async(std::launch::async, [&] { server_.stop(); });
  auto r = c.read_response(3s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("Connection"), "close");
  EXPECT_EQ(stopped.wait_for(3s), std::future_status::ready);
  EXPECT_THROW(HttpClient(server_.port()), std::runtime_error);  // no longer accepting
}

TEST(ServerThreads, HealthAnswersOnTheIoThreadWhileEveryWorkerIsBusy) {
  TestServer server(Env{{"WORKER_THREADS", "1"}}, test_hooks());
  HttpClient busy(server.port());
  ASSERT_TRUE(busy.send_raw("GET /test/slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::this_thread::sleep_for(100ms);  // the only worker is now asleep in /test/slow
  HttpClient probe(server.port());
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(probe.get("/healthz").status, 200);
  EXPECT_EQ(probe.get("/metrics").status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 300ms);  // not queued behind the worker
  auto slow = busy.read_response(3s);
  ASSERT_TRUE(slow);
  EXPECT_EQ(slow->status, 200);
}

TEST(ServerRateLimit, GlobalBudgetPerClientThen429) {
  TestServer server(Env{{"RATE_LIMIT_MAX", "3"}, {"RATE_LIMIT_WINDOW", "60"}});
  HttpClient c(server.port());
  for (int i = 0; i < 3; ++i) {
    auto r = c.get("/");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.header("RateLimit-Limit"), "3");
    EXPECT_EQ(r.header("RateLimit-Remaining"), std::to_string(2 - i));
  }
  auto limited = c.get("/");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.json().at("message"), "Too many requests, please try again later.");
  int retry = std::stoi(*limited.header("Retry-After"));
  EXPECT_GT(retry, 0);
  EXPECT_LE(retry, 60);
  EXPECT_EQ(limited.header("RateLimit-Limit"), "3");
  EXPECT_EQ(limited.header("RateLimit-Remaining"), "0");
  EXPECT_EQ(limited.header("RateLimit-Reset"), limited.header("Retry-After"));
  EXPECT_EQ(limited.header_count("RateLimit-Limit"), 1u);
  // Probes are not counted, and a forged X-Forwarded-For changes nothing without TRUST_PROXY.
  EXPECT_EQ(c.get("/healthz").status, 200);
  EXPECT_EQ(c.get("/", {{"X-Forwarded-For", "203.0.113.9"}}).status, 429);
}

TEST(ServerRateLimit, AnswersMadeFromErrors_CarryTheBudgetToo) {
  TestServer server(Env{{"RATE_LIMIT_MAX", "3"}, {"RATE_LIMIT_WINDOW", "60"}});
  HttpClient c(server.port());
  auto missing = c.get("/api/products/000000000000000000000000");  // a 404 the route threw
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.header("RateLimit-Remaining"), "2");
  auto refused = c.get("/api/users/profile");  // a 401 of the auth middleware
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.header("RateLimit-Remaining"), "1");
}

TEST(ServerRateLimit, TrustProxyUsesTheAddressOurProxySaw) {
  TestServer server(Env{{"RATE_LIMIT_MAX", "2"}, {"TRUST_PROXY", "true"}});
  HttpClient c(server.port());
  // The client forges the left entry; our proxy appended the right one.
  for (int i = 0; i < 2; ++i)
    EXPECT_EQ(
        c.get("/", {{"X-Forwarded-For", "1.1.1." + std::to_string(i) + ", 198.51.100.7"}}).status,
        200);
  EXPECT_EQ(c.get("/", {{"X-Forwarded-For", "9.9.9.9, 198.51.100.7"}}).status, 429);
  EXPECT_EQ(c.get("/", {{"X-Forwarded-For", "198.51.100.8"}}).status, 200);
  EXPECT_THAT(server.logs(), HasSubstr("ip=198.51.100.8"));
}

TEST(ServerRateLimit, ZeroTurnsItOff) {
  TestServer server(Env{{"RATE_LIMIT_MAX", "0"}});
  HttpClient c(server.port());
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(c.get("/").status, 200);
  EXPECT_FALSE(c.get("/").header("RateLimit-Limit").has_value());
}

}  // namespace
}  // namespace shop::test
