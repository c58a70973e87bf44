#include "http/metrics.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "http/router.hpp"

namespace shop::http {
namespace {

TEST(Metrics, HistogramBucketsAreCumulative) {
  Router router;
  router.add({.method = Method::get, .pattern = "/a", .handler = {}});
  Metrics m(router);
  m.record(0, 200, std::chrono::microseconds(50));        // <= 0.0001
  m.record(0, 200, std::chrono::microseconds(3000));      // <= 0.005
  m.record(0, 500, std::chrono::microseconds(20000000));  // +Inf
  std::string text = m.render();
  EXPECT_NE(text.find(R"(shopd_http_requests_total{method="GET",route="/a",status="200"} 2)"),
            std::string::npos);
  EXPECT_NE(text.find(R"(shopd_http_requests_total{method="GET",route="/a",status="500"} 1)"),
            std::string::npos);
  EXPECT_NE(text.find(R"(le="0.0001"} 1)"), std::string::npos);
  EXPECT_NE(text.find(R"(le="0.005"} 2)"), std::string::npos);
  EXPECT_NE(text.find(R"(le="+Inf"} 3)"), std::string::npos);
  EXPECT_NE(text.find(R"(shopd_http_request_duration_seconds_count{method="GET",route="/a"} 3)"),
            std::string::npos);
}

TEST(Metrics, RoutesAddedAfterItWasBuilt_GetSeriesOfTheirOwn) {
  Router router;
  Metrics m(router);  // the app builds it first, so routes can render it
  router.add({.method = Method::get, .pattern = "/a", .handler = {}});
  router.add({.method = Method::post, .pattern = "/b", .handler = {}});
  m.record(1, 201, std::chrono::microseconds(10));
  m.record(m.unmatched(), 404, std::chrono::microseconds(10));
  std::string text = m.render();
  EXPECT_NE(text.find(R"(shopd_http_requests_total{method="POST",route="/b",status="201"} 1)"),
            std::string::npos)
      << text;
  EXPECT_NE(
      text.find(R"(shopd_http_requests_total{method="any",route="unmatched",status="404"} 1)"),
      std::string::npos)
      << text;
}

TEST(Metrics, GaugesAreReadAtScrape) {
  Router router;
  Metrics m(router);
  int value = 3;
  m.add_gauge("shopd_test_gauge", "A test.", "gauge", [&value] { return value; });
  EXPECT_NE(m.render().find("shopd_test_gauge 3"), std::string::npos);
  value = 5;
  EXPECT_NE(m.render().find("shopd_test_gauge 5"), std::string::npos);
}

TEST(Metrics, ConcurrentRecordingLosesNothing) {
  Router router;
  router.add({.method = Method::get, .pattern = "/a", .handler = {}});
  Metrics m(router);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&m] {
      for (int i = 0; i < 10000; ++i)
        m.record(0, 200, std::chrono::microseconds(1));
    });
  for (auto& t : threads)
    t.join();
  EXPECT_NE(m.render().find(R"(status="200"} 40000)"), std::string::npos);
}

}  // namespace
}  // namespace shop::http
