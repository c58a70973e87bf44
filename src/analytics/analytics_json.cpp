#include "analytics/analytics_json.hpp"

#include <fmt/format.h>

#include "core/json_writer.hpp"
#include "core/money.hpp"
#include "orders/order_status.hpp"

namespace shop::analytics {
namespace {

// Tenths of a percent as a JSON number: 125 → 12.5, -500 → -50, 5 → 0.5, -5 → -0.5.
std::string percent(std::int64_t tenths) {
  std::int64_t whole = tenths / 10;
  std::int64_t tenth = tenths % 10;
  if (tenth == 0) return fmt::format("{}", whole);
  return fmt::format("{}{}.{}", tenths < 0 ? "-" : "", whole < 0 ? -whole : whole,
                     tenth < 0 ? -tenth : tenth);
}

void growth(JsonWriter& w, std::string_view name, std::int64_t previous, std::int64_t current) {
  w.key(name);
  if (auto g = growth_tenths(previous, current))
    w.raw_number(percent(*g));
  else
    w.null();
}

}  // namespace

std::string report_json(const Report& r, const std::string& media_base_url) {
  JsonWriter w;
  const ReportQuery& q = r.query;
  w.begin_object().key("range").begin_object();
  w.key("from").string(to_string(q.from)).key("to").string(to_string(q.to));
  w.key("tz").string(q.tz.name()).key("days").number(q.days()).end_object();
  w.key("previous").begin_object().key("from").string(to_string(r.previous_from));
  w.key("to").string(to_string(r.previous_to)).end_object();

  Cents aov = average_order_value(r.current);
  Cents previous_aov = average_order_value(r.previous);
  w.key("summary").begin_object();
  w.key("sales").raw_number(format_money(r.current.sales));
  w.key("orders").number(r.current.orders);
  w.key("averageOrderValue").raw_number(format_money(aov));
  w.key("unitsSold").number(r.units_sold);
  w.key("newCustomers").number(r.new_customers).end_object();

  // Against a previous period without orders there is nothing to compare: all three are null.
  bool comparable = r.previous.orders > 0;
  w.key("growth").begin_object();
  growth(w, "sales", comparable ? r.previous.sales : 0, r.current.sales);
  growth(w, "orders", r.previous.orders, r.current.orders);
  growth(w, "averageOrderValue", comparable ? previous_aov : 0, aov);
  w.end_object();

  w.key("daily").begin_array();
  for (const auto& d : r.daily) {
    w.begin_object().key("date").string(to_string(d.date));
    w.key("sales").raw_number(format_money(d.totals.sales));
    w.key("orders").number(d.totals.orders).end_object();
  }
  w.end_array();

  w.key("topProducts").begin_array();
  for (const auto& p : r.top_products) {
    w.begin_object().key("_id").string(p.product_id).key("name").string(p.name);
    w.key("image");
    if (p.image)
      w.string(media_base_url + *p.image);
    else
      w.null();
    w.key("unitsSold").number(p.units);
    w.key("sales").raw_number(format_money(p.sales)).end_object();
  }
  w.end_array();

  w.key("ordersByStatus").begin_object();
  for (std::size_t i = 0; i < r.orders_by_status.size(); ++i)
    w.key(orders::to_string(static_cast<orders::OrderStatus>(i))).number(r.orders_by_status[i]);
  w.end_object();

  w.key("lowStock").begin_array();
  for (const auto& p : r.low_stock) {
    w.begin_object().key("_id").string(p.product_id).key("name").string(p.name);
    w.key("stock").number(p.stock).end_object();
  }
  w.end_array();
  w.end_object();
  return w.take();
}

}  // namespace shop::analytics
