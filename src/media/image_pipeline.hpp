#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shop::media {

// The formats shopd accepts for product images, and serves back unchanged in kind.
enum class ImageFormat : std::uint8_t { jpeg, png, webp };

// File extension without the dot: "jpg", "png", "webp".
std::string_view extension(ImageFormat f);
// MIME type: "image/jpeg", "image/png", "image/webp".
std::string_view content_type(ImageFormat f);

// Judges the format by magic bytes only (never by name or declared type): nullopt if not
// JPEG/PNG/WebP.
std::optional<ImageFormat> sniff_format(std::string_view bytes);

// One re-encoded size of an image.
struct Rendition {
  std::string bytes;
  ImageFormat format;
  int width = 0;
  int height = 0;
};

// list fits 400x400, detail fits 1200x1200; never upscaled, aspect ratio kept.
struct ProcessedImage {
  Rendition list;
  Rendition detail;
};

struct ImageLimits {
  std::uint64_t max_pixels = 40'000'000;  // width * height as declared by the header
};

// Sets up libvips for untrusted input: blocks untrusted loaders, disables the operation cache,
// one worker thread per pipeline. Call once per process before any other function here;
// idempotent and thread-safe. Throws std::runtime_error if libvips cannot start.
void init_image_library();

// Validates an upload and re-encodes it, in its own format, into the list and detail renditions,
// in sRGB, upright (EXIF orientation applied), with every metadata field removed. Throws
// shop::Error: unsupported_media when the bytes are not JPEG/PNG/WebP; invalid_input when the
// header declares more than limits.max_pixels (read from the file before any decoder runs, so
// nothing is allocated for it) or when the data is truncated or corrupt. Thread-safe.
ProcessedImage process_image(std::string_view bytes, const ImageLimits& limits = {});

}  // namespace shop::media
