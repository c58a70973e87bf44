-- Indexes for the admin sales report (GET /api/admin/analytics, src/analytics/): each of its
-- aggregates reads one index range instead of the whole table.

-- Sales per day and orders by status: a range of created_at, with the status, the total and the
-- id in the index, so the orders table itself is not read.
CREATE INDEX orders_sales_idx ON orders (created_at, status, total_cents, id);
-- Units and sales per product: the lines of those orders, read from the index alone.
CREATE INDEX order_items_sales_idx ON order_items (order_id, product_id, quantity, price_cents);
-- New customers in a range.
CREATE INDEX users_created_idx ON users (created_at);
-- Low stock, lowest first.
CREATE INDEX products_stock_idx ON products (stock, name, id);
