#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cart/cart_store.hpp"

namespace shop {
class Clock;
}

namespace shop::cart {

inline constexpr std::int64_t kMaxLineQuantity = 1000;

struct Cart {
  std::vector<CartLine> lines;
  std::int64_t total_items = 0;
  Cents total_price = 0;
};

// A user's cart: quantities checked against stock, totals in integer cents.
class CartService {
 public:
  CartService(storage::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  Cart get(std::string_view user_id);
  // Adds quantity (1..1000) of a product. Error{not_found} for an unknown product;
  // Error{conflict, "Only N items available in stock."} when the cart would hold more than stock.
  Cart add(std::string_view user_id, std::string_view product_id, std::int64_t quantity);
  // Sets a line's quantity (0 removes it); same errors as add.
  Cart update(std::string_view user_id, std::string_view product_id, std::int64_t quantity);
  // Error{not_found} when the product is not in the cart.
  Cart remove(std::string_view user_id, std::string_view product_id);
  void clear(std::string_view user_id);

 private:
  Cart set_line(std::string_view user_id, std::string_view product_id, std::int64_t quantity,
                bool add);
  static Cart totals(std::vector<CartLine> lines);

  storage::Database& db_;
  const Clock& clock_;
  CartStore store_;
};

}  // namespace shop::cart
