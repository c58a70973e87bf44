// Load generator for bench/orders.sh: N buyers, each on its own keep-alive connection, each
// looping "add one unit of a random in-stock product to the cart, place the order" for a fixed
// time. Prints orders per second, then checks on the database that every unit sold is accounted
// for: units in orders + stock left == stock at the start.
//
// With STRIPE_PORT, shopd runs with PAYMENT_PROVIDER=stripe against a fake Stripe that this
// program serves on that port (tests/support/fake_stripe.*): every order placed is then paid, as
// a buyer confirming the payment would, and its signed payment_intent.succeeded webhook is
// delivered to shopd; the figure is orders placed and paid per second.
//
//   order_load PORT DATABASE_URL SECONDS BUYERS [STRIPE_PORT]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "fake_stripe.hpp"
#include "http_client.hpp"
#include "payments/stripe_signature.hpp"
#include "storage/open_database.hpp"

namespace {

using shop::test::Headers;
using shop::test::HttpClient;

std::int64_t scalar(shop::storage::Database& db, std::string_view sql) {
  auto lease = db.acquire();
  return lease.execute(sql).front().get_int(0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5 && argc != 6) {
    std::fprintf(stderr, "usage: order_load PORT DATABASE_URL SECONDS BUYERS [STRIPE_PORT]\n");
    return 2;
  }
  auto port = static_cast<std::uint16_t>(std::stoi(argv[1]));
  std::string url = argv[2];
  int seconds = std::stoi(argv[3]);
  int buyers = std::stoi(argv[4]);
  auto db = shop::storage::open_database(url, {.pool_size = 2});
  std::unique_ptr<shop::test::FakeStripe> stripe;
  if (argc == 6)
    stripe =
        std::make_unique<shop::test::FakeStripe>(static_cast<std::uint16_t>(std::stoi(argv[5])));

  std::vector<std::string> products;
  {
    auto lease = db->acquire();
    for (const auto& row : lease.execute("SELECT id FROM products WHERE stock > 0").rows())
      products.push_back(row.get_text(0));
  }
  if (products.empty()) {
    std::fprintf(stderr, "order_load: no product in stock; run shopd seed-demo first\n");
    return 1;
  }
  std::int64_t stock_before = scalar(*db, "SELECT COALESCE(SUM(stock), 0) FROM products");
  std::int64_t sold_before = scalar(*db, "SELECT COALESCE(SUM(quantity), 0) FROM order_items");

  // One account per buyer (registration hashes a password: the server may answer 503 when its
  // hashing pool is full, so retry).
  std::vector<Headers> tokens(buyers);
  std::vector<std::thread> threads;
  std::atomic<bool> failed{false};
  auto stamp = std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  for (int i = 0; i < buyers; ++i)
    threads.emplace_back([&, i] {
      HttpClient c(port);
      for (int attempt = 0; attempt < 200; ++attempt) {
        auto r = c.post_json("/api/users/register",
                             R"({"name":"Buyer","email":"buyer)" + std::to_string(i) + "-" + stamp +
                                 R"(@bench.example","password":"bench-password"})");
        if (r.status == 201) {
          tokens[i] = {
              {"Authorization", "Bearer " + std::string(r.json().at("accessToken").as_string())},
              {"Content-Type", "application/json"}};
          return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      failed = true;
    });
  for (auto& t : threads)
    t.join();
  threads.clear();
  if (failed) {
    std::fprintf(stderr, "order_load: could not register the buyers (set AUTH_RATE_LIMIT_MAX=0)\n");
    return 1;
  }

  std::int64_t paid_before = scalar(*db, "SELECT COUNT(*) FROM orders WHERE status = 'paid'");
  std::atomic<std::int64_t> placed{0}, paid{0}, units{0}, sold_out{0}, busy{0}, other{0};
  std::mutex m;
  std::map<int, int> other_statuses;
  auto start = std::chrono::steady_clock::now();
  auto end = start + std::chrono::seconds(seconds);
  for (int i = 0; i < buyers; ++i)
    threads.emplace_back([&, i] {
      HttpClient c(port);
      std::mt19937_64 rng(static_cast<std::uint64_t>(i) * 7919 + 1);
      std::uniform_int_distribution<std::size_t> pick(0, products.size() - 1);
      while (std::chrono::steady_clock::now() < end) {
        const std::string& id = products[pick(rng)];
        auto add =
            c.request("POST", "/api/cart/add", R"({"productId":")" + id + R"("})", tokens[i]);
        if (add.status == 409) {  // sold out meanwhile
          ++sold_out;
          continue;
        }
        auto r = c.request("POST", "/api/orders", "{}", tokens[i]);
        if (r.status == 201) {
          ++placed;
          // Units in the acknowledged order (a line left by a refused checkout rides along).
          auto order = r.json();
          for (const auto& item : order.at("order").at("items").as_array())
            units += item.at("quantity").as_int64();
          if (stripe) {
            // The buyer confirms the payment; Stripe tells shopd.
            const auto* intent =
                order.at("order").at("payment").as_object().if_contains("intentId");
            if (intent == nullptr || !intent->is_string()) {
              ++other;
              std::lock_guard lock(m);
              ++other_statuses[-1];  // no intent: Stripe was not reached
              continue;
            }
            std::string event = stripe->pay(std::string(intent->as_string()));
            auto now_s = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
            auto hook = c.request(
                "POST", "/api/payments/stripe/webhook", event,
                {{"Content-Type", "application/json"},
                 {"Stripe-Signature", shop::payments::stripe_signature(
                                          shop::test::FakeStripe::kWebhookSecret, now_s, event)}});
            if (hook.status == 200) {
              ++paid;
            } else {
              ++other;
              std::lock_guard lock(m);
              ++other_statuses[hook.status];
            }
          }
        } else if (r.status == 409) {
          ++sold_out;
          c.request("DELETE", "/api/cart/clear", "", tokens[i]);
        } else if (add.status == 503 || r.status == 503) {
          ++busy;  // overload, answered as the contract says; the cart is kept for the retry
        } else {
          ++other;
          std::lock_guard lock(m);
          ++other_statuses[add.status == 200 ? r.status : add.status];
        }
      }
    });
  for (auto& t : threads)
    t.join();
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::int64_t stock_after = scalar(*db, "SELECT COALESCE(SUM(stock), 0) FROM products");
  std::int64_t sold_after = scalar(*db, "SELECT COALESCE(SUM(quantity), 0) FROM order_items");
  std::int64_t sold = sold_after - sold_before;
  bool balanced = stock_after + sold == stock_before;
  std::printf(
      "orders placed: %lld in %.1f s = %.0f orders/s (each order: add to cart + checkout)\n",
      static_cast<long long>(placed.load()), elapsed, static_cast<double>(placed.load()) / elapsed);
  std::int64_t paid_now = scalar(*db, "SELECT COUNT(*) FROM orders WHERE status = 'paid'");
  bool paid_match = !stripe || paid_now - paid_before == paid.load();
  if (stripe) {
    std::printf(
        "orders placed and paid: %lld in %.1f s = %.0f orders/s (add + checkout + its "
        "signed payment webhook; %lld intents made at the fake Stripe)\n",
        static_cast<long long>(paid.load()), elapsed, static_cast<double>(paid.load()) / elapsed,
        static_cast<long long>(stripe->intents().size()));
    if (!paid_match)
      std::printf("MISMATCH: %lld orders paid in the database, %lld webhooks answered 200\n",
                  static_cast<long long>(paid_now - paid_before),
                  static_cast<long long>(paid.load()));
  }
  std::printf("sold out answers: %lld, busy (503) answers: %lld, other answers: %lld\n",
              static_cast<long long>(sold_out.load()), static_cast<long long>(busy.load()),
              static_cast<long long>(other.load()));
  for (auto [status, n] : other_statuses)
    std::printf("  status %d: %d\n", status, n);
  std::printf("stock check: %lld at start = %lld left + %lld sold: %s\n",
              static_cast<long long>(stock_before), static_cast<long long>(stock_after),
              static_cast<long long>(sold), balanced ? "balanced" : "MISMATCH");
  bool orders_match = sold == units.load();
  if (!orders_match)
    std::printf("MISMATCH: %lld units in order rows, %lld units in acknowledged orders\n",
                static_cast<long long>(sold), static_cast<long long>(units.load()));
  return balanced && orders_match && paid_match && other.load() == 0 ? 0 : 1;
}
