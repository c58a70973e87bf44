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
// Safe: one statement adds to the quantity stored at the moment of the write (a concurrent add
// to the same line waits for the row and adds to its result), and checks the stock and the
// maximum against that sum. ($5: the most one line may hold.)
constexpr std::string_view kAdd =
    "INSERT INTO cart_items (user_id, product_id, quantity, added_at) "
    "SELECT $1, p.id, $3, $4 FROM products p WHERE p.id = $2 AND p.stock >= $3 AND $3 <= $5 "
    "ON CONFLICT (user_id, product_id) DO UPDATE SET quantity = cart_items.quantity + "
    "excluded.quantity WHERE cart_items.quantity + excluded.quantity <= $5 AND "
    "cart_items.quantity + excluded.quantity <= "
    "(SELECT stock FROM products WHERE id = excluded.product_id) RETURNING quantity";
// Safe: the caller sets an absolute quantity (last write wins by design), checked against the
// stock in the same statement.
constexpr std::string_view kSet =
    "INSERT INTO cart_items (user_id, product_id, quantity, added_at) "
    "SELECT $1, p.id, $3, $4 FROM products p WHERE p.id = $2 AND p.stock >= $3 "
    "ON CONFLICT (user_id, product_id) DO UPDATE SET quantity = excluded.quantity "
    "RETURNING quantity";
// Safe: one statement on the caller's own line.
constexpr std::string_view kRemove =
    "DELETE FROM cart_items WHERE user_id = $1 AND product_id = $2";
// Safe: one statement on the caller's own lines.
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

std::optional<std::int64_t> CartStore::add(storage::Executor& db, std::string_view user_id,
                                           std::string_view product_id, std::int64_t quantity,
                                           std::int64_t max, std::int64_t now) const {
  auto r = db.execute(kAdd, {to_value(user_id), to_value(product_id), quantity, now, max});
  if (r.empty()) return std::nullopt;
  return r.front().get_int(0);
}

std::optional<std::int64_t> CartStore::set_quantity(storage::Executor& db, std::string_view user_id,
                                                    std::string_view product_id,
                                                    std::int64_t quantity, std::int64_t now) const {
  auto r = db.execute(kSet, {to_value(user_id), to_value(product_id), quantity, now});
  if (r.empty()) return std::nullopt;
  return r.front().get_int(0);
}

bool CartStore::remove(storage::Executor& db, std::string_view user_id,
                       std::string_view product_id) const {
  return db.execute(kRemove, {to_value(user_id), to_value(product_id)}).affected_rows() > 0;
}

void CartStore::clear(storage::Executor& db, std::string_view user_id) const {
  db.execute(kClear, {to_value(user_id)});
}

}  // namespace shop::cart
