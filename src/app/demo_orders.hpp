#pragma once

#include <cstdint>
#include <string>

namespace shop::storage {
class Database;
}

namespace shop::app {

struct DemoOrdersOutcome {
  std::int64_t customers_added = 0;
  std::int64_t orders_placed = 0;
  std::int64_t orders_skipped = 0;  // nothing of their cart was in stock any more
};

// `shopd seed-demo --orders N`: N orders by demo customers (demo.customer.K@example.com, who
// cannot log in: their password is a random one nobody knows) spread over the 90 days before
// now_ms. Each goes through the code of a real order: CartService::add, OrderService::place
// (stock goes down; a sold-out product is skipped), then the status moves an admin would make
// as the order ages (paid, shipped, delivered; about one in twenty cancelled, its stock given
// back), each at its own time. The same seed places the same orders on the same catalog.
DemoOrdersOutcome seed_demo_orders(storage::Database& db, const std::string& public_url,
                                   std::int64_t count, std::int64_t now_ms,
                                   std::uint64_t seed = 20261202);

}  // namespace shop::app
