#include "cart/cart_service.hpp"

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/time.hpp"
#include "storage/transaction.hpp"

namespace shop::cart {

using storage::TxMode;

Cart CartService::totals(std::vector<CartLine> lines) {
  Cart cart;
  for (const auto& l : lines) {
    cart.total_items += l.quantity;
    cart.total_price += l.price * l.quantity;  // at most 1000 × 99,999,999.99 per line: fits
  }
  cart.lines = std::move(lines);
  return cart;
}

Cart CartService::get(std::string_view user_id) {
  auto lease = db_.acquire();
  return totals(store_.lines(lease, user_id));
}

Cart CartService::set_line(std::string_view user_id, std::string_view product_id,
                           std::int64_t quantity, bool add) {
  // A cart line lost in a power failure costs the shopper a click; an order is never relaxed.
  return storage::with_transaction(db_, TxMode::write_relaxed, [&](storage::Transaction& tx) {
    std::int64_t now = epoch_ms(clock_.now());
    if (!add && quantity == 0) {
      if (!store_.availability(tx, user_id, product_id))
        throw Error(ErrorCode::not_found, "Product not found");
      store_.remove(tx, user_id, product_id);
      return totals(store_.lines(tx, user_id));
    }
    // The write decides in the database (one statement); only a refusal reads, to say why.
    auto changed = add ? store_.add(tx, user_id, product_id, quantity, kMaxLineQuantity, now)
                       : store_.set_quantity(tx, user_id, product_id, quantity, now);
    if (!changed) {
      auto available = store_.availability(tx, user_id, product_id);
      if (!available) throw Error(ErrorCode::not_found, "Product not found");
      std::int64_t wanted = add ? available->held + quantity : quantity;
      if (wanted > kMaxLineQuantity && wanted <= available->stock)
        throw Error(
            ErrorCode::invalid_input, "Validation failed",
            {{"quantity", fmt::format("at most {} of one product per cart", kMaxLineQuantity)}});
      throw Error(ErrorCode::conflict,
                  fmt::format("Only {} items available in stock.", available->stock));
    }
    return totals(store_.lines(tx, user_id));
  });
}

Cart CartService::add(std::string_view user_id, std::string_view product_id,
                      std::int64_t quantity) {
  return set_line(user_id, product_id, quantity, true);
}

Cart CartService::update(std::string_view user_id, std::string_view product_id,
                         std::int64_t quantity) {
  return set_line(user_id, product_id, quantity, false);
}

Cart CartService::remove(std::string_view user_id, std::string_view product_id) {
  return storage::with_transaction(db_, TxMode::write_relaxed, [&](storage::Transaction& tx) {
    if (!store_.remove(tx, user_id, product_id))
      throw Error(ErrorCode::not_found, "Item not found in cart");
    return totals(store_.lines(tx, user_id));
  });
}

void CartService::clear(std::string_view user_id) {
  auto lease = db_.acquire();
  store_.clear(lease, user_id);
}

}  // namespace shop::cart
