#include "orders/order_status.hpp"

#include <array>
#include <utility>

namespace shop::orders {
namespace {

constexpr std::array<std::pair<OrderStatus, std::string_view>, 5> kNames = {{
    {OrderStatus::placed, "placed"},
    {OrderStatus::paid, "paid"},
    {OrderStatus::shipped, "shipped"},
    {OrderStatus::delivered, "delivered"},
    {OrderStatus::cancelled, "cancelled"},
}};

}  // namespace

std::string_view to_string(OrderStatus status) {
  for (const auto& [s, name] : kNames)
    if (s == status) return name;
  return "unknown";
}

std::optional<OrderStatus> parse_order_status(std::string_view name) {
  for (const auto& [s, n] : kNames)
    if (n == name) return s;
  return std::nullopt;
}

bool status_move_allowed(OrderStatus from, OrderStatus to) {
  using enum OrderStatus;
  return (from == placed && (to == paid || to == cancelled)) ||
         (from == paid && (to == shipped || to == cancelled)) ||
         (from == shipped && to == delivered);
}

}  // namespace shop::orders
