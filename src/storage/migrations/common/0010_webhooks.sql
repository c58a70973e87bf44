-- Outbound webhooks (src/events/, src/webhooks/): the endpoints admins register, the events of
-- the outbox, written in the same transaction as the change they describe, and one delivery per
-- event and endpoint subscribed to it. Times are milliseconds since the epoch.

-- events: the names and wildcards subscribed to, framed by commas (",order.*,product.created,").
-- The signing secret signs every delivery; after a rotation the previous one signs too, until
-- previous_secret_until. active is 1 or 0; an endpoint is disabled by an admin, by a 410 answer,
-- or after too many consecutive failures (disabled_reason says which).
CREATE TABLE webhook_endpoints (
  id TEXT NOT NULL PRIMARY KEY,
  url TEXT NOT NULL,
  events TEXT NOT NULL,
  description TEXT NOT NULL,
  secret TEXT NOT NULL,
  previous_secret TEXT,
  previous_secret_until BIGINT,
  active INTEGER NOT NULL,
  consecutive_failures INTEGER NOT NULL,
  disabled_reason TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

-- The last sequence number given to an event about each resource (an order, a product, a user),
-- so that receivers can put the events of one resource in order whatever order they arrive in.
CREATE TABLE event_sequences (
  resource_id TEXT NOT NULL PRIMARY KEY,
  last BIGINT NOT NULL
);

-- The outbox. An event is written only when some active endpoint is subscribed to its type;
-- body is the JSON sent, {id, type, createdAt, sequence, data}.
CREATE TABLE webhook_events (
  id TEXT NOT NULL PRIMARY KEY,
  type TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  sequence BIGINT NOT NULL,
  body TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

-- One delivery of an event to an endpoint: pending until an answer 2xx (succeeded) or the last
-- attempt (failed). The log keeps the last answer's status, duration and body (cut at 4 KB).
CREATE TABLE webhook_deliveries (
  id TEXT NOT NULL PRIMARY KEY,
  endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  event_id TEXT NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at BIGINT,
  last_status INTEGER,
  last_error TEXT,
  last_duration_ms BIGINT,
  response_body TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
-- The dispatcher: due deliveries, soonest first.
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (status, next_attempt_at);
-- The delivery log of an endpoint, newest first.
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at);
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id);
