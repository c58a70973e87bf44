-- The catalog. The same text runs on PostgreSQL (see ../postgres). Money is integer cents.
-- name_folded is the name lower-cased by shopd (Unicode-aware, core/text.hpp), so a search matches
-- the same way on both databases whatever their collation.
-- image_list / image_detail are file names under MEDIA_DIR (content hashes), or NULL.
CREATE TABLE products (
  id TEXT NOT NULL PRIMARY KEY,
  name TEXT NOT NULL,
  name_folded TEXT NOT NULL,
  description TEXT NOT NULL,
  price_cents BIGINT NOT NULL
    CONSTRAINT products_price_check CHECK (price_cents >= 0 AND price_cents <= 9999999999),
  category TEXT NOT NULL,
  stock BIGINT NOT NULL CONSTRAINT products_stock_check CHECK (stock >= 0),
  image_list TEXT,
  image_detail TEXT,
  created_by TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

-- Indexes for the list queries (page through 100,000 products without sorting them all):
--   no filter, sort newest/oldest          → products_created_idx (walk it, stop after the page)
--   no filter, sort price_asc/price_desc,
--   or a minPrice/maxPrice range           → products_price_idx
--   category, with any sort or range       → products_category_created_idx /
--                                            products_category_price_idx (equality + order)
--   GET /categories (GROUP BY category)    → products_category_created_idx, read only
--   search (a substring of the name)      → no B-tree can seek to a substring, so the count scans
--                                            products_name_idx, or with a category
--                                            products_category_name_idx: index-only, no row
--                                            reads; the page itself walks the sort index and
--                                            stops after `limit` matches. Answers are cached.
-- The id in each index makes the order total, so pages never repeat or skip a product.
CREATE INDEX products_created_idx ON products (created_at, id);
CREATE INDEX products_price_idx ON products (price_cents, id);
CREATE INDEX products_category_created_idx ON products (category, created_at, id);
CREATE INDEX products_category_price_idx ON products (category, price_cents, id);
CREATE INDEX products_name_idx ON products (name_folded);
CREATE INDEX products_category_name_idx ON products (category, name_folded);
-- Which products still use a media file (old files are deleted only when no row does).
CREATE INDEX products_image_list_idx ON products (image_list);
CREATE INDEX products_image_detail_idx ON products (image_detail);
