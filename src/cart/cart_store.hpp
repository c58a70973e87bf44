#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/money.hpp"
#include "storage/database.hpp"

namespace shop::cart {

// A cart line with the product as it is now.
struct CartLine {
  std::string product_id;
  std::string name;
  Cents price = 0;
  std::optional<std::string> image;  // media file name (detail size)
  std::string category;
  std::int64_t stock = 0;
  std::int64_t quantity = 0;
};

// The cart_items table. Methods take the executor to run on (a lease or a transaction).
class CartStore {
 public:
  // The user's lines, oldest first, joined with their products.
  std::vector<CartLine> lines(storage::Executor& db, std::string_view user_id) const;
  struct Availability {
    std::int64_t stock = 0;  // the product's stock now
    std::int64_t held = 0;   // how many of it the cart holds (0 when absent)
  };
  // nullopt when the product does not exist.
  std::optional<Availability> availability(storage::Executor& db, std::string_view user_id,
                                           std::string_view product_id) const;
  // Sets a line's quantity (1..1000), adding the line if absent.
  void set_quantity(storage::Executor& db, std::string_view user_id, std::string_view product_id,
                    std::int64_t quantity, std::int64_t now) const;
  bool remove(storage::Executor& db, std::string_view user_id, std::string_view product_id) const;
  void clear(storage::Executor& db, std::string_view user_id) const;
};

}  // namespace shop::cart
