#include "http/router.hpp"

#include <gtest/gtest.h>

namespace shop::http {
namespace {

Handler named(std::string name) {
  return [name](Request&, RequestContext&) { return Response::text(200, name, "text/plain"); };
}

std::string call(const RouteMatch& m) {
  Request req;
  RequestContext ctx;
  return m.route ? m.route->handler(req, ctx).body : "";
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.add({.method = Method::get, .pattern = "/api/products", .handler = named("list")});
    router_.add({.method = Method::post, .pattern = "/api/products", .handler = named("create")});
    router_.add({.method = Method::get,
                 .pattern = "/api/products/categories",
                 .handler = named("categories")});
    router_.add(
        {.method = Method::get, .pattern = "/api/products/:id", .handler = named("detail")});
    router_.add(
        {.method = Method::put, .pattern = "/api/products/:id", .handler = named("update")});
    router_.add(
        {.method = Method::del, .pattern = "/api/products/:id", .handler = named("delete")});
    router_.add(
        {.method = Method::patch, .pattern = "/api/orders/:id/status", .handler = named("status")});
  }
  Router router_;
};

TEST_F(RouterTest, StaticRoute_MatchesExactly) {
  EXPECT_EQ(call(router_.match(Method::get, "/api/products")), "list");
  EXPECT_EQ(call(router_.match(Method::post, "/api/products")), "create");
}

TEST_F(RouterTest, Parameter_IsCapturedAndDecoded) {
  auto m = router_.match(Method::get, "/api/products/abc%2Fdef");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(call(m), "detail");
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].first, "id");
  EXPECT_EQ(m.params[0].second, "abc/def");
}

TEST_F(RouterTest, NestedParameter_Matches) {
  auto m = router_.match(Method::patch, "/api/orders/7/status");
  EXPECT_EQ(call(m), "status");
  EXPECT_EQ(m.params.at(0).second, "7");
}

TEST_F(RouterTest, StaticSegmentWinsOverParameterForItsMethod) {
  EXPECT_EQ(call(router_.match(Method::get, "/api/products/categories")), "categories");
  // Another method on the static path falls through to the parameter route, as in Express.
  auto m = router_.match(Method::del, "/api/products/categories");
  EXPECT_EQ(call(m), "delete");
  EXPECT_EQ(m.params.at(0).second, "categories");
}

TEST_F(RouterTest, TrailingSlash_IsIgnored) {
  EXPECT_EQ(call(router_.match(Method::get, "/api/products/")), "list");
  EXPECT_EQ(call(router_.match(Method::get, "/api/products/5/")), "detail");
}

TEST_F(RouterTest, Paths_AreCaseSensitive) {
  EXPECT_EQ(router_.match(Method::get, "/API/products").route, nullptr);
}

TEST_F(RouterTest, Head_UsesTheGetRoute) {
  EXPECT_EQ(call(router_.match(Method::head, "/api/products/1")), "detail");
}

TEST_F(RouterTest, UnknownPath_IsNotKnown) {
  auto m = router_.match(Method::get, "/api/nothing");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_FALSE(m.path_known);
  EXPECT_FALSE(router_.match(Method::get, "/api/products/1/extra").path_known);
  EXPECT_FALSE(router_.match(Method::get, "/api//products").path_known);
}

TEST_F(RouterTest, KnownPathOtherMethod_ListsAllowedMethods) {
  auto m = router_.match(Method::patch, "/api/products");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.path_known);
  EXPECT_EQ(m.allow, "GET, HEAD, POST, OPTIONS");
  auto d = router_.match(Method::post, "/api/products/9");
  EXPECT_EQ(d.allow, "GET, HEAD, PUT, DELETE, OPTIONS");
}

TEST_F(RouterTest, MalformedEscapeInParameter_DoesNotMatch) {
  EXPECT_EQ(router_.match(Method::get, "/api/products/%G1").route, nullptr);
  EXPECT_EQ(router_.match(Method::get, "/api/products/%00").route, nullptr);
}

TEST_F(RouterTest, DuplicateRoute_Throws) {
  EXPECT_THROW(
      router_.add(
          {.method = Method::get, .pattern = "/api/products/:id", .handler = named("again")}),
      std::logic_error);
  EXPECT_THROW(
      router_.add({.method = Method::get, .pattern = "/api/products/", .handler = named("again")}),
      std::logic_error);
}

TEST_F(RouterTest, RouteIndexes_FollowTheTable) {
  for (std::size_t i = 0; i < router_.routes().size(); ++i)
    EXPECT_EQ(router_.routes()[i]->index, i);
}

TEST(PercentDecode, DecodesAndRejectsMalformed) {
  std::string out;
  EXPECT_TRUE(percent_decode("a%20b%C3%A9", out));
  EXPECT_EQ(out, "a b\xC3\xA9");
  EXPECT_FALSE(percent_decode("%", out));
  EXPECT_FALSE(percent_decode("%4", out));
  EXPECT_FALSE(percent_decode("%zz", out));
  EXPECT_FALSE(percent_decode("a%00b", out));
  EXPECT_TRUE(percent_decode("plain+text", out));
  EXPECT_EQ(out, "plain+text");
}

}  // namespace
}  // namespace shop::http
