#pragma once

#include <string>

#include "http/router.hpp"

namespace shop::orders {

class OrderService;

// The /api/orders table of the contract. With an online payment provider, provider_pool runs
// the routes that call it after their commit (checkout, status, cancel), off the workers.
void add_order_routes(http::Router& router, OrderService& service,
                      ThreadPool* provider_pool = nullptr);

}  // namespace shop::orders
