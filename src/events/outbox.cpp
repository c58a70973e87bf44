#include "events/outbox.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/ids.hpp"
#include "core/json_writer.hpp"
#include "core/time.hpp"

namespace shop::events {
namespace {

using storage::to_value;
using storage::Value;

// Safe: only reads; an endpoint made after this transaction began its read gets later events.
constexpr std::string_view kActiveEndpoints =
    "SELECT id, events FROM webhook_endpoints WHERE active = 1 ORDER BY id";
// Safe: one upsert; the resource's row stays locked until the commit.
constexpr std::string_view kNextSequence =
    "INSERT INTO event_sequences (resource_id, last) VALUES ($1, 1) "
    "ON CONFLICT (resource_id) DO UPDATE SET last = event_sequences.last + 1 RETURNING last";
// Safe: a new row.
constexpr std::string_view kInsertEvent =
    "INSERT INTO webhook_events (id, type, resource_id, sequence, body, created_at) "
    "VALUES ($1, $2, $3, $4, $5, $6)";

}  // namespace

const std::vector<std::string_view>& event_types() {
  static const std::vector<std::string_view> all{
      "order.placed",          "order.paid",      "order.status_changed",
      "order.cancelled",       "order.refunded",  "product.created",
      "product.updated",       "product.deleted", "product.out_of_stock",
      "product.back_in_stock", "user.registered", "webhook.test"};
  return all;
}

bool valid_pattern(std::string_view pattern) {
  if (pattern == "*") return true;
  if (pattern.ends_with(".*")) {
    std::string_view prefix = pattern.substr(0, pattern.size() - 1);  // "order."
    return std::any_of(event_types().begin(), event_types().end(),
                       [&](std::string_view t) { return t.starts_with(prefix); });
  }
  return std::find(event_types().begin(), event_types().end(), pattern) != event_types().end();
}

bool subscribes(std::string_view subscribed, std::string_view type) {
  auto has = [&](std::string_view pattern) {
    return subscribed.find(fmt::format(",{},", pattern)) != std::string_view::npos;
  };
  if (has(type) || has("*")) return true;
  auto dot = type.find('.');
  return dot != std::string_view::npos && has(fmt::format("{}*", type.substr(0, dot + 1)));
}

Recorded Outbox::add(storage::Executor& tx, const Event& event, std::int64_t now) const {
  std::vector<std::string> endpoints;
  for (const auto& row : tx.execute(kActiveEndpoints).rows())
    if (subscribes(row.get_text(1), event.type)) endpoints.push_back(row.get_text(0));
  Recorded r;
  if (endpoints.empty()) return r;
  r.sequence = tx.execute(kNextSequence, {to_value(event.resource_id)}).front().get_int(0);
  r.event_id = new_id();
  JsonWriter body;
  body.begin_object()
      .key("id")
      .string(r.event_id)
      .key("type")
      .string(event.type)
      .key("createdAt")
      .string(iso8601_ms(now))
      .key("sequence")
      .number(r.sequence)
      .key("data")
      .raw_value(event.data)
      .end_object();
  tx.execute(kInsertEvent, {to_value(r.event_id), to_value(event.type), to_value(event.resource_id),
                            Value(r.sequence), to_value(body.str()), Value(now)});
  // One statement for every delivery: (id, endpoint, event, 'pending', 0, now, now, now).
  std::vector<Value> params;
  std::string rows;
  for (const auto& endpoint : endpoints) {
    std::size_t n = params.size();
    rows += fmt::format("{}(${}, ${}, ${}, 'pending', 0, ${}, ${}, ${})", rows.empty() ? "" : ", ",
                        n + 1, n + 2, n + 3, n + 4, n + 4, n + 4);
    params.push_back(to_value(new_id()));
    params.push_back(to_value(endpoint));
    params.push_back(to_value(r.event_id));
    params.push_back(Value(now));
  }
  tx.execute(fmt::format("INSERT INTO webhook_deliveries (id, endpoint_id, event_id, status, "
                         "attempts, next_attempt_at, created_at, updated_at) VALUES {}",
                         rows),
             std::span<const Value>(params));
  r.deliveries = static_cast<std::int64_t>(endpoints.size());
  return r;
}

}  // namespace shop::events
