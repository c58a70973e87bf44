// The admin sales report on every backend: its figures are SQL aggregates over local days of a
// time zone, cancelled orders count only by status, and money stays in minor units.
#include "analytics/analytics_store.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "analytics/analytics_service.hpp"
#include "auth/user_store.hpp"
#include "catalog/product_store.hpp"
#include "core/ids.hpp"
#include "core/time_zone.hpp"
#include "fake_clock.hpp"
#include "orders/order_store.hpp"
#include "storage/migrator.hpp"
#include "storage/transaction.hpp"
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

  orders::Order order(std::int64_t at, std::vector<Line> lines,
                      OrderStatus status = OrderStatus::placed) {
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
    return o;
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

// What a report must say, worked out from the orders one by one: the local day of each order in
// the zone, its status now, and whether it counts as a sale.
struct Expected {
  std::vector<analytics::SalesTotals> daily;
  analytics::SalesTotals current;
  analytics::SalesTotals previous;
  std::array<std::int64_t, 5> by_status{};
  std::int64_t units = 0;
  std::vector<analytics::ProductSales> top;
};

Expected expect(const std::vector<orders::Order>& all, const TimeZone& tz, CivilDate from,
                std::int64_t days) {
  Expected e;
  e.daily.resize(static_cast<std::size_t>(days));
  std::map<std::string, analytics::ProductSales> products;
  for (const auto& o : all) {
    std::int64_t day = days_from_civil(tz.local_date(o.created_at / 1000)) - days_from_civil(from);
    bool sale = o.status != OrderStatus::cancelled;
    if (day >= -days && day < 0 && sale) {
      e.previous.orders += 1;
      e.previous.sales += o.total;
    }
    if (day < 0 || day >= days) continue;
    e.by_status[static_cast<std::size_t>(o.status)] += 1;
    if (!sale) continue;
    auto& d = e.daily[static_cast<std::size_t>(day)];
    d.orders += 1;
    d.sales += o.total;
    e.current.orders += 1;
    e.current.sales += o.total;
    for (const auto& item : o.items) {
      auto& p = products[item.product_id];
      p.product_id = item.product_id;
      p.units += item.quantity;
      p.sales += item.price * item.quantity;
      e.units += item.quantity;
    }
  }
  for (auto& [id, p] : products)
    e.top.push_back(p);
  std::sort(e.top.begin(), e.top.end(), [](const auto& a, const auto& b) {
    return a.sales != b.sales ? a.sales > b.sales : a.product_id < b.product_id;
  });
  if (e.top.size() > 5) e.top.resize(5);
  return e;
}

// The report reads running totals per UTC hour and per UTC day, kept as orders are placed and
// moved; whatever the zone (whole-hour offsets, UTC+05:30, UTC+05:45, UTC-03:30, a change to
// summer time), it must say exactly what the orders themselves say.
TEST_P(AnalyticsStoreTest, Report_FromTheRunningTotals_SaysWhatTheOrdersSay_InEveryZone) {
  std::mt19937_64 rng(20261202);
  auto below = [&](std::int64_t n) { return static_cast<std::int64_t>(rng() % n); };
  std::vector<std::string> ids;
  for (int i = 0; i < 8; ++i)
    ids.push_back(product("p" + std::to_string(i), 1000));
  std::vector<orders::Order> all;
  for (int i = 0; i < 300; ++i) {
    // From 2026-03-21 to 2026-04-02; some exactly on a whole hour or quarter hour.
    std::int64_t at = kMar27 - 6 * kDay + below(12 * kDay);
    if (i % 5 == 0) at -= at % kHour;
    if (i % 7 == 0) at -= at % (15 * 60'000);
    std::vector<Line> lines;
    auto first = static_cast<std::size_t>(below(6));
    for (std::size_t k = 0; k <= static_cast<std::size_t>(below(3)); ++k)
      lines.push_back({ids[first + k], 100 + below(5000), 1 + below(4)});
    all.push_back(order(at, lines));
  }
  // Then most of them move on: paid, shipped, delivered, or cancelled on the way.
  const std::vector<std::vector<OrderStatus>> paths = {
      {},
      {OrderStatus::paid},
      {OrderStatus::paid, OrderStatus::shipped},
      {OrderStatus::paid, OrderStatus::shipped, OrderStatus::delivered},
      {OrderStatus::cancelled},
      {OrderStatus::paid, OrderStatus::cancelled}};
  orders::OrderStore store;
  for (auto& o : all) {
    for (auto to : paths[static_cast<std::size_t>(below(6))]) {
      auto lease = db_->acquire();
      ASSERT_TRUE(store.move_status(lease, o, to, o.created_at + 1));
      o.status = to;
    }
  }
  // A move from a status the order no longer has changes nothing, the totals neither.
  {
    orders::Order stale = all.front();
    stale.status = stale.status == OrderStatus::placed ? OrderStatus::paid : OrderStatus::placed;
    auto lease = db_->acquire();
    EXPECT_FALSE(store.move_status(lease, stale, OrderStatus::cancelled, stale.created_at + 2));
  }

  for (std::string_view zone :
       {"UTC", "Asia/Kolkata", "Asia/Kathmandu", "America/St_Johns", "Europe/Berlin"}) {
    SCOPED_TRACE(zone);
    auto r = report("2026-03-27", "2026-03-31", zone);
    auto e = expect(all, TimeZone::load(zone).value(), date("2026-03-27"), 5);
    ASSERT_EQ(r.daily.size(), e.daily.size());
    for (std::size_t i = 0; i < e.daily.size(); ++i) {
      EXPECT_EQ(r.daily[i].totals.orders, e.daily[i].orders) << "day " << i;
      EXPECT_EQ(r.daily[i].totals.sales, e.daily[i].sales) << "day " << i;
    }
    EXPECT_EQ(r.current.orders, e.current.orders);
    EXPECT_EQ(r.current.sales, e.current.sales);
    EXPECT_EQ(r.previous.orders, e.previous.orders);
    EXPECT_EQ(r.previous.sales, e.previous.sales);
    EXPECT_EQ(r.orders_by_status, e.by_status);
    EXPECT_EQ(r.units_sold, e.units);
    ASSERT_EQ(r.top_products.size(), e.top.size());
    for (std::size_t i = 0; i < e.top.size(); ++i) {
      EXPECT_EQ(r.top_products[i].product_id, e.top[i].product_id) << "top " << i;
      EXPECT_EQ(r.top_products[i].units, e.top[i].units) << "top " << i;
      EXPECT_EQ(r.top_products[i].sales, e.top[i].sales) << "top " << i;
    }
  }
}

// Orders placed and cancelled at once, all in one hour and on the same products, so they add to
// the same rows of the running totals (on PostgreSQL under READ COMMITTED): none is lost.
TEST_P(AnalyticsStoreTest, RunningTotals_LoseNothing_WhenOrdersArePlacedAndCancelledAtOnce) {
  constexpr int kThreads = 8, kEach = 25;
  // Each thread sells its own product and one they all sell: the orders meet on the hour's row
  // with and without meeting on a product's.
  std::string shared = product("shared", 10);
  std::vector<std::string> own;
  for (int t = 0; t < kThreads; ++t)
    own.push_back(product("own" + std::to_string(t), 10));
  std::mutex m;
  std::vector<orders::Order> all;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      orders::OrderStore store;
      for (int i = 0; i < kEach; ++i) {
        orders::Order o;
        // All on one row of the hour, the one most contended.
        do
          o.id = new_id();
        while (orders::totals_shard(db_->dialect(), o.id) != 0);
        o.user_id = buyer_;
        o.items = {{own[static_cast<std::size_t>(t)], "own", std::nullopt, 100 + t, 1 + i % 3}};
        if (i % 4 == 0) o.items.push_back({shared, "shared", std::nullopt, 7, 2});
        for (const auto& item : o.items)
          o.total += item.price * item.quantity;
        o.created_at = o.updated_at = kMar27 + 10 * kHour + t * 1000 + i;
        with_transaction(*db_, TxMode::write, [&](Transaction& tx) { store.insert(tx, o); });
        if (i % 3 == 0) {
          with_transaction(*db_, TxMode::write, [&](Transaction& tx) {
            auto locked = store.lock(tx, o.id).value();
            ASSERT_TRUE(store.move_status(tx, locked, OrderStatus::cancelled, o.created_at + 1));
          });
          o.status = OrderStatus::cancelled;
        }
        std::lock_guard lock(m);
        all.push_back(o);
      }
    });
  for (auto& t : threads)
    t.join();
  auto r = report("2026-03-27", "2026-03-27");
  auto e = expect(all, TimeZone::load("UTC").value(), date("2026-03-27"), 1);
  EXPECT_EQ(r.current.orders, e.current.orders);
  EXPECT_EQ(r.current.sales, e.current.sales);
  EXPECT_EQ(r.orders_by_status, e.by_status);
  EXPECT_EQ(r.units_sold, e.units);
  ASSERT_EQ(r.top_products.size(), e.top.size());
  for (std::size_t i = 0; i < e.top.size(); ++i)
    EXPECT_EQ(r.top_products[i].sales, e.top[i].sales) << "top " << i;
}

// A shop that had orders before the running totals existed (its schema at version 7).
class RunningTotalsMigrationTest : public AnalyticsStoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped()) return;
    auto before = embedded_migrations_for(db_->dialect());
    std::erase_if(before, [](const Migration& m) { return m.version >= 8; });
    Migrator(*db_, before).apply();
  }
};

// The migration that adds the running totals fills them from the orders placed before it.
TEST_P(RunningTotalsMigrationTest, FillsThemFromEarlierOrders) {
  std::string mug = product("mug", 10);
  std::string cup = product("cup", 10);
  auto raw = [&](std::int64_t at, std::string_view status, std::vector<Line> lines) {
    auto lease = db_->acquire();
    std::string id = new_id();
    Cents total = 0;
    for (const auto& l : lines)
      total += l.price * l.quantity;
    lease.execute(
        "INSERT INTO orders (id, user_id, status, total_cents, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $5)",
        {Value(id), Value(buyer_), Value(std::string(status)), Value(total), Value(at)});
    std::int64_t line = 0;
    for (const auto& l : lines)
      lease.execute(
          "INSERT INTO order_items (order_id, line, product_id, name, price_cents, quantity, "
          "placed_at) VALUES ($1, $2, $3, 'n', $4, $5, $6)",
          {Value(id), Value(++line), Value(l.product), Value(l.price), Value(l.quantity),
           Value(at)});
  };
  raw(kMar27 + kHour, "placed", {{mug, 1000, 2}, {cup, 300, 1}});
  raw(kMar27 + kHour + 5, "delivered", {{cup, 300, 3}});
  raw(kMar27 + kDay + 7 * kHour, "cancelled", {{mug, 1000, 5}});
  raw(kMar27 + 2 * kDay + 23 * kHour, "shipped", {{mug, 900, 1}});
  raw(kMar27 - kHour, "paid", {{mug, 4000, 1}});  // the day before: the previous period
  Migrator(*db_).apply();

  auto r = report("2026-03-27", "2026-03-29");
  EXPECT_EQ(r.daily[0].totals.orders, 2);
  EXPECT_EQ(r.daily[0].totals.sales, 3200);
  EXPECT_EQ(r.daily[1].totals.orders, 0);
  EXPECT_EQ(r.daily[2].totals.sales, 900);
  EXPECT_EQ(r.previous.sales, 4000);
  EXPECT_EQ(r.orders_by_status, (std::array<std::int64_t, 5>{1, 0, 1, 1, 1}));
  EXPECT_EQ(r.units_sold, 7);
  ASSERT_EQ(r.top_products.size(), 2u);
  EXPECT_EQ(r.top_products[0].product_id, mug);
  EXPECT_EQ(r.top_products[0].sales, 2900);
  EXPECT_EQ(r.top_products[1].sales, 1200);
  // And the orders that come after add to them.
  order(kMar27 + 5 * kHour, {{cup, 50, 2}});
  EXPECT_EQ(report("2026-03-27", "2026-03-29").daily[0].totals.sales, 3300);
}

INSTANTIATE_TEST_SUITE_P(Backends, AnalyticsStoreTest, ::testing::ValuesIn(test::backend_names()),
                         [](const auto& info) { return info.param; });
INSTANTIATE_TEST_SUITE_P(Backends, RunningTotalsMigrationTest,
                         ::testing::ValuesIn(test::backend_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace shop::storage::store_test
