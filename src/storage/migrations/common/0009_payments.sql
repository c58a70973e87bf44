-- Payments through an online provider (src/payments/): one row per order paid that way, and the
-- provider's webhook events already handled. Orders paid by hand (PAYMENT_PROVIDER=manual) have
-- no row. Money is integer minor units; times are milliseconds since the epoch.

-- status: pending while no intent exists at the provider (it was not reached yet, or the call is
-- under way), then the intent's status as the provider last told it (requires_payment_method,
-- requires_action, processing, requires_capture, succeeded, canceled), or failed after a failed
-- attempt (the buyer may try again with the same client secret). attempt counts the intents made
-- for the order: the idempotency key of each is the order id and its attempt, so a call repeated
-- after a crash gives back the same intent. refund_status: due once a cancelled order's money must
-- go back and no refund is recorded yet, then the provider's status of the refund.
CREATE TABLE payments (
  order_id TEXT NOT NULL PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
  provider TEXT NOT NULL,
  status TEXT NOT NULL,
  amount_cents BIGINT NOT NULL CONSTRAINT payments_amount_check CHECK (amount_cents >= 0),
  currency TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  intent_id TEXT,
  client_secret TEXT,
  refund_id TEXT,
  refund_status TEXT,
  last_error TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
-- A webhook names the intent; NULLs (no intent yet) do not collide.
CREATE UNIQUE INDEX payments_intent_idx ON payments (intent_id);
-- The reconciler: payments by status, oldest first.
CREATE INDEX payments_status_idx ON payments (status, created_at);
-- The reconciler: refunds still due.
CREATE INDEX payments_refund_idx ON payments (refund_status);

-- Each webhook event is handled once: its id is claimed in the transaction that applies it.
CREATE TABLE payment_events (
  id TEXT NOT NULL PRIMARY KEY,
  type TEXT NOT NULL,
  received_at BIGINT NOT NULL
);
