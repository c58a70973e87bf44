#include "cart/cart_routes.hpp"

#include "cart/cart_service.hpp"
#include "core/json_writer.hpp"
#include "http/body_reader.hpp"

namespace shop::cart {
namespace {

using http::Access;
using http::BodyKind;
using http::Method;
using http::Request;
using http::RequestContext;
using http::Response;

class CartRoutes {
 public:
  CartRoutes(CartService& service, std::string media_base_url)
      : service_(service), media_base_(std::move(media_base_url)) {}

  Response get(Request&, RequestContext& ctx) {
    JsonWriter w;
    write_cart(w, service_.get(ctx.user->id));
    return Response::json(200, w.take());
  }

  Response add(Request&, RequestContext& ctx) {
    http::BodyReader body(ctx);
    std::string product_id = body.required_string("productId");
    auto quantity = body.optional_integer("quantity", 1, kMaxLineQuantity, accepts_text(ctx));
    body.finish();
    return with_cart("Item added to cart.",
                     service_.add(ctx.user->id, product_id, quantity.value_or(1)));
  }

  Response update(Request&, RequestContext& ctx) {
    http::BodyReader body(ctx);
    std::string product_id = body.required_string("productId");
    bool has_quantity = body.has("quantity");
    auto quantity = body.optional_integer("quantity", 0, kMaxLineQuantity, accepts_text(ctx));
    if (!has_quantity) body.add_error("quantity", "is required");
    body.finish();
    return with_cart("Cart updated", service_.update(ctx.user->id, product_id, *quantity));
  }

  Response remove(Request&, RequestContext& ctx) {
    std::string product_id(ctx.param("productId"));
    if (product_id.empty()) {
      http::BodyReader body(ctx);
      product_id = body.required_string("productId");
      body.finish();
    }
    return with_cart("Item removed from cart", service_.remove(ctx.user->id, product_id));
  }

  Response clear(Request&, RequestContext& ctx) {
    service_.clear(ctx.user->id);
    return Response::json(200, R"({"message":"Cart cleared"})");
  }

 private:
  // Form fields are text by nature; in JSON a quantity must be a number ("3" is refused).
  static bool accepts_text(const RequestContext& ctx) { return ctx.body_kind == BodyKind::form; }

  void write_cart(JsonWriter& w, const Cart& cart) const {
    w.begin_object().key("items").begin_array();
    for (const auto& l : cart.lines) {
      w.begin_object().key("product").begin_object();
      w.key("_id").string(l.product_id).key("name").string(l.name);
      w.key("price").raw_number(format_money(l.price));
      if (l.image)
        w.key("image").string(media_base_ + *l.image);
      else
        w.key("image").null();
      w.key("category").string(l.category).key("stock").number(l.stock);
      w.end_object().key("quantity").number(l.quantity).end_object();
    }
    w.end_array();
    w.key("totalItems").number(cart.total_items);
    w.key("totalPrice").raw_number(format_money(cart.total_price));
    w.end_object();
  }

  Response with_cart(std::string_view message, const Cart& cart) const {
    JsonWriter w;
    w.begin_object().key("message").string(message).key("cart");
    write_cart(w, cart);
    w.end_object();
    return Response::json(200, w.take());
  }

  CartService& service_;
  std::string media_base_;
};

}  // namespace

void add_cart_routes(http::Router& router, CartService& service, std::string media_base_url) {
  auto routes = std::make_shared<CartRoutes>(service, std::move(media_base_url));
  http::MemberHandlers bind(routes);
  router.add({.method = Method::get,
              .pattern = "/api/cart",
              .handler = bind(&CartRoutes::get),
              .access = Access::user});
  router.add({.method = Method::post,
              .pattern = "/api/cart/add",
              .handler = bind(&CartRoutes::add),
              .access = Access::user});
  router.add({.method = Method::put,
              .pattern = "/api/cart/update",
              .handler = bind(&CartRoutes::update),
              .access = Access::user});
  router.add({.method = Method::del,
              .pattern = "/api/cart/remove",
              .handler = bind(&CartRoutes::remove),
              .access = Access::user});
  router.add({.method = Method::del,
              .pattern = "/api/cart/remove/:productId",
              .handler = bind(&CartRoutes::remove),
              .access = Access::user});
  router.add({.method = Method::del,
              .pattern = "/api/cart/clear",
              .handler = bind(&CartRoutes::clear),
              .access = Access::user});
}

}  // namespace shop::cart
