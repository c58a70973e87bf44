#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace shop::orders {

// Where an order is in its lifecycle. Stored as its name (orders.status).
enum class OrderStatus : std::uint8_t { placed, paid, shipped, delivered, cancelled };

// "placed", "paid", ...: the name in the contract and in the database.
std::string_view to_string(OrderStatus status);
// The status a name stands for; nullopt for any other text.
std::optional<OrderStatus> parse_order_status(std::string_view name);
// Whether an admin may move an order from one status to another (a cancel: placed or paid only).
bool status_move_allowed(OrderStatus from, OrderStatus to);

}  // namespace shop::orders
