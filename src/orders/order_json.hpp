#pragma once

#include <string>
#include <vector>

#include "core/json_writer.hpp"
#include "orders/order.hpp"

namespace shop::orders {

// Writes orders in the contract's shape; product images are absolute URLs under
// <public_url>/media/.
class OrderJson {
 public:
  explicit OrderJson(std::string public_url) : media_base_(std::move(public_url) + "/media/") {}

  void write(JsonWriter& w, const Order& o) const;
  std::string order(const Order& o) const;
  // The 201 answer of POST /api/orders: {"message": "Order placed successfully", "order": ...}.
  std::string placed(const Order& o) const;
  // [order, ...]
  std::string list(const std::vector<Order>& orders) const;

 private:
  std::string media_base_;
};

}  // namespace shop::orders
