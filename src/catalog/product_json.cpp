#include "catalog/product_json.hpp"

#include "core/time.hpp"

namespace shop::catalog {

void ProductJson::write(JsonWriter& w, const Product& p) const {
  w.begin_object();
  w.key("_id").string(p.id);
  w.key("name").string(p.name);
  w.key("description").string(p.description);
  w.key("price").raw_number(format_money(p.price));
  w.key("category").string(p.category);
  w.key("stock").number(p.stock);
  if (p.image_detail && p.image_list) {
    w.key("image").string(media_base_ + *p.image_detail);
    w.key("images").begin_object();
    w.key("list").string(media_base_ + *p.image_list);
    w.key("detail").string(media_base_ + *p.image_detail);
    w.end_object();
  } else {
    w.key("image").null();
    w.key("images").null();
  }
  if (p.created_by)
    w.key("createdBy").string(*p.created_by);
  else
    w.key("createdBy").null();
  w.key("createdAt").string(iso8601_ms(p.created_at));
  w.key("updatedAt").string(iso8601_ms(p.updated_at));
  w.end_object();
}

std::string ProductJson::product(const Product& p) const {
  JsonWriter w;
  write(w, p);
  return w.take();
}

std::string ProductJson::page(const ProductPage& page, const ProductQuery& query) const {
  JsonWriter w;
  w.begin_object();
  w.key("total").number(page.total);
  w.key("page").number(query.page);
  w.key("limit").number(query.limit);
  w.key("totalPages").number((page.total + query.limit - 1) / query.limit);
  w.key("products").begin_array();
  for (const auto& p : page.products)
    write(w, p);
  w.end_array();
  w.end_object();
  return w.take();
}

std::string ProductJson::categories(const std::vector<CategoryCount>& categories) {
  JsonWriter w;
  w.begin_array();
  for (const auto& c : categories) {
    w.begin_object();
    w.key("category").string(c.category);
    w.key("count").number(c.count);
    w.end_object();
  }
  w.end_array();
  return w.take();
}

}  // namespace shop::catalog
