#include "payments/stripe_provider.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "core/error.hpp"
#include "payments/stripe_signature.hpp"

namespace shop::payments {
namespace {

namespace json = boost::json;

std::string text_of(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return {};
  return std::string(it->value().as_string());
}

Intent intent_of(const json::object& o) {
  Intent i;
  i.id = text_of(o, "id");
  i.status = text_of(o, "status");
  if (auto secret = text_of(o, "client_secret"); !secret.empty()) i.client_secret = secret;
  if (auto it = o.find("amount"); it != o.end() && it->value().is_int64())
    i.amount = it->value().as_int64();
  if (i.id.empty() || i.status.empty())
    throw ProviderUnavailable("Stripe answered a payment intent without an id or a status");
  return i;
}

json::object parse_object(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) throw ProviderUnavailable("Stripe answered something that is not JSON");
  return std::move(v.as_object());
}

// An id in a URL path: Stripe's ids are letters, digits and underscores.
std::string path_id(std::string_view id) {
  bool ok = !id.empty() && id.size() <= 255;
  for (char ch : id)
    ok = ok && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                ch == '_');
  if (!ok) throw ProviderRefused("invalid_id", "Not a Stripe id", "");
  return std::string(id);
}

}  // namespace

std::string StripeProvider::call(const std::string& method, const std::string& path,
                                 const outbound::Fields& form,
                                 std::string_view idempotency_key) const {
  outbound::HttpRequest request;
  request.method = method;
  request.url = settings_.api_base + path;
  request.headers.emplace_back("Authorization", "Bearer " + settings_.secret_key);
  if (method == "POST") {
    request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    request.headers.emplace_back("Idempotency-Key", std::string(idempotency_key));
    request.body = outbound::form_encode(form);
  }
  outbound::HttpResponse response;
  try {
    response = http_.send(request);
  } catch (const outbound::TransportError& e) {
    throw ProviderUnavailable(std::string("Stripe could not be reached: ") + e.what());
  }
  if (response.status >= 200 && response.status < 300) return response.body;
  if (response.status >= 400 && response.status < 500 && response.status != 429) {
    std::string code = "refused";
    std::string message = "Stripe refused the request";
    std::string intent_status;
    boost::system::error_code ec;
    json::value v = json::parse(response.body, ec);
    if (!ec && v.is_object()) {
      if (auto* error = v.as_object().if_contains("error");
          error != nullptr && error->is_object()) {
        const auto& e = error->as_object();
        if (auto c = text_of(e, "code"); !c.empty()) code = c;
        if (auto m = text_of(e, "message"); !m.empty()) message = m;
        if (auto* pi = e.if_contains("payment_intent"); pi != nullptr && pi->is_object())
          intent_status = text_of(pi->as_object(), "status");
      }
    }
    throw ProviderRefused(code, message, intent_status);
  }
  throw ProviderUnavailable("Stripe answered " + std::to_string(response.status));
}

Intent StripeProvider::initiate(const IntentRequest& r) {
  outbound::Fields form = {{"amount", std::to_string(r.amount)},
                           {"currency", r.currency},
                           {"metadata[order_id]", r.order_id},
                           {"automatic_payment_methods[enabled]", "true"},
                           {"capture_method", settings_.manual_capture ? "manual" : "automatic"}};
  return intent_of(parse_object(call("POST", "/v1/payment_intents", form, r.idempotency_key)));
}

Intent StripeProvider::retrieve(std::string_view intent_id) {
  return intent_of(parse_object(call("GET", "/v1/payment_intents/" + path_id(intent_id), {}, "")));
}

Intent StripeProvider::capture(std::string_view intent_id, std::string_view idempotency_key) {
  return intent_of(parse_object(
      call("POST", "/v1/payment_intents/" + path_id(intent_id) + "/capture", {}, idempotency_key)));
}

Intent StripeProvider::cancel(std::string_view intent_id, std::string_view idempotency_key) {
  return intent_of(parse_object(
      call("POST", "/v1/payment_intents/" + path_id(intent_id) + "/cancel", {}, idempotency_key)));
}

Refund StripeProvider::refund(std::string_view intent_id, Cents amount,
                              std::string_view idempotency_key) {
  outbound::Fields form = {{"payment_intent", path_id(intent_id)}};
  if (amount > 0) form.emplace_back("amount", std::to_string(amount));
  auto o = parse_object(call("POST", "/v1/refunds", form, idempotency_key));
  Refund r{text_of(o, "id"), text_of(o, "status")};
  if (r.id.empty()) throw ProviderUnavailable("Stripe answered a refund without an id");
  return r;
}

ProviderEvent StripeProvider::parse_webhook(std::string_view body, std::string_view signature,
                                            std::int64_t now_s) {
  switch (check_stripe_signature(signature, body, settings_.webhook_secret, now_s)) {
    case SignatureCheck::ok:
      break;
    case SignatureCheck::missing:
      throw Error(ErrorCode::invalid_input, "Missing or malformed Stripe-Signature");
    case SignatureCheck::stale:
      throw Error(ErrorCode::invalid_input, "Stripe-Signature is too old");
    case SignatureCheck::forged:
      throw Error(ErrorCode::invalid_input, "Stripe-Signature does not match the body");
  }
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) throw Error(ErrorCode::invalid_input, "The event is not JSON");
  const auto& o = v.as_object();
  ProviderEvent e;
  e.id = text_of(o, "id");
  e.type = text_of(o, "type");
  if (e.id.empty() || e.type.empty())
    throw Error(ErrorCode::invalid_input, "The event has no id or type");
  const json::value* object = nullptr;
  if (auto* data = o.if_contains("data"); data != nullptr && data->is_object())
    object = data->as_object().if_contains("object");
  if (object != nullptr && object->is_object()) {
    const auto& obj = object->as_object();
    std::string kind = text_of(obj, "object");
    if (kind == "payment_intent") {
      e.intent_id = text_of(obj, "id");
      e.intent_status = text_of(obj, "status");
    } else {
      e.intent_id = text_of(obj, "payment_intent");  // a charge or a refund
      if (kind == "charge")
        if (const auto* refunded = obj.if_contains("refunded"); refunded && refunded->is_bool())
          e.fully_refunded = refunded->as_bool();
    }
  }
  return e;
}

}  // namespace shop::payments
