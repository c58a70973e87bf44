#include "catalog/demo_catalog.hpp"

#include <fmt/format.h>

#include <array>
#include <map>
#include <string_view>

#include "catalog/product_store.hpp"
#include "core/digest.hpp"
#include "core/text.hpp"
#include "media/demo_image.hpp"
#include "media/image_pipeline.hpp"
#include "media/media_store.hpp"
#include "storage/transaction.hpp"

namespace shop::catalog {
namespace {

struct DemoCategory {
  std::string_view name;
  std::array<std::string_view, 6> nouns;
  Cents min_price;
  Cents max_price;
  std::string_view pitch;  // the description's second sentence
};

constexpr std::array<DemoCategory, 8> kCategories = {{
    {"Electronics",
     {"Wireless Headphones", "Bluetooth Speaker", "USB-C Charger", "Smart Watch", "Action Camera",
      "Mechanical Keyboard"},
     1999,
     49999,
     "Ships with a two-year warranty and a USB-C cable."},
    {"Books",
     {"Cookbook", "Travel Guide", "Mystery Novel", "Field Guide to Birds", "Poetry Collection",
      "Graphic Novel"},
     799,
     4999,
     "Printed on recycled paper, with a sewn binding that lies flat."},
    {"Home & Kitchen",
     {"Chef's Knife", "Cast Iron Skillet", "French Press", "Linen Tablecloth", "Ceramic Mug Set",
      "Bamboo Cutting Board"},
     1299,
     18999,
     "Dishwasher safe and made to last for years of daily use."},
    {"Clothing",
     {"Merino Sweater", "Rain Jacket", "Organic T-Shirt", "Wool Socks", "Denim Jeans",
      "Linen Shirt"},
     1499,
     24999,
     "Cut for a relaxed fit; machine washable at 30 degrees."},
    {"Sports & Outdoors",
     {"Yoga Mat", "Trail Backpack", "Water Bottle", "Camping Lantern", "Running Belt",
      "Trekking Poles"},
     999,
     29999,
     "Light enough for a day hike and tough enough for a season."},
    {"Toys & Games",
     {"Wooden Puzzle", "Board Game", "Building Blocks", "Card Game", "Kite", "Marble Run"},
     899,
     8999,
     "Tested for safety; for ages six and up."},
    {"Beauty",
     {"Face Cream", "Lip Balm", "Shampoo Bar", "Hand Soap", "Body Lotion", "Bath Salts"},
     499,
     5999,
     "Vegan, cruelty-free and packed in recyclable glass."},
    {"Garden",
     {"Pruning Shears", "Watering Can", "Seed Kit", "Planter Box", "Garden Gloves", "Bird Feeder"},
     799,
     12999,
     "Weatherproof, with parts you can replace instead of the whole tool."},
}};

constexpr std::array<std::string_view, 12> kAdjectives = {
    "Classic", "Compact", "Deluxe", "Everyday", "Handmade", "Lightweight",
    "Modern",  "Premium", "Rustic", "Sturdy",   "Travel",   "Vintage"};

constexpr std::array<std::string_view, 6> kColours = {"Black", "Sand", "Forest",
                                                      "Ocean", "Rust", "Stone"};

// A well-mixed 64-bit value from the index (splitmix64), so the catalog looks random but is fixed.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

constexpr int kPicturesPerCategory = 4;

}  // namespace

Product demo_product(std::int64_t index, std::int64_t now_ms) {
  std::uint64_t r = mix(static_cast<std::uint64_t>(index));
  const DemoCategory& c = kCategories[index % kCategories.size()];
  std::string_view noun = c.nouns[(r >> 8) % c.nouns.size()];
  std::string_view adjective = kAdjectives[(r >> 16) % kAdjectives.size()];
  std::string_view colour = kColours[(r >> 24) % kColours.size()];

  Product p;
  p.id = sha256_hex(fmt::format("shopd demo product {}", index)).substr(0, 24);
  p.name = fmt::format("{} {} {} #{}", adjective, noun, colour, index + 1);
  p.description = fmt::format("A {} {} in {}. {}", fold_case(adjective), noun, colour, c.pitch);
  p.category = std::string(c.name);
  // Prices end in .99, .49 or .00, like a real shop's.
  Cents span = (c.max_price - c.min_price) / 100;
  Cents whole =
      c.min_price / 100 + static_cast<Cents>((r >> 32) % static_cast<std::uint64_t>(span));
  static constexpr Cents kEndings[] = {99, 49, 0};
  p.price = whole * 100 + kEndings[(r >> 40) % 3];
  p.stock = (r >> 48) % 10 == 0 ? 0 : static_cast<std::int64_t>((r >> 52) % 250) + 1;
  // Spread over the last days, so "newest" and "oldest" differ from insertion order.
  p.created_at = p.updated_at = now_ms - static_cast<std::int64_t>((r >> 20) % (30LL * 86'400'000));
  return p;
}

SeedOutcome seed_demo_catalog(storage::Database& db, media::MediaStore& media, std::int64_t count,
                              std::int64_t now_ms,
                              const std::function<void(std::int64_t)>& progress) {
  ProductStore store;
  SeedOutcome outcome;
  // A few pictures per category, rendered once and shared (files are named by content).
  std::map<std::uint32_t, std::pair<std::string, std::string>> pictures;
  auto picture_for = [&](std::int64_t index) -> const std::pair<std::string, std::string>& {
    auto seed = static_cast<std::uint32_t>(index % (kCategories.size() * kPicturesPerCategory));
    auto it = pictures.find(seed);
    if (it != pictures.end()) return it->second;
    media::ProcessedImage image = media::process_image(media::render_demo_image(seed + 1));
    std::string list = media.put(image.list.bytes, image.list.format);
    std::string detail = media.put(image.detail.bytes, image.detail.format);
    return pictures.emplace(seed, std::make_pair(list, detail)).first->second;
  };
  constexpr std::int64_t kBatch = 500;  // one transaction per batch keeps SQLite fast
  for (std::int64_t start = 0; start < count; start += kBatch) {
    std::int64_t end = std::min(count, start + kBatch);
    std::vector<Product> batch;
    for (std::int64_t i = start; i < end; ++i) {
      Product p = demo_product(i, now_ms);
      const auto& [list, detail] = picture_for(i);
      p.image_list = list;
      p.image_detail = detail;
      batch.push_back(std::move(p));
    }
    std::int64_t created =
        storage::with_transaction(db, storage::TxMode::write, [&](storage::Transaction& tx) {
          std::int64_t n = 0;
          for (const auto& p : batch)
            n += store.insert_if_absent(tx, p) ? 1 : 0;
          return n;
        });
    outcome.created += created;
    outcome.existing += static_cast<std::int64_t>(batch.size()) - created;
    if (progress) progress(end);
  }
  return outcome;
}

}  // namespace shop::catalog
