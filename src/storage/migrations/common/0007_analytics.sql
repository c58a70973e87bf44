-- The admin sales report (GET /api/admin/analytics, src/analytics/): each of its aggregates reads
-- one index range instead of whole tables.

-- Sales per day and orders by status: a range of created_at, with the status, the total and the
-- id in the index, so the orders table itself is not read.
CREATE INDEX orders_sales_idx ON orders (created_at, status, total_cents, id);

-- Units and sales per product: each line keeps the time its order was placed (it never changes),
-- so the lines of a range are one range of this index, read without the orders or the lines
-- themselves. Cancelled orders' lines are taken off from the few cancelled orders of the range
-- (orders_status_created_idx).
ALTER TABLE order_items ADD COLUMN placed_at BIGINT NOT NULL DEFAULT 0;
UPDATE order_items SET placed_at = (SELECT o.created_at FROM orders o WHERE o.id = order_items.order_id);
CREATE INDEX order_items_sales_idx ON order_items (placed_at, product_id, quantity, price_cents);

-- New customers in a range.
CREATE INDEX users_created_idx ON users (created_at);
-- Low stock, lowest first.
CREATE INDEX products_stock_idx ON products (stock, name, id);
