#include "media/media_references.hpp"

#include <spdlog/logger.h>

#include "media/media_store.hpp"
#include "storage/database.hpp"

namespace shop::media {
namespace {

constexpr std::string_view kInUse =
    "SELECT 1 FROM products WHERE image_list = $1 OR image_detail = $1 "
    "UNION ALL SELECT 1 FROM users WHERE avatar_url = $1 LIMIT 1";

}  // namespace

bool media_in_use(storage::Executor& db, std::string_view file) {
  return !db.execute(kInUse, {storage::to_value(file)}).empty();
}

void release_media(storage::Database& db, MediaStore& media, const std::vector<std::string>& files,
                   spdlog::logger& log) noexcept {
  if (files.empty()) return;
  try {
    auto lease = db.acquire();
    for (const auto& f : files)
      if (!media_in_use(lease, f)) media.remove(f);
  } catch (const std::exception& e) {
    log.warn("could not delete unused media files: {}", e.what());
  }
}

}  // namespace shop::media
