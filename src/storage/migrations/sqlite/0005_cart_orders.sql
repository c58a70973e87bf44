-- Carts, orders and idempotency keys. The same text runs on PostgreSQL (see ../postgres).
-- Money is integer cents; times are milliseconds since the epoch.

-- One row per product in a user's cart. Deleting a product or a user empties it from carts.
CREATE TABLE cart_items (
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
  quantity BIGINT NOT NULL CONSTRAINT cart_items_quantity_check CHECK (quantity BETWEEN 1 AND 1000),
  added_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, product_id)
);
CREATE INDEX cart_items_product_idx ON cart_items (product_id);

-- Orders keep their own copy of each line's name and price: a product may change or disappear,
-- an order never does. user_id has no foreign key so that orders outlive a deleted account.
CREATE TABLE orders (
  id TEXT NOT NULL PRIMARY KEY,
  user_id TEXT NOT NULL,
  status TEXT NOT NULL CONSTRAINT orders_status_check
    CHECK (status IN ('placed', 'paid', 'shipped', 'delivered', 'cancelled')),
  total_cents BIGINT NOT NULL CONSTRAINT orders_total_check CHECK (total_cents >= 0),
  shipping_address TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
-- GET /api/orders/my (a user's orders, newest first) and GET /api/orders (all, or by status).
CREATE INDEX orders_user_created_idx ON orders (user_id, created_at, id);
CREATE INDEX orders_created_idx ON orders (created_at, id);
CREATE INDEX orders_status_created_idx ON orders (status, created_at, id);

CREATE TABLE order_items (
  order_id TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  line INTEGER NOT NULL,
  product_id TEXT NOT NULL,
  name TEXT NOT NULL,
  image TEXT,
  price_cents BIGINT NOT NULL CONSTRAINT order_items_price_check CHECK (price_cents >= 0),
  quantity BIGINT NOT NULL CONSTRAINT order_items_quantity_check CHECK (quantity >= 1),
  PRIMARY KEY (order_id, line)
);

-- Idempotency-Key of POST /api/orders: per user, the SHA-256 of the request, and the answer. The
-- row is written in the same transaction as the order, so a key has an answer exactly when its
-- order exists.
CREATE TABLE idempotency_keys (
  user_id TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status INTEGER NOT NULL,
  response TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, idempotency_key)
);
CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);
