#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/database.hpp"

namespace shop::events {

// The event types shopd sends, by name ("order.placed"). A subscription names some of them, or
// a wildcard: "order.*" (every event of orders) or "*" (all).
const std::vector<std::string_view>& event_types();
// True when `pattern` ("order.*", "product.created", "*") is a name or a wildcard that matches at
// least one event type.
bool valid_pattern(std::string_view pattern);
// True when `subscribed` (the patterns of an endpoint, each framed by commas:
// ",order.*,product.created,") takes events of `type`.
bool subscribes(std::string_view subscribed, std::string_view type);

// What changed: an event of `type` about the resource `resource_id`, with `data` the resource's
// JSON as an admin sees it (never a secret, never password material).
struct Event {
  std::string type;
  std::string resource_id;
  std::string data;  // one JSON value
};

// What add() wrote: the event's id and sequence number, and the deliveries made for it.
struct Recorded {
  std::string event_id;
  std::int64_t sequence = 0;
  std::int64_t deliveries = 0;
};

// The transactional outbox. add() runs in the caller's transaction, so an acknowledged change
// always has its event and a rolled-back one never does; the webhook dispatcher sends the
// deliveries after the commit. An event goes to every active endpoint subscribed to its type at
// that moment; with none, nothing is written (a shop without webhooks pays one read of a table
// of no rows).
//
// Safe under READ COMMITTED: the per-resource sequence number is one upsert (the row of the
// resource stays locked until the commit, so two transactions about one resource take numbers
// in the order they commit), and the rest are inserts of new rows.
class Outbox {
 public:
  // `now` is milliseconds since the epoch; it becomes the event's createdAt.
  Recorded add(storage::Executor& tx, const Event& event, std::int64_t now) const;
};

}  // namespace shop::events
