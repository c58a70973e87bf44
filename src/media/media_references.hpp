#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace spdlog {
class logger;
}

namespace shop::storage {
class Database;
class Executor;
}  // namespace shop::storage

namespace shop::media {

class MediaStore;

// True when a product picture or a user avatar still refers to the media file. Files are named
// by content, so two rows may share one.
bool media_in_use(storage::Executor& db, std::string_view file);

// Deletes those of `files` that nothing refers to any more; run after the database change that
// dropped them was committed. Failures are logged, never thrown: the change already happened.
void release_media(storage::Database& db, MediaStore& media, const std::vector<std::string>& files,
                   spdlog::logger& log) noexcept;

}  // namespace shop::media
