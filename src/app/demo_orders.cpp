#include "app/demo_orders.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <random>
#include <vector>

#include "auth/password_hasher.hpp"
#include "auth/user_store.hpp"
#include "cart/cart_service.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "orders/order_service.hpp"
#include "storage/database.hpp"

namespace shop::app {
namespace {

constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kDay = 24 * kHour;
constexpr std::int64_t kSpanDays = 90;

// The time each step of the seeding happens at: orders placed weeks ago carry that date.
class SeedClock final : public Clock {
 public:
  void set(std::int64_t ms) { now_ = ms; }
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(now_));
  }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::now();
  }

 private:
  std::int64_t now_ = 0;
};

constexpr std::array kFirstNames = {"Ada",     "Grace",   "Linus",  "Margaret", "Alan",   "Barbara",
                                    "Ken",     "Frances", "Dennis", "Radia",    "Edsger", "Hedy",
                                    "Niklaus", "Sophie",  "Tim",    "Katherine"};
constexpr std::array kLastNames = {
    "Lovelace", "Hopper",  "Torvalds", "Hamilton", "Turing", "Liskov", "Thompson",    "Allen",
    "Ritchie",  "Perlman", "Dijkstra", "Lamarr",   "Wirth",  "Wilson", "Berners-Lee", "Johnson"};
constexpr std::array kCities = {
    std::array<const char*, 3>{"Berlin", "10115", "DE"},
    std::array<const char*, 3>{"Lyon", "69001", "FR"},
    std::array<const char*, 3>{"Portland", "97201", "US"},
    std::array<const char*, 3>{"Leeds", "LS1 1AA", "GB"},
    std::array<const char*, 3>{"Utrecht", "3511", "NL"},
};

struct Customer {
  std::string id;
  std::string name;
  std::int64_t created_at = 0;
};

std::vector<std::string> products_in_stock(storage::Database& db) {
  auto lease = db.acquire();
  std::vector<std::string> ids;
  for (const auto& row :
       lease.execute("SELECT id FROM products WHERE stock > 0 ORDER BY id").rows())
    ids.push_back(row.get_text(0));
  return ids;
}

// The demo customers, those already there kept: at least 3, about one per four orders.
std::vector<Customer> demo_customers(storage::Database& db, std::int64_t orders, std::int64_t start,
                                     std::mt19937_64& rng, std::int64_t& added) {
  std::int64_t wanted = std::clamp<std::int64_t>(orders / 4, 3, 200);
  auth::UserStore users;
  // Nobody knows this password, so no demo customer can log in.
  auth::PasswordHasher hasher(1);
  std::string unusable = hasher.hash(random_hex(32));
  std::vector<Customer> out;
  auto lease = db.acquire();
  for (std::int64_t i = 1; i <= wanted; ++i) {
    std::string email = fmt::format("demo.customer.{}@example.com", i);
    if (auto existing = users.find_by_email(lease, email)) {
      out.push_back({existing->id, existing->name, existing->created_at});
      continue;
    }
    auth::User u;
    u.id = new_id();
    u.email = email;
    u.name = fmt::format("{} {}", kFirstNames[(i - 1) % kFirstNames.size()],
                         kLastNames[((i - 1) / kFirstNames.size() + (i - 1)) % kLastNames.size()]);
    u.password_hash = unusable;
    u.role = "user";
    // Most joined during the period, some before it.
    u.created_at = start - 10 * kDay +
                   static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(85 * kDay));
    u.updated_at = u.created_at;
    users.insert(lease, u);
    ++added;
    out.push_back({u.id, u.name, u.created_at});
  }
  std::sort(out.begin(), out.end(),
            [](const Customer& a, const Customer& b) { return a.created_at < b.created_at; });
  return out;
}

// The moves an admin makes as an order ages: placed → paid → shipped → delivered.
void age_order(orders::OrderService& service, SeedClock& clock, const std::string& id,
               std::int64_t placed_at, std::int64_t now, std::mt19937_64& rng) {
  using orders::OrderStatus;
  std::int64_t age = now - placed_at;
  if (rng() % 20 == 0) {
    clock.set(placed_at + 2 * kHour);
    service.cancel(id, "", true);
    return;
  }
  struct Step {
    OrderStatus status;
    std::int64_t after;
  };
  const Step steps[] = {{OrderStatus::paid, 1 * kHour},
                        {OrderStatus::shipped, 1 * kDay + 3 * kHour},
                        {OrderStatus::delivered, 4 * kDay}};
  for (const Step& s : steps) {
    if (age < s.after + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(kDay))) return;
    clock.set(placed_at + s.after);
    service.set_status(id, s.status);
  }
}

}  // namespace

DemoOrdersOutcome seed_demo_orders(storage::Database& db, const std::string& public_url,
                                   std::int64_t count, std::int64_t now_ms, std::uint64_t seed) {
  DemoOrdersOutcome out;
  std::mt19937_64 rng(seed);
  std::int64_t start = now_ms - kSpanDays * kDay;
  std::vector<Customer> customers = demo_customers(db, count, start, rng, out.customers_added);
  std::vector<std::string> products = products_in_stock(db);
  if (products.empty() || count <= 0) return out;

  SeedClock clock;
  cart::CartService carts(db, clock);
  orders::OrderService orders(db, clock, public_url, {});
  // Order times, oldest first; busier towards the end of the period (a growing shop).
  std::vector<std::int64_t> times;
  times.reserve(static_cast<std::size_t>(count));
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (std::int64_t i = 0; i < count; ++i)
    times.push_back(start + static_cast<std::int64_t>(std::sqrt(unit(rng)) *
                                                      static_cast<double>(now_ms - start - kHour)));
  std::sort(times.begin(), times.end());

  for (std::int64_t placed_at : times) {
    // A customer who had an account by then (the earliest one otherwise).
    auto joined =
        std::upper_bound(customers.begin(), customers.end(), placed_at,
                         [](std::int64_t t, const Customer& c) { return t < c.created_at; });
    std::size_t eligible = std::max<std::size_t>(1, joined - customers.begin());
    const Customer& who = customers[rng() % eligible];
    placed_at = std::max(placed_at, who.created_at + kHour);
    clock.set(placed_at);
    carts.clear(who.id);
    std::size_t lines = 1 + rng() % 3;
    for (std::size_t l = 0; l < lines; ++l) {
      const std::string& product = products[rng() % products.size()];
      try {
        carts.add(who.id, product, 1 + static_cast<std::int64_t>(rng() % 3));
      } catch (const Error&) {
        // Sold out since, or deleted: the line is left out, as a shopper's would be.
      }
    }
    const auto& city = kCities[rng() % kCities.size()];
    orders::ShippingAddress address{who.name,     fmt::format("{} Demo Street", 1 + rng() % 200),
                                    std::nullopt, city[0],
                                    city[1],      city[2]};
    try {
      orders::PlacedAnswer placed = orders.place(who.id, address, std::nullopt);
      std::string id(boost::json::parse(placed.body).as_object().at("order").at("_id").as_string());
      ++out.orders_placed;
      age_order(orders, clock, id, placed_at, now_ms, rng);
    } catch (const Error&) {
      // An empty cart, or a line that ran out of stock: no order, nothing kept.
      carts.clear(who.id);
      ++out.orders_skipped;
    }
  }
  return out;
}

}  // namespace shop::app
