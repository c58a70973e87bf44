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
  // Adds quantity to the product's line (adding the line if absent) in one statement, only if
  // the product exists, has stock for the line's new quantity and that stays within max;
  // returns the new quantity, or nullopt when nothing changed (availability() tells why).
  std::optional<std::int64_t> add(storage::Executor& db, std::string_view user_id,
                                  std::string_view product_id, std::int64_t quantity,
                                  std::int64_t max, std::int64_t now) const;
  // Sets a line's quantity (1..max), adding the line if absent, only if the product exists and
  // has that much stock; nullopt when nothing changed.
  std::optional<std::int64_t> set_quantity(storage::Executor& db, std::string_view user_id,
                                           std::string_view product_id, std::int64_t quantity,
                                           std::int64_t now) const;
  bool remove(storage::Executor& db, std::string_view user_id, std::string_view product_id) const;
  void clear(storage::Executor& db, std::string_view user_id) const;
};

}  // namespace shop::cart
