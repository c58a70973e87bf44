#pragma once

#include <string>

#include "http/router.hpp"

namespace shop::orders {

class OrderService;

// The /api/orders table of the contract.
void add_order_routes(http::Router& router, OrderService& service);

}  // namespace shop::orders
