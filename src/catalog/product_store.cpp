#include "catalog/product_store.hpp"

#include <fmt/format.h>

#include "core/text.hpp"

namespace shop::catalog {
namespace {

using storage::to_value;
using storage::Value;

constexpr std::string_view kColumns =
    "id, name, description, price_cents, category, stock, image_list, image_detail, created_by, "
    "created_at, updated_at";

constexpr std::string_view kSelectById =
    "SELECT id, name, description, price_cents, category, stock, image_list, image_detail, "
    "created_by, created_at, updated_at FROM products WHERE id = $1";
// PostgreSQL: the row stays locked until the transaction ends. SQLite needs no lock: writers are
// serialized by BEGIN IMMEDIATE.
constexpr std::string_view kLockById =
    "SELECT id, name, description, price_cents, category, stock, image_list, image_detail, "
    "created_by, created_at, updated_at FROM products WHERE id = $1 FOR UPDATE";
// Safe: a new row (a fresh random id).
constexpr std::string_view kInsert =
    "INSERT INTO products (id, name, name_folded, description, price_cents, category, stock, "
    "image_list, image_detail, created_by, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
// Safe: a new row, or nothing.
constexpr std::string_view kInsertIfAbsent =
    "INSERT INTO products (id, name, name_folded, description, price_cents, category, stock, "
    "image_list, image_detail, created_by, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING";
// Safe: one statement that returns what it deleted, so the files it names are the row's last.
constexpr std::string_view kDelete =
    "DELETE FROM products WHERE id = $1 RETURNING id, name, description, price_cents, category, "
    "stock, image_list, image_detail, created_by, created_at, updated_at";
// Safe: relative to the stored stock at the moment of the update, never a value read earlier.
constexpr std::string_view kReturnStock = "UPDATE products SET stock = stock + $2 WHERE id = $1";
constexpr std::string_view kCategories =
    "SELECT category, COUNT(*) FROM products GROUP BY category ORDER BY category";

// Column order of kColumns.
Product from_row(const storage::Row& row) {
  return Product{row.get_text(0),     row.get_text(1), row.get_text(2),     row.get_int(3),
                 row.get_text(4),     row.get_int(5),  row.get_opt_text(6), row.get_opt_text(7),
                 row.get_opt_text(8), row.get_int(9),  row.get_int(10)};
}

std::string_view order_by(ProductSort sort) {
  switch (sort) {
    case ProductSort::newest:
      return "created_at DESC, id DESC";
    case ProductSort::oldest:
      return "created_at ASC, id ASC";
    case ProductSort::price_asc:
      return "price_cents ASC, id ASC";
    case ProductSort::price_desc:
      return "price_cents DESC, id DESC";
  }
  return "created_at DESC, id DESC";
}

// The parameters of kInsert / kInsertIfAbsent, in order. (A vector rather than a braced list:
// GCC 12 at -O3 reports a false maybe-uninitialized on string temporaries in the list.)
std::vector<Value> insert_params(const Product& p) {
  std::vector<Value> v;
  v.reserve(12);
  v.emplace_back(p.id);
  v.emplace_back(p.name);
  v.emplace_back(fold_case(p.name));
  v.emplace_back(p.description);
  v.emplace_back(p.price);
  v.emplace_back(p.category);
  v.emplace_back(p.stock);
  v.push_back(to_value(p.image_list));
  v.push_back(to_value(p.image_detail));
  v.push_back(to_value(p.created_by));
  v.emplace_back(p.created_at);
  v.emplace_back(p.updated_at);
  return v;
}

}  // namespace

std::string contains_pattern(std::string_view text) {
  std::string p = "%";
  for (char c : text) {
    if (c == '\\' || c == '%' || c == '_') p += '\\';
    p += c;
  }
  p += '%';
  return p;
}

std::optional<Product> ProductStore::find(storage::Executor& db, std::string_view id) const {
  auto result = db.execute(kSelectById, {to_value(id)});
  if (result.empty()) return std::nullopt;
  return from_row(result.front());
}

std::optional<Product> ProductStore::lock(storage::Executor& db, std::string_view id) const {
  auto result = db.execute(db.dialect() == storage::Dialect::postgres ? kLockById : kSelectById,
                           {to_value(id)});
  if (result.empty()) return std::nullopt;
  return from_row(result.front());
}

ProductPage ProductStore::list(storage::Executor& db, const ProductQuery& q) const {
  // The WHERE clause has one shape per combination of filters, so prepared statements stay few.
  std::string where;
  std::vector<Value> params;
  auto add = [&](std::string_view condition, Value v) {
    params.push_back(std::move(v));
    where += where.empty() ? " WHERE " : " AND ";
    where += fmt::format(fmt::runtime(condition), params.size());
  };
  if (q.category) add("category = ${}", *q.category);
  if (q.min_price) add("price_cents >= ${}", *q.min_price);
  if (q.max_price) add("price_cents <= ${}", *q.max_price);
  if (q.search) add("name_folded LIKE ${} ESCAPE '\\'", contains_pattern(fold_case(*q.search)));

  ProductPage page;
  page.total =
      db.execute(fmt::format("SELECT COUNT(*) FROM products{}", where), params).front().get_int(0);
  std::int64_t offset = (q.page - 1) * q.limit;
  if (offset >= page.total) return page;  // past the end: no need to look
  params.push_back(q.limit);
  params.push_back(offset);
  std::string sql =
      fmt::format("SELECT {} FROM products{} ORDER BY {} LIMIT ${} OFFSET ${}", kColumns, where,
                  order_by(q.sort), params.size() - 1, params.size());
  for (const auto& row : db.execute(sql, params).rows())
    page.products.push_back(from_row(row));
  return page;
}

std::vector<CategoryCount> ProductStore::categories(storage::Executor& db) const {
  std::vector<CategoryCount> out;
  for (const auto& row : db.execute(kCategories, {}).rows())
    out.push_back({row.get_text(0), row.get_int(1)});
  return out;
}

void ProductStore::insert(storage::Executor& db, const Product& p) const {
  db.execute(kInsert, insert_params(p));
}

bool ProductStore::insert_if_absent(storage::Executor& db, const Product& p) const {
  return db.execute(kInsertIfAbsent, insert_params(p)).affected_rows() > 0;
}

std::optional<Product> ProductStore::update(storage::Executor& db, std::string_view id,
                                            const ProductChanges& c, std::int64_t now) const {
  // Safe: one statement that sets only the fields given; every other column, stock above all
  // (checkouts and cancels change it meanwhile), keeps the value it has when the row is written.
  std::vector<Value> params;
  params.push_back(to_value(id));
  params.emplace_back(now);
  std::string sets;
  auto set = [&](std::string_view column, Value v) {
    params.push_back(std::move(v));
    sets += fmt::format("{} = ${}, ", column, params.size());
  };
  if (c.name) {
    set("name", *c.name);
    set("name_folded", fold_case(*c.name));
  }
  if (c.description) set("description", *c.description);
  if (c.price) set("price_cents", *c.price);
  if (c.category) set("category", *c.category);
  if (c.stock) set("stock", *c.stock);
  if (c.image) {
    set("image_list", c.image->list);
    set("image_detail", c.image->detail);
  }
  auto result = db.execute(
      fmt::format("UPDATE products SET {}updated_at = CASE WHEN updated_at > $2 THEN updated_at "
                  "ELSE $2 END WHERE id = $1 RETURNING {}",
                  sets, kColumns),
      params);
  if (result.empty()) return std::nullopt;
  return from_row(result.front());
}

std::optional<Product> ProductStore::remove(storage::Executor& db, std::string_view id) const {
  auto result = db.execute(kDelete, {to_value(id)});
  if (result.empty()) return std::nullopt;
  return from_row(result.front());
}

void ProductStore::return_stock(storage::Executor& db, std::string_view id,
                                std::int64_t quantity) const {
  db.execute(kReturnStock, {to_value(id), quantity});
}

}  // namespace shop::catalog
