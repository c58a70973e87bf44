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

  // An order paid online carries "payment"; its clientSecret (what a front end confirms the
  // payment with) only when written for the order's owner.
  void write(JsonWriter& w, const Order& o, bool to_owner) const;
  std::string order(const Order& o, bool to_owner) const;
  // The 201 answer of POST /api/orders, to its owner: {"message": "Order placed successfully",
  // "order": ...}.
  std::string placed(const Order& o) const;
  // [order, ...]
  std::string list(const std::vector<Order>& orders, bool to_owner) const;
  // {"provider", "status", "intentId", "clientSecret"}, and the refund's once there is one.
  void write_payment(JsonWriter& w, const OrderPayment& p, bool to_owner) const;

 private:
  std::string media_base_;
};

}  // namespace shop::orders
