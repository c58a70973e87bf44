#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/money.hpp"
#include "storage/database.hpp"

namespace shop::analytics {

// Orders that count as sales (any status but cancelled) in a span of time.
struct SalesTotals {
  std::int64_t orders = 0;
  Cents sales = 0;
};

// Orders placed in a span: those that count as sales, and all of them by their status now
// (placed, paid, shipped, delivered, cancelled; see orders::OrderStatus).
struct SpanTotals {
  SalesTotals sales;
  std::array<std::int64_t, 5> by_status{};
};

struct ProductSales {
  std::string product_id;
  std::string name;                  // the product's name now, or an order line's
  std::optional<std::string> image;  // a media file name, or none
  std::int64_t units = 0;
  Cents sales = 0;
};

struct LowStockProduct {
  std::string product_id;
  std::string name;
  std::int64_t stock = 0;
};

// Read-only aggregates for the admin report. Times are milliseconds since the epoch; every span
// is [from, to). Sales come from the running totals the orders store keeps per UTC hour and per
// UTC day and product (migrations/common/0008_sales_totals.sql); the part of a span that is not
// whole hours (or whole days, for products) comes from the orders and their lines themselves, on
// the indexes of migrations/common/0007_analytics.sql. Each query is one SQL aggregate over an
// index range, so a report costs rows per hour and day, not per order.
class AnalyticsStore {
 public:
  // The totals of each span [starts[i], starts[i+1]): starts.size() - 1 entries. The spans are
  // the local days of the report's time zone, so they need not be 24 hours long, nor begin on a
  // whole hour.
  std::vector<SpanTotals> totals_by_span(storage::Executor& db,
                                         const std::vector<std::int64_t>& starts) const;
  // Units and sales of every product sold in the span (names and pictures left empty), in no
  // particular order.
  std::vector<ProductSales> product_sales(storage::Executor& db, std::int64_t from,
                                          std::int64_t to) const;
  // Fills in the names and pictures of a few products: the catalog's, or for a product deleted
  // since, those of one of its order lines in the span.
  void describe(storage::Executor& db, std::vector<ProductSales>& products, std::int64_t from,
                std::int64_t to) const;
  // Accounts created in the span, administrators left out.
  std::int64_t new_customers(storage::Executor& db, std::int64_t from, std::int64_t to) const;
  // Products with stock <= threshold, lowest stock first, then by name and id.
  std::vector<LowStockProduct> low_stock(storage::Executor& db, std::int64_t threshold,
                                         std::int64_t limit) const;
};

}  // namespace shop::analytics
