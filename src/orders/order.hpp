#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/money.hpp"

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

struct Order {
  std::string id;
  std::string user_id;
  std::optional<OrderUser> user;  // filled for admin lists
  std::vector<OrderItem> items;
  Cents total = 0;
  std::string status;  // placed, paid, shipped, delivered, cancelled
  std::optional<ShippingAddress> shipping;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

// Whether an order may move from one status to another (admins; cancel is placed/paid only).
bool status_move_allowed(std::string_view from, std::string_view to);

}  // namespace shop::orders
