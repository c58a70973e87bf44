-- Running totals for the admin sales report (src/analytics/), kept by the orders store
-- (src/orders/order_totals.cpp) in the transaction of every order placed or moved, so that a
-- report over months sums a few rows per hour and per day instead of every order and line.

-- Per UTC hour in which orders were placed: the orders that count as sales (any status but
-- cancelled) with their total, and the orders of the hour by their status now. On PostgreSQL an
-- hour has several rows (shards, by order id) so that concurrent checkouts do not all wait for
-- one row; a report sums them. A local day that does not begin on a whole hour (UTC+05:30) reads
-- its first and last part hour from the orders themselves.
CREATE TABLE sales_hours (
  hour BIGINT NOT NULL,
  shard INTEGER NOT NULL,
  orders BIGINT NOT NULL,
  sales_cents BIGINT NOT NULL,
  placed BIGINT NOT NULL,
  paid BIGINT NOT NULL,
  shipped BIGINT NOT NULL,
  delivered BIGINT NOT NULL,
  cancelled BIGINT NOT NULL,
  PRIMARY KEY (hour, shard)
);

-- Per UTC day and product: units and sales of the lines of orders that are not cancelled. A
-- report's first and last part day come from the lines themselves (order_items_sales_idx).
CREATE TABLE product_sales_days (
  day BIGINT NOT NULL,
  product_id TEXT NOT NULL,
  units BIGINT NOT NULL,
  sales_cents BIGINT NOT NULL,
  PRIMARY KEY (day, product_id)
);

-- The totals of the orders placed before this migration.
INSERT INTO sales_hours (hour, shard, orders, sales_cents, placed, paid, shipped, delivered,
                         cancelled)
SELECT created_at - created_at % 3600000, 0,
       sum(CASE WHEN status <> 'cancelled' THEN 1 ELSE 0 END),
       sum(CASE WHEN status <> 'cancelled' THEN total_cents ELSE 0 END),
       sum(CASE WHEN status = 'placed' THEN 1 ELSE 0 END),
       sum(CASE WHEN status = 'paid' THEN 1 ELSE 0 END),
       sum(CASE WHEN status = 'shipped' THEN 1 ELSE 0 END),
       sum(CASE WHEN status = 'delivered' THEN 1 ELSE 0 END),
       sum(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END)
FROM orders GROUP BY created_at - created_at % 3600000;

INSERT INTO product_sales_days (day, product_id, units, sales_cents)
SELECT i.placed_at - i.placed_at % 86400000, i.product_id, sum(i.quantity),
       sum(i.price_cents * i.quantity)
FROM order_items i JOIN orders o ON o.id = i.order_id
WHERE o.status <> 'cancelled'
GROUP BY i.placed_at - i.placed_at % 86400000, i.product_id;

-- The name and picture of a product deleted since it sold: one of its lines in the range.
CREATE INDEX order_items_product_idx ON order_items (product_id, placed_at);
