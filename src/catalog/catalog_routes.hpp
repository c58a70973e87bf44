#pragma once

#include <cstddef>
#include <string_view>

#include "catalog/product.hpp"
#include "http/router.hpp"

namespace shop::catalog {

class CatalogService;

struct CatalogRouteOptions {
  std::size_t max_upload_bytes = 5 * 1024 * 1024;  // MAX_UPLOAD_MB
};

// The /api/products table of the contract.
void add_catalog_routes(http::Router& router, CatalogService& service, CatalogRouteOptions options);

// The list query string → a validated query; Error{invalid_input} naming each bad parameter.
ProductQuery parse_product_query(std::string_view query_string);

}  // namespace shop::catalog
