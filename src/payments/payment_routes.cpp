#include "payments/payment_routes.hpp"

#include "core/json_writer.hpp"
#include "orders/order_json.hpp"
#include "payments/payment_service.hpp"

namespace shop::payments {
namespace {

using http::Access;
using http::BodyKind;
using http::Method;
using http::Request;
using http::RequestContext;
using http::Response;

class PaymentRoutes {
 public:
  PaymentRoutes(PaymentService& service, const orders::OrderJson& json)
      : service_(service), json_(json) {}

  // {"payment": {...}}, with the client secret the front end confirms the payment with.
  Response start(Request&, RequestContext& ctx) {
    orders::Order order = service_.start(ctx.param("id"), ctx.user->id);
    JsonWriter w;
    w.begin_object().key("payment");
    json_.write_payment(w, order.payment.value(), true);
    w.end_object();
    return Response::json(200, w.take());
  }

  // Verified on the raw body, exactly as it came.
  Response stripe_webhook(Request& req, RequestContext&) {
    service_.webhook(req.body, req.headers.get("Stripe-Signature").value_or(""));
    return Response::json(200, R"({"received":true})");
  }

 private:
  PaymentService& service_;
  const orders::OrderJson& json_;
};

}  // namespace

void add_payment_routes(http::Router& router, PaymentService& service,
                        const orders::OrderJson& json, ThreadPool* provider_pool) {
  auto routes = std::make_shared<PaymentRoutes>(service, json);
  http::MemberHandlers bind(routes);
  router.add({.method = Method::post,
              .pattern = "/api/orders/:id/payment",
              .handler = bind(&PaymentRoutes::start),
              .pool = provider_pool,
              .access = Access::user});
  // Not rate limited: the provider sends from few addresses, and every request is checked by its
  // signature before anything is read.
  router.add({.method = Method::post,
              .pattern = "/api/payments/stripe/webhook",
              .handler = bind(&PaymentRoutes::stripe_webhook),
              .pool = provider_pool,
              .bodies = static_cast<unsigned>(BodyKind::json),
              .rate_limited = false});
}

}  // namespace shop::payments
