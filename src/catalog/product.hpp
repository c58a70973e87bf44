#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/money.hpp"

namespace shop::catalog {

struct Product {
  std::string id;
  std::string name;
  std::string description;
  Cents price = 0;
  std::string category;
  std::int64_t stock = 0;
  std::optional<std::string> image_list;    // media file name of the list-size rendition
  std::optional<std::string> image_detail;  // media file name of the detail-size rendition
  std::optional<std::string> created_by;    // user id of the admin who created it
  std::int64_t created_at = 0;              // ms since the epoch
  std::int64_t updated_at = 0;
};

enum class ProductSort : std::uint8_t { newest, oldest, price_asc, price_desc };

// A validated list query (see catalog_routes.cpp for how the query string becomes one).
struct ProductQuery {
  std::int64_t page = 1;
  std::int64_t limit = 10;
  std::optional<std::string> category;
  std::optional<Cents> min_price;
  std::optional<Cents> max_price;
  std::optional<std::string> search;  // as given (trimmed); matched case-insensitively
  ProductSort sort = ProductSort::newest;
};

struct ProductPage {
  std::int64_t total = 0;
  std::vector<Product> products;
};

struct CategoryCount {
  std::string category;
  std::int64_t count = 0;
};

}  // namespace shop::catalog
