#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cache/cached_loader.hpp"
#include "catalog/product.hpp"
#include "catalog/product_json.hpp"
#include "catalog/product_store.hpp"
#include "media/media_references.hpp"

namespace shop {
class Clock;
}

namespace shop::storage {
class Database;
}

namespace shop::media {
class MediaStore;
}  // namespace shop::media

namespace shop::catalog {

// A product's fields as the client sent them (shape already checked); absent means "not given".
struct ProductInput {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<Cents> price;
  std::optional<std::string> category;
  std::optional<std::int64_t> stock;
};

inline constexpr std::int64_t kMaxStock = 1'000'000;

// Products: reading through the cache, writing with validation, images and invalidation.
class CatalogService {
 public:
  CatalogService(storage::Database& db, cache::CachedLoader& cache, media::MediaStore& media,
                 media::MediaReferences& media_refs, const Clock& clock, std::string public_url);

  // Serialized answers (without "fromCache"), from the cache or the database.
  cache::CachedAnswer list(const ProductQuery& query);
  cache::CachedAnswer detail(std::string_view id);  // Error{not_found} when unknown
  cache::CachedAnswer categories();
  // The answer if it is in process memory now (see http::Route::answers_inline).
  std::optional<cache::CachedAnswer> cached_list(const ProductQuery& query);
  std::optional<cache::CachedAnswer> cached_detail(std::string_view id);
  std::optional<cache::CachedAnswer> cached_categories();

  // `image` is the uploaded file, if any; it is validated and re-encoded before anything is
  // written. Each returns the product as stored.
  Product create(const ProductInput& input, std::optional<std::string_view> image,
                 std::string_view admin_id);
  Product update(std::string_view id, const ProductInput& input,
                 std::optional<std::string_view> image);
  void remove(std::string_view id);

  // Another area changed product rows (stock, by an order): cached answers are dropped.
  void products_changed();

  const ProductJson& json() const { return json_; }

 private:
  // An uploaded picture's two renditions, written under a reservation of their names.
  struct StoredImage {
    media::Reservation reservation;
    std::string list;
    std::string detail;
  };
  StoredImage store_image(std::string_view bytes);
  static std::string list_key(const ProductQuery& query);
  std::int64_t now_ms() const;

  storage::Database& db_;
  cache::CachedLoader& cache_;
  media::MediaStore& media_;
  media::MediaReferences& media_refs_;
  const Clock& clock_;
  ProductJson json_;
  ProductStore store_;
};

// Checks the business rules of the fields that are present; `creating` also requires every
// field. Throws Error{invalid_input} naming each bad field.
void validate_product_input(ProductInput& input, bool creating);

}  // namespace shop::catalog
