#include "orders/order_json.hpp"

#include "core/money.hpp"
#include "core/time.hpp"

namespace shop::orders {

void OrderJson::write_payment(JsonWriter& w, const OrderPayment& p, bool to_owner) const {
  auto text_or_null = [&](const std::optional<std::string>& v) {
    if (v)
      w.string(*v);
    else
      w.null();
  };
  w.begin_object().key("provider").string(p.provider).key("status").string(p.status);
  w.key("intentId");
  text_or_null(p.intent_id);
  if (to_owner) {
    w.key("clientSecret");
    text_or_null(p.client_secret);
  }
  if (p.refund_status) {
    w.key("refund").begin_object().key("id");
    text_or_null(p.refund_id);
    w.key("status").string(*p.refund_status).end_object();
  }
  w.end_object();
}

void OrderJson::write(JsonWriter& w, const Order& o, bool to_owner) const {
  w.begin_object().key("_id").string(o.id);
  if (o.user) {
    w.key("user").begin_object().key("_id").string(o.user->id).key("name").string(o.user->name);
    w.key("email").string(o.user->email).end_object();
  } else {
    w.key("user").string(o.user_id);
  }
  w.key("items").begin_array();
  for (const auto& i : o.items) {
    w.begin_object().key("product").begin_object().key("_id").string(i.product_id);
    w.key("name").string(i.name);
    if (i.image)
      w.key("image").string(media_base_ + *i.image);
    else
      w.key("image").null();
    w.end_object();
    w.key("name").string(i.name).key("quantity").number(i.quantity);
    w.key("priceAtPurchase").raw_number(format_money(i.price)).end_object();
  }
  w.end_array();
  w.key("totalAmount").raw_number(format_money(o.total));
  w.key("status").string(to_string(o.status));
  if (o.shipping) {
    const auto& a = *o.shipping;
    w.key("shippingAddress").begin_object().key("name").string(a.name);
    w.key("line1").string(a.line1);
    if (a.line2)
      w.key("line2").string(*a.line2);
    else
      w.key("line2").null();
    w.key("city").string(a.city).key("postalCode").string(a.postal_code);
    w.key("country").string(a.country).end_object();
  } else {
    w.key("shippingAddress").null();
  }
  if (o.payment) {
    w.key("payment");
    write_payment(w, *o.payment, to_owner);
  }
  w.key("createdAt").string(iso8601_ms(o.created_at));
  w.key("updatedAt").string(iso8601_ms(o.updated_at));
  w.end_object();
}

std::string OrderJson::order(const Order& o, bool to_owner) const {
  JsonWriter w;
  write(w, o, to_owner);
  return w.take();
}

std::string OrderJson::placed(const Order& o) const {
  JsonWriter w;
  w.begin_object().key("message").string("Order placed successfully").key("order");
  write(w, o, true);
  w.end_object();
  return w.take();
}

std::string OrderJson::list(const std::vector<Order>& orders, bool to_owner) const {
  JsonWriter w;
  w.begin_array();
  for (const auto& o : orders)
    write(w, o, to_owner);
  w.end_array();
  return w.take();
}

}  // namespace shop::orders
