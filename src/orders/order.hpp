#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/money.hpp"
#include "orders/order_status.hpp"

namespace shop::orders {

struct OrderItem {
  std::string product_id;
  std::string name;                  // as it was when ordered
  std::optional<std::string> image;  // media file name, as it was
  Cents price = 0;                   // priceAtPurchase
  std::int64_t quantity = 0;
};

struct ShippingAddress {
  std::string name;
  std::string line1;
  std::optional<std::string> line2;
  std::string city;
  std::string postal_code;
  std::string country;  // ISO 3166-1 alpha-2, upper case
};

struct OrderUser {  // for the admin list
  std::string id;
  std::string name;
  std::string email;
};

// How an order is being paid through an online provider (the payments table, written by
// src/payments/); none for an order paid by hand.
struct OrderPayment {
  std::string provider;  // stripe
  std::string status;    // pending, failed, or the provider's status of the intent
  std::optional<std::string> intent_id;
  std::optional<std::string> client_secret;  // shown to the order's owner only
  std::optional<std::string> refund_id;
  std::optional<std::string> refund_status;  // due, or the provider's status of the refund
};

struct Order {
  std::string id;
  std::string user_id;
  std::optional<OrderUser> user;  // filled for admin lists
  std::vector<OrderItem> items;
  Cents total = 0;
  OrderStatus status = OrderStatus::placed;
  std::optional<ShippingAddress> shipping;
  std::optional<OrderPayment> payment;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

}  // namespace shop::orders
