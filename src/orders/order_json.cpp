#include "orders/order_json.hpp"

#include "core/money.hpp"
#include "core/time.hpp"

namespace shop::orders {

void OrderJson::write(JsonWriter& w, const Order& o) const {
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
  w.key("createdAt").string(iso8601_ms(o.created_at));
  w.key("updatedAt").string(iso8601_ms(o.updated_at));
  w.end_object();
}

std::string OrderJson::order(const Order& o) const {
  JsonWriter w;
  write(w, o);
  return w.take();
}

std::string OrderJson::placed(const Order& o) const {
  JsonWriter w;
  w.begin_object().key("message").string("Order placed successfully").key("order");
  write(w, o);
  w.end_object();
  return w.take();
}

std::string OrderJson::list(const std::vector<Order>& orders) const {
  JsonWriter w;
  w.begin_array();
  for (const auto& o : orders)
    write(w, o);
  w.end_array();
  return w.take();
}

}  // namespace shop::orders
