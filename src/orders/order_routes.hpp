#pragma once

#include <string>

#include "http/router.hpp"

namespace shop::orders {

class OrderService;
struct Order;

// Writes an order in the contract's shape; media_base_url is PUBLIC_URL + "/media/".
std::string order_json(const Order& order, const std::string& media_base_url);
// The 201 answer of POST /api/orders: {"message": "Order placed successfully", order}.
std::string placed_json(const Order& order, const std::string& media_base_url);

// The /api/orders table of the contract.
void add_order_routes(http::Router& router, OrderService& service, std::string media_base_url);

}  // namespace shop::orders
