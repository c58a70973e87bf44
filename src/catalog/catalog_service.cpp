#include "catalog/catalog_service.hpp"

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/json_writer.hpp"
#include "core/text.hpp"
#include "core/time.hpp"
#include "media/image_pipeline.hpp"
#include "media/media_references.hpp"
#include "media/media_store.hpp"
#include "storage/transaction.hpp"

namespace shop::catalog {
namespace {

using storage::TxMode;

constexpr std::string_view kNamespace = "products";

[[noreturn]] void product_not_found() {
  throw Error(ErrorCode::not_found, "Product not found");
}

// Ids are 24 hex digits; anything else cannot name a product and needs no query.
bool plausible_id(std::string_view id) {
  return id.size() == 24 && id.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// A text field: trimmed, UTF-8, no control characters (newlines only where allowed), and
// min..max code points long.
void check_text(std::optional<std::string>& value, std::string_view field, std::size_t min,
                std::size_t max, bool multiline, std::vector<FieldError>& errors) {
  if (!value) return;
  *value = std::string(trim_whitespace(*value));
  if (!valid_utf8(*value) || has_control_characters(*value, multiline)) {
    errors.push_back({std::string(field), "must be text without control characters"});
    return;
  }
  std::size_t n = utf8_length(*value);
  if (n < min || n > max) {
    errors.push_back(
        {std::string(field), min == 0 ? fmt::format("must be at most {} characters", max)
                                      : fmt::format("must be {} to {} characters", min, max)});
  }
}

}  // namespace

void validate_product_input(ProductInput& in, bool creating) {
  std::vector<FieldError> errors;
  if (creating) {
    if (!in.name) errors.push_back({"name", "is required"});
    if (!in.description) errors.push_back({"description", "is required"});
    if (!in.price) errors.push_back({"price", "is required"});
    if (!in.category) errors.push_back({"category", "is required"});
    if (!in.stock) errors.push_back({"stock", "is required"});
  }
  check_text(in.name, "name", 1, 200, false, errors);
  check_text(in.description, "description", 0, 10'000, true, errors);
  check_text(in.category, "category", 1, 100, false, errors);
  if (!errors.empty()) throw Error(ErrorCode::invalid_input, "Validation failed", errors);
}

CatalogService::CatalogService(storage::Database& db, cache::CachedLoader& cache,
                               media::MediaStore& media, media::MediaReferences& media_refs,
                               const Clock& clock, std::string public_url)
    : db_(db),
      cache_(cache),
      media_(media),
      media_refs_(media_refs),
      clock_(clock),
      json_(std::move(public_url)) {}

std::int64_t CatalogService::now_ms() const {
  return epoch_ms(clock_.now());
}

std::string CatalogService::list_key(const ProductQuery& q) {
  // The key names every parameter, normalized, with lengths before free text so that no two
  // different queries can produce one key.
  static constexpr std::string_view kSorts[] = {"newest", "oldest", "price_asc", "price_desc"};
  std::string search = q.search ? fold_case(*q.search) : std::string();
  return fmt::format(
      "list:p={}&l={}&s={}&min={}&max={}&c={}:{}&q={}:{}", q.page, q.limit,
      kSorts[static_cast<int>(q.sort)], q.min_price ? std::to_string(*q.min_price) : "",
      q.max_price ? std::to_string(*q.max_price) : "",
      q.category ? static_cast<long>(q.category->size()) : -1, q.category.value_or(""),
      q.search ? static_cast<long>(search.size()) : -1, search);
}

cache::CachedAnswer CatalogService::list(const ProductQuery& q) {
  return cache_.get_or_load(kNamespace, list_key(q), [&] {
    auto lease = db_.acquire();
    return json_.page(store_.list(lease, q), q);
  });
}

std::optional<cache::CachedAnswer> CatalogService::cached_list(const ProductQuery& q) {
  return cache_.get_local(kNamespace, list_key(q));
}

std::optional<cache::CachedAnswer> CatalogService::cached_detail(std::string_view id) {
  if (!plausible_id(id)) return std::nullopt;
  return cache_.get_local(kNamespace, fmt::format("item:{}", id));
}

std::optional<cache::CachedAnswer> CatalogService::cached_categories() {
  return cache_.get_local(kNamespace, "categories");
}

cache::CachedAnswer CatalogService::detail(std::string_view id) {
  if (!plausible_id(id)) product_not_found();
  return cache_.get_or_load(kNamespace, fmt::format("item:{}", id), [&] {
    auto lease = db_.acquire();
    auto product = store_.find(lease, id);
    if (!product) product_not_found();
    return json_.product(*product);
  });
}

cache::CachedAnswer CatalogService::categories() {
  return cache_.get_or_load(kNamespace, "categories", [&] {
    auto lease = db_.acquire();
    return ProductJson::categories(store_.categories(lease));
  });
}

CatalogService::StoredImage CatalogService::store_image(std::string_view bytes) {
  media::ProcessedImage image = media::process_image(bytes);
  std::string list = media::MediaStore::name_for(image.list.bytes, image.list.format);
  std::string detail = media::MediaStore::name_for(image.detail.bytes, image.detail.format);
  // Reserved before the files are written: no deletion of the same bytes can remove them before
  // the product that uses them is committed.
  StoredImage stored{media_refs_.reserve({list, detail}), list, detail};
  media_.put(image.list.bytes, image.list.format);
  media_.put(image.detail.bytes, image.detail.format);
  return stored;
}

Product CatalogService::create(const ProductInput& input, std::optional<std::string_view> image,
                               std::string_view admin_id) {
  ProductInput in = input;
  validate_product_input(in, true);
  Product p;
  p.id = new_id();
  p.name = *in.name;
  p.description = *in.description;
  p.price = *in.price;
  p.category = *in.category;
  p.stock = *in.stock;
  p.created_by = std::string(admin_id);
  p.created_at = p.updated_at = now_ms();
  // Files first, then the row: a URL in the database never points at a missing file.
  std::optional<StoredImage> stored;
  if (image) {
    stored.emplace(store_image(*image));
    p.image_list = stored->list;
    p.image_detail = stored->detail;
  }
  storage::with_transaction(db_, TxMode::write, [&](storage::Transaction& tx) {
    store_.insert(tx, p);
    if (stored) stored->reservation.settle(tx);
  });
  if (stored) stored->reservation.settled();
  cache_.invalidate(kNamespace);
  return p;
}

Product CatalogService::update(std::string_view id, const ProductInput& input,
                               std::optional<std::string_view> image) {
  if (!plausible_id(id)) product_not_found();
  ProductInput in = input;
  validate_product_input(in, false);
  ProductChanges changes{in.name, in.description, in.price, in.category, in.stock, std::nullopt};
  std::optional<StoredImage> stored;
  if (image) {
    stored.emplace(store_image(*image));
    changes.image = ProductChanges::Image{stored->list, stored->detail};
  }
  std::vector<std::string> old_files;
  Product p = storage::with_transaction(db_, TxMode::write, [&](storage::Transaction& tx) {
    old_files.clear();
    if (stored) {
      // The files to delete are those of the row as it is when the new ones replace them: the
      // row stays locked from this read to the commit.
      auto current = store_.lock(tx, id);
      if (!current) product_not_found();
      for (const auto& f : {current->image_list, current->image_detail})
        if (f && *f != stored->list && *f != stored->detail) old_files.push_back(*f);
      stored->reservation.settle(tx);
    }
    auto updated = store_.update(tx, id, changes, now_ms());
    if (!updated) product_not_found();
    return *updated;
  });
  if (stored) stored->reservation.settled();
  cache_.invalidate(kNamespace);
  media_refs_.release(old_files);
  return p;
}

void CatalogService::remove(std::string_view id) {
  if (!plausible_id(id)) product_not_found();
  auto removed = storage::with_transaction(
      db_, TxMode::write, [&](storage::Transaction& tx) { return store_.remove(tx, id); });
  if (!removed) product_not_found();
  cache_.invalidate(kNamespace);
  std::vector<std::string> old_files;
  for (const auto& f : {removed->image_list, removed->image_detail})
    if (f) old_files.push_back(*f);
  media_refs_.release(old_files);
}

void CatalogService::products_changed() {
  cache_.invalidate(kNamespace);
}

}  // namespace shop::catalog
