#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "media/image_pipeline.hpp"

namespace shop::media {

// A stored file's bytes and the MIME type its name implies.
struct MediaFile {
  std::string bytes;
  std::string_view content_type;  // a static string, e.g. "image/jpeg"
};

// Image files under one folder (MEDIA_DIR), named by content.
class MediaStore {
 public:
  // Creates the folder (and parents) if missing; throws std::runtime_error with one clear line
  // if it cannot, or if the path is not a writable folder.
  explicit MediaStore(std::filesystem::path dir);

  // Stores bytes as "<first 32 hex digits of SHA-256(bytes)>.<ext>" and returns that name.
  // Written to a temporary file in the same folder, fsync'ed, renamed, then the folder is
  // fsync'ed, so a crash never leaves a half file behind a name. Idempotent. Throws
  // std::system_error when the disk refuses.
  std::string put(std::string_view bytes, ImageFormat format);

  // The name put() gives these bytes, without storing them (to reserve it first).
  static std::string name_for(std::string_view bytes, ImageFormat format);

  // Deletes temporary files that uploads cut off by a crash left behind, once they are older
  // than `older_than`; returns how many. Never throws.
  std::int64_t sweep_temporary(std::chrono::seconds older_than) noexcept;

  // Deletes a stored file; missing files and invalid names are ignored. Never throws.
  void remove(std::string_view name) noexcept;

  // True when `name` is a name put() could have returned: ^[0-9a-f]{32}\.(jpg|png|webp)$
  static bool valid_name(std::string_view name);

  // Reads a stored file by name. nullopt for anything but a valid_name, for a missing file, and
  // for a symlink or any non-regular file; never follows a path out of the folder. Throws
  // std::system_error on other I/O errors (permissions, EIO).
  std::optional<MediaFile> read(std::string_view name) const;

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

}  // namespace shop::media
