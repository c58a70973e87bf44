// GET /api/admin/analytics over a real socket, on every backend: who may read it, what it
// refuses, and that its figures follow real orders placed and cancelled through the API.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/time.hpp"
#include "core/time_zone.hpp"
#include "shop_api.hpp"

namespace shop::test {
namespace {

class AnalyticsApi : public ShopApi {
 protected:
  std::string today() const {
    return to_string(TimeZone::utc().local_date(epoch_ms(clock_.now()) / 1000));
  }
  boost::json::value report(const std::string& query = "") {
    auto r = client_->get("/api/admin/analytics" + query, admin_);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json();
  }
};

TEST_P(AnalyticsApi, OnlyAdminsMayReadIt) {
  EXPECT_EQ(client_->get("/api/admin/analytics").status, 401);
  auto r = client_->get("/api/admin/analytics", alice_);
  EXPECT_EQ(r.status, 403);
  EXPECT_TRUE(r.json().as_object().contains("message"));
  EXPECT_EQ(client_->get("/api/admin/analytics", admin_).status, 200);
}

TEST_P(AnalyticsApi, BadQueries_Are400WithTheFields) {
  auto r = client_->get("/api/admin/analytics?from=2026-13-01&tz=Nowhere/City&lowStock=x", admin_);
  ASSERT_EQ(r.status, 400) << r.body;
  auto errors = r.json().at("errors").as_array();
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].at("field"), "from");
  EXPECT_EQ(errors[1].at("field"), "tz");
  EXPECT_EQ(errors[2].at("field"), "lowStock");
  r = client_->get("/api/admin/analytics?from=2024-01-01&to=2025-06-01", admin_);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json().at("errors").at(0).at("field"), "from");
}

TEST_P(AnalyticsApi, FollowsOrdersPlacedAndCancelled) {
  auto empty = report();
  EXPECT_EQ(empty.at("range").at("to").as_string(), today());
  EXPECT_EQ(empty.at("range").at("days"), 30);
  EXPECT_EQ(empty.at("daily").as_array().size(), 30u);
  EXPECT_EQ(empty.at("summary").at("orders"), 0);
  EXPECT_TRUE(empty.at("growth").at("sales").is_null());

  std::string mug = product("Mug", 1999, 10);
  std::string tea = product("Tea", 350, 3);
  ASSERT_EQ(add(alice_, mug, 2).status, 200);
  ASSERT_EQ(place(*client_, alice_).status, 201);
  ASSERT_EQ(add(bob_, tea, 3).status, 200);
  auto second = place(*client_, bob_);
  ASSERT_EQ(second.status, 201);
  ASSERT_EQ(add(bob_, mug, 1).status, 200);
  auto third = place(*client_, bob_);
  ASSERT_EQ(third.status, 201);
  std::string cancelled(third.json().at("order").at("_id").as_string());
  ASSERT_EQ(client_->post_json("/api/orders/" + cancelled + "/cancel", "{}", bob_).status, 200);

  auto raw = client_->get("/api/admin/analytics?lowStock=3", admin_);
  ASSERT_EQ(raw.status, 200);
  // Money as products show prices: exact decimals.
  EXPECT_THAT(raw.body, ::testing::HasSubstr(R"("sales":50.48,)"));  // 2 × 19.99 + 3 × 3.50
  EXPECT_THAT(raw.body, ::testing::HasSubstr(R"("averageOrderValue":25.24,)"));
  auto r = raw.json();
  auto summary = r.at("summary");
  EXPECT_EQ(summary.at("orders"), 2);
  EXPECT_EQ(summary.at("unitsSold"), 5);
  auto by_status = r.at("ordersByStatus");
  EXPECT_EQ(by_status.at("placed"), 2);
  EXPECT_EQ(by_status.at("cancelled"), 1);
  auto daily = r.at("daily").as_array();
  EXPECT_EQ(daily.back().at("date").as_string(), today());
  EXPECT_EQ(daily.back().at("orders"), 2);
  auto top = r.at("topProducts").as_array();
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].at("_id").as_string(), mug);
  EXPECT_EQ(top[0].at("unitsSold"), 2);  // the cancelled order's mug is not counted
  EXPECT_EQ(top[1].at("name"), "Tea");
  auto low = r.at("lowStock").as_array();
  ASSERT_EQ(low.size(), 1u);  // tea sold out; the mug has 8 (its cancelled unit came back)
  EXPECT_EQ(low[0].at("_id").as_string(), tea);
  EXPECT_EQ(low[0].at("stock"), 0);
  // A range without today does not see them; neither does the growth of the one before.
  auto before = report("?to=2020-01-31");
  EXPECT_EQ(before.at("summary").at("orders"), 0);
  EXPECT_EQ(before.at("range").at("from"), "2020-01-02");
}

INSTANTIATE_TEST_SUITE_P(Backends, AnalyticsApi, ::testing::ValuesIn(backend_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace shop::test
