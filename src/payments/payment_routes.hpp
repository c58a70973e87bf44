#pragma once

#include "http/router.hpp"

namespace shop::orders {
class OrderJson;
}

namespace shop::payments {

class PaymentService;

// POST /api/orders/:id/payment (the order's owner) and POST /api/payments/stripe/webhook (the
// provider, signed).
// Both run on provider_pool (off the workers): they may wait for the provider.
void add_payment_routes(http::Router& router, PaymentService& service,
                        const orders::OrderJson& json, ThreadPool* provider_pool);

}  // namespace shop::payments
