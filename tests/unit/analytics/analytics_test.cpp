#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "analytics/analytics_json.hpp"
#include "analytics/analytics_service.hpp"
#include "core/error.hpp"

namespace shop::analytics {
namespace {

// 2026-12-02T10:00:00Z; in Pacific/Kiritimati (UTC+14) it is already the 3rd.
constexpr std::int64_t kNow = 1'796'205'600'000;

std::optional<TimeZone> zones(std::string_view name) {
  return TimeZone::load(name);
}

ReportQuery read(std::string_view query) {
  return read_report_query(query, kNow, zones);
}

// The field errors of a query that must be refused, as "field: message" lines.
std::vector<std::string> refused(std::string_view query) {
  try {
    read(query);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_input);
    std::vector<std::string> out;
    for (const auto& f : e.fields())
      out.push_back(f.field + ": " + f.message);
    return out;
  }
  ADD_FAILURE() << "accepted: " << query;
  return {};
}

TEST(AnalyticsQuery, DefaultsToTheThirtyDaysEndingToday) {
  auto q = read("");
  EXPECT_EQ(to_string(q.to), "2026-12-02");
  EXPECT_EQ(to_string(q.from), "2026-11-03");
  EXPECT_EQ(q.days(), 30);
  EXPECT_EQ(q.tz.name(), "UTC");
  EXPECT_EQ(q.low_stock, kDefaultLowStock);
}

TEST(AnalyticsQuery, TodayIsTheDateInTheRequestedZone) {
  auto q = read("tz=Pacific/Kiritimati");
  EXPECT_EQ(to_string(q.to), "2026-12-03");
  EXPECT_EQ(q.tz.name(), "Pacific/Kiritimati");
}

TEST(AnalyticsQuery, FromOrToAlone) {
  auto from = read("from=2026-11-20");
  EXPECT_EQ(to_string(from.from), "2026-11-20");
  EXPECT_EQ(to_string(from.to), "2026-12-02");
  auto future = read("from=2027-01-01");
  EXPECT_EQ(to_string(future.to), "2027-01-30");
  auto to = read("to=2026-02-28");
  EXPECT_EQ(to_string(to.from), "2026-01-30");
  auto both = read("from=2024-02-28&to=2024-03-01&lowStock=0");
  EXPECT_EQ(both.days(), 3);  // a leap year
  EXPECT_EQ(both.low_stock, 0);
}

TEST(AnalyticsQuery, AtMost366Days) {
  EXPECT_EQ(read("from=2024-01-01&to=2024-12-31").days(), 366);
  EXPECT_EQ(refused("from=2024-01-01&to=2025-01-01"),
            std::vector<std::string>{"from: the range is at most 366 days"});
}

TEST(AnalyticsQuery, RefusesBadInputWithOneErrorPerField) {
  EXPECT_EQ(refused("from=2026-02-30"),
            std::vector<std::string>{"from: must be a date as YYYY-MM-DD"});
  EXPECT_EQ(
      refused("to=yesterday&tz=Mars/Olympus&lowStock=-1"),
      (std::vector<std::string>{"to: must be a date as YYYY-MM-DD",
                                "tz: must be an IANA time zone name, such as UTC or Europe/Berlin",
                                "lowStock: must be an integer from 0 to 1000000"}));
  EXPECT_EQ(refused("tz=../../etc/passwd").size(), 1u);
  EXPECT_EQ(refused("lowStock=1000001").size(), 1u);
  EXPECT_EQ(refused("lowStock=2.5").size(), 1u);
  EXPECT_EQ(refused("from=2026-03-02&to=2026-03-01"),
            std::vector<std::string>{"to: must not be before from"});
}

TEST(AnalyticsMoney, AverageOrderValueRoundsHalfUp) {
  EXPECT_EQ(average_order_value({0, 0}), 0);
  EXPECT_EQ(average_order_value({3, 1000}), 333);  // 333.33
  EXPECT_EQ(average_order_value({2, 1001}), 501);  // 500.5
  EXPECT_EQ(average_order_value({3, 2158}), 719);
}

TEST(AnalyticsGrowth, TenthsOfAPercent_RoundedHalfAwayFromZero_NullWithoutABase) {
  EXPECT_EQ(growth_tenths(0, 10), std::nullopt);
  EXPECT_EQ(growth_tenths(100, 100), 0);
  EXPECT_EQ(growth_tenths(100, 150), 500);
  EXPECT_EQ(growth_tenths(2000, 1000), -500);
  EXPECT_EQ(growth_tenths(3, 4), 333);      // 33.33 %
  EXPECT_EQ(growth_tenths(3, 5), 667);      // 66.67 %
  EXPECT_EQ(growth_tenths(2000, 2001), 1);  // 0.05 % → 0.1
  EXPECT_EQ(growth_tenths(2000, 1999), -1);
  EXPECT_EQ(growth_tenths(9'999'999'999'999, 1), -1000);  // no overflow
}

TEST(AnalyticsJson, WritesTheContractShape_WithExactMoney) {
  Report r;
  r.query.from = parse_civil_date("2026-11-30").value();
  r.query.to = parse_civil_date("2026-12-01").value();
  r.previous_from = parse_civil_date("2026-11-28").value();
  r.previous_to = parse_civil_date("2026-11-29").value();
  r.current = {3, 2158};
  r.previous = {2, 2000};
  r.units_sold = 5;
  r.new_customers = 1;
  r.daily = {{r.query.from, {1, 1999}}, {r.query.to, {2, 159}}};
  r.top_products = {{"p1", "Mug", "a.webp", 2, 1999}, {"p2", "Cup", std::nullopt, 1, 10}};
  r.orders_by_status = {1, 2, 0, 0, 4};
  r.low_stock = {{"p3", "Bowl", 0}};
  auto json = boost::json::parse(report_json(r, "https://shop.example/media/"));
  auto expected = boost::json::parse(R"({
    "range": {"from": "2026-11-30", "to": "2026-12-01", "tz": "UTC", "days": 2},
    "previous": {"from": "2026-11-28", "to": "2026-11-29"},
    "summary": {"sales": 21.58, "orders": 3, "averageOrderValue": 7.19, "unitsSold": 5,
                "newCustomers": 1},
    "growth": {"sales": 7.9, "orders": 50, "averageOrderValue": -28.1},
    "daily": [{"date": "2026-11-30", "sales": 19.99, "orders": 1},
              {"date": "2026-12-01", "sales": 1.59, "orders": 2}],
    "topProducts": [
      {"_id": "p1", "name": "Mug", "image": "https://shop.example/media/a.webp", "unitsSold": 2,
       "sales": 19.99},
      {"_id": "p2", "name": "Cup", "image": null, "unitsSold": 1, "sales": 0.1}],
    "ordersByStatus": {"placed": 1, "paid": 2, "shipped": 0, "delivered": 0, "cancelled": 4},
    "lowStock": [{"_id": "p3", "name": "Bowl", "stock": 0}]
  })");
  EXPECT_EQ(json, expected) << boost::json::serialize(json);
}

TEST(AnalyticsJson, GrowthIsNullWhenThePreviousPeriodHadNoOrders) {
  Report r;
  r.query.from = r.query.to = parse_civil_date("2026-12-01").value();
  r.current = {1, 100};
  auto growth = boost::json::parse(report_json(r, "/")).at("growth");
  EXPECT_EQ(growth, boost::json::parse(R"({"sales":null,"orders":null,"averageOrderValue":null})"));
  // Orders before, but all of them free: the sales and the order value have no base.
  r.previous = {2, 0};
  growth = boost::json::parse(report_json(r, "/")).at("growth");
  EXPECT_EQ(growth, boost::json::parse(R"({"sales":null,"orders":-50,"averageOrderValue":null})"));
}

}  // namespace
}  // namespace shop::analytics
