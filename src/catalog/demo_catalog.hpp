#pragma once

#include <cstdint>
#include <functional>

#include "catalog/product.hpp"

namespace shop::storage {
class Database;
}

namespace shop::media {
class MediaStore;
}

namespace shop::catalog {

// The i-th product of the demo shop: a plausible name, description, category, price and stock,
// the same every time (its id too), so seeding twice adds nothing. No image set.
Product demo_product(std::int64_t index, std::int64_t now_ms);

struct SeedOutcome {
  std::int64_t created = 0;
  std::int64_t existing = 0;
};

// Adds demo products 0..count-1 that are not there yet, with generated pictures (a few dozen
// distinct ones, shared by content hash). `progress` is called now and then with the count done.
SeedOutcome seed_demo_catalog(storage::Database& db, media::MediaStore& media, std::int64_t count,
                              std::int64_t now_ms,
                              const std::function<void(std::int64_t)>& progress = {});

}  // namespace shop::catalog
