#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/product.hpp"
#include "storage/database.hpp"

namespace shop::catalog {

// The fields of a product an update writes; absent ones keep their stored value.
struct ProductChanges {
  std::optional<std::string> name = std::nullopt;
  std::optional<std::string> description = std::nullopt;
  std::optional<Cents> price = std::nullopt;
  std::optional<std::string> category = std::nullopt;
  std::optional<std::int64_t> stock = std::nullopt;
  struct Image {
    std::string list;
    std::string detail;
  };
  std::optional<Image> image = std::nullopt;
};

// The products table. Methods take the executor to run on (a lease or a transaction).
class ProductStore {
 public:
  std::optional<Product> find(storage::Executor& db, std::string_view id) const;
  // find(), locking the row until the transaction ends (PostgreSQL; SQLite's writers are
  // serialized already). For a decision that depends on the row, such as which files to delete.
  std::optional<Product> lock(storage::Executor& db, std::string_view id) const;
  ProductPage list(storage::Executor& db, const ProductQuery& query) const;
  std::vector<CategoryCount> categories(storage::Executor& db) const;
  void insert(storage::Executor& db, const Product& product) const;
  // Inserts unless a product with that id exists; true when inserted (seed-demo).
  bool insert_if_absent(storage::Executor& db, const Product& product) const;
  // Writes only the fields in `changes` (and updated_at, never backwards) in one statement, and
  // returns the product as stored; nullopt when no such product.
  std::optional<Product> update(storage::Executor& db, std::string_view id,
                                const ProductChanges& changes, std::int64_t now) const;
  // Deletes the product and returns it as it was (its picture files); nullopt when none.
  std::optional<Product> remove(storage::Executor& db, std::string_view id) const;
  // Gives units back (a cancelled order); a deleted product is left alone.
  void return_stock(storage::Executor& db, std::string_view id, std::int64_t quantity) const;
};

// '%' + text with '\', '%' and '_' escaped + '%': a LIKE pattern (ESCAPE '\') that matches text
// literally anywhere.
std::string contains_pattern(std::string_view text);

}  // namespace shop::catalog
