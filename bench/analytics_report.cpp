// Benchmark for bench/analytics.sh: the admin sales report (GET /api/admin/analytics without the
// socket: the service's SQL aggregates and the JSON) on a shop with N orders over the past 90
// days. Fills an empty database first: products, customers, and orders with 1 to 3 lines each,
// about one in twenty cancelled, written straight through the order store in large
// transactions. Prints milliseconds per report (median, p95, max) for several ranges.
//
//   analytics_report DATABASE_URL ORDERS REPEATS
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "analytics/analytics_json.hpp"
#include "analytics/analytics_service.hpp"
#include "auth/user_store.hpp"
#include "catalog/product_store.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/time.hpp"
#include "orders/order_store.hpp"
#include "storage/migrator.hpp"
#include "storage/transaction.hpp"

namespace {

using namespace shop;

constexpr std::int64_t kDay = 86'400'000;

// CPU time of this process so far, in ms: on a loaded machine it still tells the work done
// (SQLite runs in process; for PostgreSQL the work is the server's, so only the wall time counts).
double cpu_ms() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return (static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000.0) +
         (static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1000.0);
}

std::int64_t scalar(storage::Database& db, std::string_view sql) {
  auto lease = db.acquire();
  return lease.execute(sql).front().get_int(0);
}

void fill(storage::Database& db, std::int64_t orders, std::int64_t now) {
  std::mt19937_64 rng(7);
  std::vector<std::string> products;
  std::vector<std::string> users;
  {
    auto lease = db.acquire();
    storage::Transaction tx(lease, storage::TxMode::write);
    for (int i = 0; i < 500; ++i) {
      catalog::Product p;
      p.id = new_id();
      p.name = "Product " + std::to_string(i);
      p.description = "d";
      p.price = 100 + static_cast<Cents>(rng() % 10'000);
      p.category = "Cat " + std::to_string(i % 10);
      p.stock = static_cast<std::int64_t>(rng() % 40);
      p.created_at = p.updated_at = now - 100 * kDay;
      catalog::ProductStore().insert(tx, p);
      products.push_back(p.id);
    }
    for (int i = 0; i < 2000; ++i) {
      auth::User u{
          new_id(),     "bench" + std::to_string(i) + "@example.com",          "B", "h", "user",
          std::nullopt, now - static_cast<std::int64_t>(rng() % (120 * kDay)), 0};
      auth::UserStore().insert(tx, u);
      users.push_back(u.id);
    }
    tx.commit();
  }
  orders::OrderStore store;
  const std::int64_t batch = 5000;
  for (std::int64_t done = 0; done < orders; done += batch) {
    auto lease = db.acquire();
    storage::Transaction tx(lease, storage::TxMode::write);
    for (std::int64_t i = done; i < std::min(orders, done + batch); ++i) {
      orders::Order o;
      o.id = new_id();
      o.user_id = users[rng() % users.size()];
      o.status = rng() % 20 == 0 ? orders::OrderStatus::cancelled
                                 : static_cast<orders::OrderStatus>(rng() % 4);
      int lines = 1 + static_cast<int>(rng() % 3);
      for (int l = 0; l < lines; ++l) {
        const std::string& p =
            products[(rng() % products.size() + static_cast<std::size_t>(l)) % products.size()];
        orders::OrderItem item{p, "Product", std::nullopt, 100 + static_cast<Cents>(rng() % 5000),
                               1 + static_cast<std::int64_t>(rng() % 3)};
        if (std::any_of(o.items.begin(), o.items.end(),
                        [&](const auto& x) { return x.product_id == p; }))
          continue;
        o.total += item.price * item.quantity;
        o.items.push_back(item);
      }
      o.created_at = o.updated_at = now - static_cast<std::int64_t>(rng() % (90 * kDay));
      store.insert(tx, o);
    }
    tx.commit();
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: analytics_report DATABASE_URL ORDERS REPEATS\n");
    return 2;
  }
  std::string url = argv[1];
  std::int64_t orders = std::stoll(argv[2]);
  int repeats = std::stoi(argv[3]);
  auto migrated = storage::open_and_migrate(url, {.pool_size = 2});
  storage::Database& db = *migrated.db;
  SystemClock clock;
  std::int64_t now = epoch_ms(clock.now());
  std::int64_t have = scalar(db, "SELECT count(*) FROM orders");
  if (have < orders) {
    auto started = std::chrono::steady_clock::now();
    fill(db, orders - have, now);
    std::printf("filled %lld orders in %.1f s\n", static_cast<long long>(orders - have),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  std::printf("%lld orders, %lld order lines, %s\n",
              static_cast<long long>(scalar(db, "SELECT count(*) FROM orders")),
              static_cast<long long>(scalar(db, "SELECT count(*) FROM order_items")),
              std::string(storage::dialect_name(db.dialect())).c_str());

  analytics::AnalyticsService service(db, clock);
  struct Case {
    const char* label;
    std::string query;
  };
  const Case cases[] = {
      {"last 30 days (default), UTC", ""},
      {"last 30 days, America/New_York", "tz=America/New_York"},
      {"last 90 days, Europe/Berlin",
       "from=" + to_string(TimeZone::utc().local_date(now / 1000 - 89 * 86400)) +
           "&tz=Europe/Berlin"},
      {"last 90 days, Asia/Kolkata (+05:30)",
       "from=" + to_string(TimeZone::utc().local_date(now / 1000 - 89 * 86400)) +
           "&tz=Asia/Kolkata"},
      {"366 days (the maximum), UTC",
       "from=" + to_string(TimeZone::utc().local_date(now / 1000 - 365 * 86400))}};
  std::printf("%-34s %10s %10s %10s %12s\n", "report", "median ms", "p95 ms", "max ms",
              "cpu ms (mean)");
  for (const auto& c : cases) {
    auto q = service.read_query(c.query);
    std::vector<double> ms;
    std::size_t bytes = 0;
    double cpu_before = cpu_ms();
    for (int i = 0; i < repeats; ++i) {
      auto started = std::chrono::steady_clock::now();
      bytes = analytics::report_json(service.report(q), "http://localhost/media/").size();
      ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
              .count());
    }
    double cpu = (cpu_ms() - cpu_before) / repeats;
    std::sort(ms.begin(), ms.end());
    std::printf("%-34s %10.2f %10.2f %10.2f %12.2f   (%zu bytes)\n", c.label, ms[ms.size() / 2],
                ms[std::min(ms.size() - 1, ms.size() * 95 / 100)], ms.back(), cpu, bytes);
  }
  return 0;
}
