// The admin sales report on every backend: its figures are SQL aggregates over local days of a
// time zone, cancelled orders count only by status, and money stays in minor units.
#include "analytics/analytics_store.hpp"

#include <gtest/gtest.h>

#include "analytics/analytics_service.hpp"
#include "auth/user_store.hpp"
#include "catalog/product_store.hpp"
#include "core/ids.hpp"
#include "fake_clock.hpp"
#include "orders/order_store.hpp"
#include "storage/migrator.hpp"
#include "store_fixture.hpp"

namespace shop::storage::store_test {
namespace {

using analytics::AnalyticsService;
using analytics::ReportQuery;
using orders::OrderStatus;

constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kDay = 24 * kHour;

// 2026-03-27T00:00:00Z, a Friday; Berlin moves to summer time on Sunday 2026-03-29.
constexpr std::int64_t kMar27 = 1'774'569'600'000;

CivilDate date(std::string_view text) {
  return parse_civil_date(text).value();
}

class AnalyticsStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped()) return;
    Migrator(*db_).apply();
  }

  std::string product(const std::string& name, std::int64_t stock, Cents price = 1000) {
    catalog::Product p;
    p.id = new_id();
    p.name = name;
    p.description = "d";
    p.price = price;
    p.category = "Kitchen";
    p.stock = stock;
    p.image_list = "list-" + name + ".webp";
    p.created_at = p.updated_at = 1000;
    auto lease = db_->acquire();
    catalog::ProductStore().insert(lease, p);
    return p.id;
  }

  std::string user(std::int64_t created_at, const std::string& role = "user") {
    auth::User u{new_id(),  new_id() + "@example.com", "U", "h", role, std::nullopt, created_at,
                 created_at};
    auto lease = db_->acquire();
    auth::UserStore().insert(lease, u);
    return u.id;
  }

  struct Line {
    std::string product;
    Cents price;
    std::int64_t quantity;
  };

  void order(std::int64_t at, std::vector<Line> lines, OrderStatus status = OrderStatus::placed) {
    orders::Order o;
    o.id = new_id();
    o.user_id = buyer_;
    o.status = status;
    for (const auto& l : lines) {
      o.items.push_back(
          {l.product, "line " + l.product.substr(0, 4), std::nullopt, l.price, l.quantity});
      o.total += l.price * l.quantity;
    }
    o.created_at = o.updated_at = at;
    auto lease = db_->acquire();
    orders::OrderStore().insert(lease, o);
  }

  analytics::Report report(std::string_view from, std::string_view to,
                           std::string_view zone = "UTC") {
    ReportQuery q;
    q.from = date(from);
    q.to = date(to);
    q.tz = TimeZone::load(zone).value();
    return AnalyticsService(*db_, clock_).report(q);
  }

  test::FakeClock clock_;
  std::string buyer_ = new_id();
};

TEST_P(AnalyticsStoreTest, Report_SumsEachDay_AndLeavesCancelledOrdersOutOfSales) {
  std::string mug = product("mug", 10);
  std::string cup = product("cup", 10);
  order(kMar27 - 1, {{mug, 99999, 1}});        // the day before: not in the range
  order(kMar27, {{mug, 1000, 1}});             // 27th, first instant
  order(kMar27 + 5 * kHour, {{cup, 275, 2}});  // 27th
  order(kMar27 + kDay + kHour, {{mug, 9900, 1}}, OrderStatus::cancelled);                // 28th
  order(kMar27 + 2 * kDay + 1, {{mug, 333, 1}, {cup, 275, 1}}, OrderStatus::delivered);  // 29th
  order(kMar27 + 3 * kDay, {{mug, 77777, 1}});  // the day after

  auto r = report("2026-03-27", "2026-03-29");
  ASSERT_EQ(r.daily.size(), 3u);
  EXPECT_EQ(r.daily[0].date, date("2026-03-27"));
  EXPECT_EQ(r.daily[0].totals.orders, 2);
  EXPECT_EQ(r.daily[0].totals.sales, 1550);
  EXPECT_EQ(r.daily[1].totals.orders, 0);  // only the cancelled one
  EXPECT_EQ(r.daily[1].totals.sales, 0);
  EXPECT_EQ(r.daily[2].totals.orders, 1);
  EXPECT_EQ(r.daily[2].totals.sales, 608);
  EXPECT_EQ(r.current.orders, 3);
  EXPECT_EQ(r.current.sales, 2158);
  EXPECT_EQ(analytics::average_order_value(r.current), 719);  // 719.33 cents
  EXPECT_EQ(r.units_sold, 5);                                 // 1 + 2 + 1 + 1, not the 9900
  // placed, paid, shipped, delivered, cancelled: the cancelled order counts here only.
  EXPECT_EQ(r.orders_by_status, (std::array<std::int64_t, 5>{2, 0, 0, 1, 1}));
  ASSERT_EQ(r.top_products.size(), 2u);
  EXPECT_EQ(r.top_products[0].product_id, mug);
  EXPECT_EQ(r.top_products[0].sales, 1333);
  EXPECT_EQ(r.top_products[0].units, 2);
  EXPECT_EQ(r.top_products[0].name, "mug");  // the product's current name
  EXPECT_EQ(r.top_products[0].image, "list-mug.webp");
  EXPECT_EQ(r.top_products[1].product_id, cup);
  EXPECT_EQ(r.top_products[1].sales, 825);
  EXPECT_EQ(r.top_products[1].units, 3);
}

TEST_P(AnalyticsStoreTest, Report_BucketsByLocalDaysOfTheZone_Across_A_DstChange) {
  std::string mug = product("mug", 10);
  // 2026-03-27T23:30Z is 00:30 on the 28th in Berlin (UTC+1).
  order(kMar27 + 23 * kHour + 30 * 60'000, {{mug, 100, 1}});
  // The 29th in Berlin lasts 23 hours: from 2026-03-28T23:00Z to 2026-03-29T22:00Z. An order
  // at 22:30Z is 00:30 on the 30th there (UTC+2).
  order(kMar27 + 2 * kDay + 22 * kHour + 30 * 60'000, {{mug, 200, 1}});
  order(kMar27 + 2 * kDay + 21 * kHour + 59 * 60'000, {{mug, 400, 1}});  // 23:59 on the 29th

  auto utc = report("2026-03-27", "2026-03-30");
  EXPECT_EQ(utc.daily[0].totals.sales, 100);
  EXPECT_EQ(utc.daily[2].totals.sales, 600);
  EXPECT_EQ(utc.daily[3].totals.sales, 0);

  auto berlin = report("2026-03-27", "2026-03-30", "Europe/Berlin");
  ASSERT_EQ(berlin.daily.size(), 4u);
  EXPECT_EQ(berlin.daily[0].totals.sales, 0);
  EXPECT_EQ(berlin.daily[1].totals.sales, 100);
  EXPECT_EQ(berlin.daily[2].totals.sales, 400);
  EXPECT_EQ(berlin.daily[3].totals.sales, 200);
  EXPECT_EQ(berlin.current.sales, 700);
}

TEST_P(AnalyticsStoreTest, Report_ComparesWithThePreviousPeriodOfTheSameLength) {
  std::string mug = product("mug", 10);
  // Previous period of 2026-03-29..31 is 2026-03-26..28: two orders of 10.00.
  order(kMar27 - kDay + kHour, {{mug, 1000, 1}});
  order(kMar27 + kDay + kHour, {{mug, 1000, 1}});
  order(kMar27 - 2 * kDay + kHour, {{mug, 5000, 1}});  // the 25th: in neither period
  // This period: three orders, 30.00.
  for (int i = 0; i < 3; ++i)
    order(kMar27 + (2 + i) * kDay + kHour, {{mug, 1000, 1}});

  auto r = report("2026-03-29", "2026-03-31");
  EXPECT_EQ(r.previous_from, date("2026-03-26"));
  EXPECT_EQ(r.previous_to, date("2026-03-28"));
  EXPECT_EQ(r.previous.orders, 2);
  EXPECT_EQ(r.previous.sales, 2000);
  EXPECT_EQ(r.current.sales, 3000);
  EXPECT_EQ(analytics::growth_tenths(r.previous.sales, r.current.sales), 500);
  EXPECT_EQ(analytics::growth_tenths(r.previous.orders, r.current.orders), 500);
}

TEST_P(AnalyticsStoreTest, NewCustomers_CountsAccountsOfTheRange_NotAdmins) {
  user(kMar27 - 1);
  user(kMar27);
  user(kMar27 + kDay);
  user(kMar27 + kDay, "admin");
  user(kMar27 + 2 * kDay);
  auto r = report("2026-03-27", "2026-03-28");
  EXPECT_EQ(r.new_customers, 2);
}

TEST_P(AnalyticsStoreTest, LowStock_ListsProductsAtOrBelowTheThreshold_LowestFirst) {
  product("plenty", 50);
  product("b-two", 2);
  product("a-two", 2);
  product("none", 0);
  product("five", 5);
  product("six", 6);
  auto lease = db_->acquire();
  auto rows = analytics::AnalyticsStore().low_stock(lease, 5, 50);
  std::vector<std::string> names;
  for (const auto& p : rows)
    names.push_back(p.name + ":" + std::to_string(p.stock));
  EXPECT_EQ(names, (std::vector<std::string>{"none:0", "a-two:2", "b-two:2", "five:5"}));
  EXPECT_EQ(analytics::AnalyticsStore().low_stock(lease, 5, 2).size(), 2u);
  EXPECT_TRUE(analytics::AnalyticsStore().low_stock(lease, -1, 50).empty());
}

TEST_P(AnalyticsStoreTest, TopProducts_KeepsTheFiveBestSellers_AndNamesDeletedOnesByTheirLine) {
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i)
    ids.push_back(product("p" + std::to_string(i), 10));
  for (int i = 0; i < 7; ++i)
    order(kMar27 + i * kHour, {{ids[i], 100 * (i + 1), 1}});
  {
    auto lease = db_->acquire();
    lease.execute("DELETE FROM products WHERE id = $1", {Value(ids[6])});
  }
  auto top = report("2026-03-27", "2026-03-27").top_products;
  ASSERT_EQ(top.size(), 5u);
  EXPECT_EQ(top[0].product_id, ids[6]);
  EXPECT_EQ(top[0].name, "line " + ids[6].substr(0, 4));  // gone from the catalog
  EXPECT_EQ(top[0].image, std::nullopt);
  EXPECT_EQ(top[1].name, "p5");
  EXPECT_EQ(top[4].product_id, ids[2]);
  EXPECT_EQ(top[4].sales, 300);
}

TEST_P(AnalyticsStoreTest, TopProducts_TiesGoByProductId) {
  std::string a = product("a", 10);
  std::string b = product("b", 10);
  order(kMar27, {{b, 500, 1}});
  order(kMar27 + 1, {{a, 250, 2}});
  auto top = report("2026-03-27", "2026-03-27").top_products;
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].product_id, std::min(a, b));
  EXPECT_EQ(top[0].sales, 500);
  EXPECT_EQ(top[1].sales, 500);
}

INSTANTIATE_TEST_SUITE_P(Backends, AnalyticsStoreTest, ::testing::ValuesIn(test::backend_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace shop::storage::store_test
