// The files shopd serves itself (/openapi.json, /docs, /admin) over a real socket, and the rule
// that the OpenAPI document describes exactly the routes the router has.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <regex>
#include <set>

#include "http_client.hpp"
#include "test_server.hpp"

namespace shop::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// "/api/products/{id}" → "/api/products/:id", as the router writes patterns.
std::string router_pattern(std::string path) {
  return std::regex_replace(path, std::regex(R"(\{([A-Za-z0-9_]+)\})"), ":$1");
}

class Pages : public ::testing::Test {
 protected:
  TestServer server_;
  HttpClient client_{server_.port()};
};

TEST_F(Pages, OpenApiDocument_HasExactlyTheRoutersOperations) {
  auto r = client_.get("/openapi.json");
  ASSERT_EQ(r.status, 200);
  auto doc = r.json().as_object();
  std::set<std::string> documented;
  for (const auto& [path, item] : doc.at("paths").as_object())
    for (const auto& [method, operation] : item.as_object()) {
      static const std::set<std::string> kMethods = {"get",   "put",  "post",    "delete",
                                                     "patch", "head", "options", "trace"};
      if (!kMethods.contains(std::string(method))) continue;  // parameters, summary, ...
      std::string m(method);
      for (char& c : m)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      documented.insert(m + " " + router_pattern(std::string(path)));
    }
  std::set<std::string> routed;
  for (const auto& [method, pattern] : server_.app().operations())
    routed.insert(method + " " + pattern);
  std::vector<std::string> undocumented, unrouted;
  std::set_difference(routed.begin(), routed.end(), documented.begin(), documented.end(),
                      std::back_inserter(undocumented));
  std::set_difference(documented.begin(), documented.end(), routed.begin(), routed.end(),
                      std::back_inserter(unrouted));
  EXPECT_THAT(undocumented, ::testing::IsEmpty()) << "routes docs/openapi.json lacks";
  EXPECT_THAT(unrouted, ::testing::IsEmpty()) << "operations docs/openapi.json has, no route";
  EXPECT_GT(routed.size(), 30u);
}

TEST_F(Pages, OpenApiDocument_Is31_WithETagAndRevalidation) {
  auto r = client_.get("/openapi.json");
  ASSERT_EQ(r.status, 200);
  EXPECT_THAT(r.header("Content-Type").value_or(""), StartsWith("application/json"));
  EXPECT_THAT(std::string(r.json().at("openapi").as_string()), StartsWith("3.1."));
  auto etag = r.header("ETag");
  ASSERT_TRUE(etag.has_value());
  EXPECT_EQ(r.header("Cache-Control"), "no-cache");
  auto again = client_.get("/openapi.json", {{"If-None-Match", *etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  // The API keeps its own policy: nothing in the document may run as a page.
  EXPECT_THAT(r.header("Content-Security-Policy").value_or(""), HasSubstr("default-src 'none'"));
}

TEST_F(Pages, AdminAndDocs_AreServed_WithAStrictPolicy_AndOnlyTheirOwnAssets) {
  for (std::string page : {"/admin", "/admin/", "/docs", "/docs/"}) {
    SCOPED_TRACE(page);
    auto r = client_.get(page);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_THAT(r.header("Content-Type").value_or(""), StartsWith("text/html"));
    std::string csp = r.header("Content-Security-Policy").value_or("");
    EXPECT_THAT(csp, HasSubstr("default-src 'self'"));
    EXPECT_THAT(csp, HasSubstr("script-src 'self';"));
    EXPECT_THAT(csp, HasSubstr("frame-ancestors 'none'"));
    EXPECT_THAT(csp, Not(HasSubstr("unsafe-inline")));
    EXPECT_THAT(csp, Not(HasSubstr("unsafe-eval")));
    EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");
    // No inline script, and nothing loaded from another origin.
    EXPECT_FALSE(std::regex_search(r.body, std::regex("<script(>| (?![^>]*src=))"))) << r.body;
    EXPECT_FALSE(std::regex_search(r.body, std::regex("(src|href)=\"(https?:)?//"))) << r.body;
    // Each script and stylesheet it names is served.
    std::regex asset(R"re((?:src|href)="(/(?:admin|docs)/[^"]+)")re");
    int assets = 0;
    for (std::sregex_iterator it(r.body.begin(), r.body.end(), asset), end; it != end; ++it) {
      auto a = client_.get((*it)[1].str());
      EXPECT_EQ(a.status, 200) << (*it)[1].str();
      ++assets;
    }
    EXPECT_GE(assets, 2);
  }
  auto js = client_.get("/docs/swagger-ui-bundle.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_THAT(js.header("Content-Type").value_or(""), StartsWith("text/javascript"));
  auto missing = client_.get("/admin/nothing-here.js");
  EXPECT_EQ(missing.status, 404);
  EXPECT_TRUE(missing.json().as_object().contains("message"));
  EXPECT_EQ(client_.get("/admin/..%2F..%2Fopenapi.json").status, 404);
}

TEST(PagesPolicy, AllowsPicturesFromThePublicUrl) {
  TestServer server(Env{{"PUBLIC_URL", "https://cdn.shop.example:8443/base"}});
  HttpClient c(server.port());
  std::string csp = c.get("/admin").header("Content-Security-Policy").value_or("");
  EXPECT_THAT(csp, HasSubstr("img-src 'self' data: blob: https://cdn.shop.example:8443;"));
}

}  // namespace
}  // namespace shop::test
