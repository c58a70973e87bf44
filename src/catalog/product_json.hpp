#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "catalog/product.hpp"
#include "core/json_writer.hpp"

namespace shop::catalog {

// Writes products in the contract's shape; `image` and `images` are absolute URLs under
// <public_url>/media/.
class ProductJson {
 public:
  explicit ProductJson(std::string public_url) : media_base_(std::move(public_url) + "/media/") {}

  void write(JsonWriter& w, const Product& p) const;
  std::string product(const Product& p) const;
  // {total, page, limit, totalPages, products}
  std::string page(const ProductPage& page, const ProductQuery& query) const;
  // [{category, count}]
  static std::string categories(const std::vector<CategoryCount>& categories);

 private:
  std::string media_base_;
};

}  // namespace shop::catalog
