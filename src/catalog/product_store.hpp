#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/product.hpp"
#include "storage/database.hpp"

namespace shop::catalog {

// The products table. Methods take the executor to run on (a lease or a transaction).
class ProductStore {
 public:
  std::optional<Product> find(storage::Executor& db, std::string_view id) const;
  ProductPage list(storage::Executor& db, const ProductQuery& query) const;
  std::vector<CategoryCount> categories(storage::Executor& db) const;
  void insert(storage::Executor& db, const Product& product) const;
  // Inserts unless a product with that id exists; true when inserted (seed-demo).
  bool insert_if_absent(storage::Executor& db, const Product& product) const;
  // Writes every field but id, created_by and created_at; false when no such product.
  bool update(storage::Executor& db, const Product& product) const;
  bool remove(storage::Executor& db, std::string_view id) const;
};

// '%' + text with '\', '%' and '_' escaped + '%': a LIKE pattern (ESCAPE '\') that matches text
// literally anywhere.
std::string contains_pattern(std::string_view text);

}  // namespace shop::catalog
