// The middleware chain without a server: a Pipeline driven with hand-made requests.
#include "http/middleware.hpp"

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <sstream>

#include "cache/in_process_rate_limiter.hpp"
#include "fake_clock.hpp"
#include "http/metrics.hpp"

namespace shop::http {
namespace {

using test::FakeClock;

class MiddlewareTest : public ::testing::Test {
 protected:
  MiddlewareTest() : log_("t", std::make_shared<spdlog::sinks::ostream_sink_st>(out_)) {
    router_.add({.method = Method::get, .pattern = "/ok", .handler = [](Request&, RequestContext&) {
                   return Response::json(200, "{}");
                 }});
    router_.add(
        {.method = Method::post, .pattern = "/echo", .handler = [](Request&, RequestContext& ctx) {
           return Response::json(200, boost::json::serialize(ctx.body));
         }});
    router_.add({.method = Method::get,
                 .pattern = "/probe",
                 .handler = [](Request&, RequestContext&) { return Response::json(200, "{}"); },
                 .rate_limited = false});
  }

  Response run(Request req, RequestContext* out_ctx = nullptr) {
    RequestContext ctx;
    ctx.client_ip = "10.0.0.1";
    req.path = req.target.substr(0, req.target.find('?'));
    pipeline_.route(req, ctx);
    Response r = pipeline_.handle(req, ctx);
    if (out_ctx) *out_ctx = ctx;
    return r;
  }

  static Request get(std::string target) {
    Request r;
    r.method = Method::get;
    r.method_text = "GET";
    r.target = std::move(target);
    return r;
  }

  std::ostringstream out_;
  spdlog::logger log_;
  Router router_;
  Pipeline pipeline_{router_, log_};
};

TEST_F(MiddlewareTest, ErrorMapper_TurnsThrownErrorsIntoResponsesThatStillGetHeaders) {
  pipeline_.use(request_id());
  pipeline_.use(security_headers());
  pipeline_.use(error_mapper(log_));
  auto r = run(get("/missing"));
  EXPECT_EQ(r.status, 404);
  EXPECT_TRUE(r.headers.get("X-Request-Id").has_value());
  EXPECT_NE(r.fixed_headers.find("X-Frame-Options: SAMEORIGIN\r\n"), std::string::npos);
}

TEST_F(MiddlewareTest, SecurityHeaders_KeepWhatTheRouteSet) {
  router_.add(
      {.method = Method::get, .pattern = "/media", .handler = [](Request&, RequestContext&) {
         Response r = Response::text(200, "img", "image/webp");
         r.headers.add("Cross-Origin-Resource-Policy", "cross-origin");
         return r;
       }});
  pipeline_.use(security_headers());
  auto r = run(get("/media"));
  EXPECT_EQ(r.headers.get("Cross-Origin-Resource-Policy"), "cross-origin");
  EXPECT_EQ(r.fixed_headers.find("Cross-Origin-Resource-Policy"), std::string::npos);
  EXPECT_NE(r.fixed_headers.find("X-Content-Type-Options: nosniff\r\n"), std::string::npos);
}

TEST_F(MiddlewareTest, ClientAddress_IgnoresForwardedForUnlessTrusted) {
  pipeline_.use(client_address(0));
  Request req = get("/ok");
  req.headers.add("X-Forwarded-For", "1.2.3.4");
  RequestContext ctx;
  run(req, &ctx);
  EXPECT_EQ(ctx.client_ip, "10.0.0.1");
}

TEST_F(MiddlewareTest, ClientAddress_TakesTheEntryOurProxiesAdded) {
  pipeline_.use(client_address(2));
  Request req = get("/ok");
  req.headers.add("X-Forwarded-For", "6.6.6.6, 1.2.3.4, 192.168.0.2");
  RequestContext ctx;
  run(req, &ctx);
  EXPECT_EQ(ctx.client_ip, "1.2.3.4");
}

TEST_F(MiddlewareTest, RateLimit_CountsPerClientAndResetsAfterTheWindow) {
  FakeClock clock;
  cache::InProcessRateLimiter limiter(clock);
  pipeline_.use(error_mapper(log_));
  pipeline_.use(rate_limit(limiter, {2, std::chrono::seconds(60)}));
  EXPECT_EQ(run(get("/ok")).status, 200);
  EXPECT_EQ(run(get("/ok")).headers.get("RateLimit-Remaining"), "0");
  auto limited = run(get("/ok"));
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.headers.get("Retry-After"), "60");
  EXPECT_EQ(run(get("/probe")).status, 200);  // not counted
  clock.advance(std::chrono::seconds(61));
  EXPECT_EQ(run(get("/ok")).status, 200);
}

TEST_F(MiddlewareTest, BodyParser_JsonFormAndUnsupported) {
  pipeline_.use(error_mapper(log_));
  pipeline_.use(body_parser());
  Request req;
  req.method = Method::post;
  req.target = "/echo";
  req.body = R"({"x":1})";
  req.headers.add("Content-Type", "application/json; charset=utf-8");
  EXPECT_EQ(boost::json::parse(run(req).body).at("x"), 1);

  req.headers.set("Content-Type", "application/vnd.api+json");
  EXPECT_EQ(run(req).status, 200);

  req.headers.set("Content-Type", "text/xml");
  EXPECT_EQ(run(req).status, 415);

  req.headers.set("Content-Type", "multipart/form-data; boundary=x");
  EXPECT_EQ(run(req).status, 415);  // this route takes no files
}

TEST_F(MiddlewareTest, AccessLog_RecordsMetricsAndOneLine) {
  Metrics metrics(router_);
  pipeline_.use(access_log(log_, metrics));
  run(get("/ok?secret=1"));
  log_.flush();
  EXPECT_NE(out_.str().find("method=GET path=/ok status=200"), std::string::npos);
  EXPECT_EQ(out_.str().find("secret"), std::string::npos);
  EXPECT_NE(metrics.render().find(R"(route="/ok",status="200"} 1)"), std::string::npos);
}

}  // namespace
}  // namespace shop::http
