#include "orders/order_routes.hpp"

#include <fmt/format.h>

#include <boost/json/object.hpp>

#include "core/digest.hpp"
#include "core/text.hpp"
#include "http/body.hpp"
#include "http/body_reader.hpp"
#include "orders/order_service.hpp"

namespace shop::orders {
namespace {

using http::Access;
using http::Method;
using http::Request;
using http::RequestContext;
using http::Response;

constexpr char kStatusNames[] = "must be placed, paid, shipped, delivered or cancelled";

// One text field of the address: trimmed, UTF-8 without control characters, 1..max characters.
std::optional<std::string> address_field(const boost::json::object& a, std::string_view name,
                                         std::size_t max, bool required,
                                         std::vector<FieldError>& errors) {
  std::string field = fmt::format("shippingAddress.{}", name);
  auto it = a.find(name);
  if (it == a.end() || it->value().is_null()) {
    if (required) errors.push_back({field, "is required"});
    return std::nullopt;
  }
  if (!it->value().is_string()) {
    errors.push_back({field, "must be a string"});
    return std::nullopt;
  }
  std::string v(trim_whitespace(it->value().as_string()));
  std::size_t n = utf8_length(v);
  if (!valid_utf8(v) || has_control_characters(v) || n > max || (required && n == 0)) {
    errors.push_back(
        {field, fmt::format("must be {} to {} characters of text", required ? 1 : 0, max)});
    return std::nullopt;
  }
  if (n == 0) return std::nullopt;
  return v;
}

std::optional<ShippingAddress> read_shipping(const RequestContext& ctx) {
  if (!ctx.body.is_object()) return std::nullopt;
  const auto& body = ctx.body.as_object();
  auto it = body.find("shippingAddress");
  if (it == body.end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_object())
    throw Error(ErrorCode::invalid_input, "Validation failed",
                {{"shippingAddress", "must be an object"}});
  const auto& a = it->value().as_object();
  std::vector<FieldError> errors;
  ShippingAddress out;
  out.name = address_field(a, "name", 100, true, errors).value_or("");
  out.line1 = address_field(a, "line1", 200, true, errors).value_or("");
  out.line2 = address_field(a, "line2", 200, false, errors);
  out.city = address_field(a, "city", 100, true, errors).value_or("");
  out.postal_code = address_field(a, "postalCode", 20, true, errors).value_or("");
  auto country = address_field(a, "country", 2, true, errors);
  if (country) {
    std::string c = *country;
    for (char& ch : c)
      if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 32);
    if (c.size() != 2 || !std::isupper(static_cast<unsigned char>(c[0])) ||
        !std::isupper(static_cast<unsigned char>(c[1])))
      errors.push_back({"shippingAddress.country", "must be a two-letter country code"});
    out.country = c;
  }
  if (!errors.empty()) throw Error(ErrorCode::invalid_input, "Validation failed", errors);
  return out;
}

// page/limit of the list routes; both optional (then at most 1000 newest orders).
struct Paging {
  bool given = false;
  std::int64_t page = 1;
  std::int64_t limit = 1000;
  std::optional<OrderStatus> status;
};

Paging read_paging(std::string_view query, bool allow_status) {
  Paging p;
  std::vector<FieldError> errors;
  bool limit_given = false;
  for (auto& [name, value] : http::parse_urlencoded(query)) {
    if (name == "page") {
      p.given = true;
      p.page = http::parse_query_integer(value).value_or(0);
      if (p.page < 1 || p.page > 1'000'000)
        errors.push_back({name, "must be an integer from 1 to 1000000"});
    } else if (name == "limit") {
      p.given = limit_given = true;
      p.limit = http::parse_query_integer(value).value_or(0);
      if (p.limit < 1 || p.limit > 100)
        errors.push_back({name, "must be an integer from 1 to 100"});
    } else if (name == "status" && allow_status) {
      p.status = parse_order_status(value);
      if (!p.status) errors.push_back({name, kStatusNames});
    }
  }
  if (p.given && !limit_given) p.limit = 10;
  if (!errors.empty()) throw Error(ErrorCode::invalid_input, "Invalid query", errors);
  return p;
}

class OrderRoutes {
 public:
  explicit OrderRoutes(OrderService& service) : service_(service) {}

  Response place(Request& req, RequestContext& ctx) {
    std::optional<IdempotentRequest> idem;
    if (auto key = req.headers.get("Idempotency-Key")) {
      bool printable =
          std::all_of(key->begin(), key->end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
      if (key->empty() || key->size() > 255 || !printable)
        throw Error(ErrorCode::invalid_input,
                    "Idempotency-Key must be 1 to 255 visible ASCII characters");
      idem = IdempotentRequest{std::string(*key), sha256_hex(req.body)};
    }
    PlacedAnswer answer = service_.place(ctx.user->id, read_shipping(ctx), idem);
    Response r = Response::json(answer.status, std::move(answer.body));
    if (answer.replayed) r.headers.add("Idempotent-Replayed", "true");
    return r;
  }

  Response mine(Request& req, RequestContext& ctx) {
    Paging p = read_paging(req.query, false);
    OrderListQuery q;
    q.user_id = ctx.user->id;
    return list_response(std::move(q), p, true);
  }

  Response all(Request& req, RequestContext&) {
    Paging p = read_paging(req.query, true);
    OrderListQuery q;
    q.status = p.status;
    q.with_users = true;
    return list_response(std::move(q), p, false);
  }

  Response get(Request&, RequestContext& ctx) {
    return one(service_.get(ctx.param("id"), ctx.user->id, ctx.user->role == "admin"), ctx);
  }

  Response set_status(Request&, RequestContext& ctx) {
    http::BodyReader body(ctx);
    std::string name = body.required_string("status");
    body.finish();
    auto status = parse_order_status(name);
    if (!status)
      throw Error(ErrorCode::invalid_input, "Validation failed", {{"status", kStatusNames}});
    return one(service_.set_status(ctx.param("id"), *status), ctx);
  }

  Response cancel(Request&, RequestContext& ctx) {
    return one(service_.cancel(ctx.param("id"), ctx.user->id, ctx.user->role == "admin"), ctx);
  }

 private:
  // The payment's client secret goes to the order's owner only, never to an admin.
  Response one(const Order& o, const RequestContext& ctx) const {
    return Response::json(200, service_.json().order(o, o.user_id == ctx.user->id));
  }

  Response list_response(OrderListQuery q, const Paging& p, bool to_owner) {
    q.limit = p.limit;
    q.offset = (p.page - 1) * p.limit;
    std::int64_t total = 0;
    auto orders = service_.list(q, &total);
    Response r = Response::json(200, service_.json().list(orders, to_owner));
    r.headers.add("X-Total-Count", std::to_string(total));
    return r;
  }

  OrderService& service_;
};

}  // namespace

void add_order_routes(http::Router& router, OrderService& service, ThreadPool* provider_pool) {
  auto routes = std::make_shared<OrderRoutes>(service);
  http::MemberHandlers bind(routes);
  router.add({.method = Method::post,
              .pattern = "/api/orders",
              .handler = bind(&OrderRoutes::place),
              .pool = provider_pool,
              .access = Access::user});
  router.add({.method = Method::get,
              .pattern = "/api/orders/my",
              .handler = bind(&OrderRoutes::mine),
              .access = Access::user});
  router.add({.method = Method::get,
              .pattern = "/api/orders",
              .handler = bind(&OrderRoutes::all),
              .access = Access::admin});
  router.add({.method = Method::get,
              .pattern = "/api/orders/:id",
              .handler = bind(&OrderRoutes::get),
              .access = Access::user});
  router.add({.method = Method::patch,
              .pattern = "/api/orders/:id/status",
              .handler = bind(&OrderRoutes::set_status),
              .pool = provider_pool,
              .access = Access::admin});
  router.add({.method = Method::post,
              .pattern = "/api/orders/:id/cancel",
              .handler = bind(&OrderRoutes::cancel),
              .pool = provider_pool,
              .access = Access::user});
}

}  // namespace shop::orders
