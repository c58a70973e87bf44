#include "cart/cart_store.hpp"

namespace shop::cart {
namespace {

using storage::to_value;

constexpr std::string_view kLines =
    "SELECT p.id, p.name, p.price_cents, p.image_detail, p.category, p.stock, c.quantity "
    "FROM cart_items c JOIN products p ON p.id = c.product_id "
    "WHERE c.user_id = $1 ORDER BY c.added_at, c.product_id";
// The product's stock and how many of it the cart holds, in one round trip.
constexpr std::string_view kAvailability =
    "SELECT p.stock, COALESCE(c.quantity, 0) FROM products p "
    "LEFT JOIN cart_items c ON c.product_id = p.id AND c.user_id = $1 WHERE p.id = $2";
constexpr std::string_view kUpsert =
    "INSERT INTO cart_items (user_id, product_id, quantity, added_at) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (user_id, product_id) DO UPDATE SET quantity = excluded.quantity";
constexpr std::string_view kRemove =
    "DELETE FROM cart_items WHERE user_id = $1 AND product_id = $2";
constexpr std::string_view kClear = "DELETE FROM cart_items WHERE user_id = $1";

}  // namespace

std::vector<CartLine> CartStore::lines(storage::Executor& db, std::string_view user_id) const {
  std::vector<CartLine> out;
  for (const auto& row : db.execute(kLines, {to_value(user_id)}).rows())
    out.push_back(CartLine{row.get_text(0), row.get_text(1), row.get_int(2), row.get_opt_text(3),
                           row.get_text(4), row.get_int(5), row.get_int(6)});
  return out;
}

std::optional<CartStore::Availability> CartStore::availability(storage::Executor& db,
                                                               std::string_view user_id,
                                                               std::string_view product_id) const {
  auto r = db.execute(kAvailability, {to_value(user_id), to_value(product_id)});
  if (r.empty()) return std::nullopt;
  return Availability{r.front().get_int(0), r.front().get_int(1)};
}

void CartStore::set_quantity(storage::Executor& db, std::string_view user_id,
                             std::string_view product_id, std::int64_t quantity,
                             std::int64_t now) const {
  db.execute(kUpsert, {to_value(user_id), to_value(product_id), quantity, now});
}

bool CartStore::remove(storage::Executor& db, std::string_view user_id,
                       std::string_view product_id) const {
  return db.execute(kRemove, {to_value(user_id), to_value(product_id)}).affected_rows() > 0;
}

void CartStore::clear(storage::Executor& db, std::string_view user_id) const {
  db.execute(kClear, {to_value(user_id)});
}

}  // namespace shop::cart
