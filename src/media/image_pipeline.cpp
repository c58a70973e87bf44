#include "media/image_pipeline.hpp"

#include <vips/vips.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>

#include "core/error.hpp"

namespace shop::media {
namespace {

constexpr int kListBox = 400;
constexpr int kDetailBox = 1200;
constexpr int kJpegQuality = 82;
constexpr int kWebpQuality = 80;

// The fields vips_image_get_fields lists that are properties of the pixels, not metadata.
constexpr std::array<std::string_view, 11> kCoreProperties = {
    "width",   "height",  "bands", "format", "coding",  "interpretation",
    "xoffset", "yoffset", "xres",  "yres",   "filename"};

struct ImageUnref {
  void operator()(VipsImage* image) const noexcept { g_object_unref(image); }
};
using ImagePtr = std::unique_ptr<VipsImage, ImageUnref>;

struct GFree {
  void operator()(void* p) const noexcept { g_free(p); }
};
struct StrvFree {
  void operator()(gchar** p) const noexcept { g_strfreev(p); }
};

// The details stay in libvips' error buffer; the client gets one fixed message.
[[noreturn]] void throw_undecodable() {
  vips_error_clear();
  throw Error(ErrorCode::invalid_input, "Image could not be decoded");
}

// A failure on pixels that already decoded is ours, not the client's: a 500 with the details.
[[noreturn]] void throw_internal(std::string_view step) {
  const std::unique_ptr<char, GFree> detail(vips_error_buffer_copy());
  throw std::runtime_error("libvips " + std::string(step) +
                           " failed: " + (detail ? detail.get() : ""));
}

std::string too_large_message(std::uint64_t max_pixels) {
  if (max_pixels > 0 && max_pixels % 1'000'000 == 0)
    return "Image is larger than " + std::to_string(max_pixels / 1'000'000) + " megapixels";
  return "Image is larger than " + std::to_string(max_pixels) + " pixels";
}

struct Size {
  std::uint64_t width = 0;
  std::uint64_t height = 0;
};

std::uint64_t be16(std::string_view b, std::size_t at) {
  return static_cast<std::uint64_t>(static_cast<unsigned char>(b[at])) << 8 |
         static_cast<unsigned char>(b[at + 1]);
}

std::uint64_t le_bytes(std::string_view b, std::size_t at, int count) {
  std::uint64_t v = 0;
  for (int i = count - 1; i >= 0; --i)
    v = v << 8 | static_cast<unsigned char>(b[at + static_cast<std::size_t>(i)]);
  return v;
}

// The size a JPEG declares in its first SOFn segment.
std::optional<Size> jpeg_size(std::string_view b) {
  std::size_t at = 2;
  while (at + 4 <= b.size()) {
    if (static_cast<unsigned char>(b[at]) != 0xFF) return std::nullopt;
    const unsigned marker = static_cast<unsigned char>(b[at + 1]);
    if (marker == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {  // no length
      at += 2;
      continue;
    }
    if (marker == 0xD9 || marker == 0xDA) return std::nullopt;  // end of image, start of scan
    const std::size_t length = be16(b, at + 2);
    if (length < 2) return std::nullopt;
    const bool sof =
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (sof) {
      if (length < 7 || at + 9 > b.size()) return std::nullopt;
      return Size{be16(b, at + 7), be16(b, at + 5)};
    }
    at += 2 + length;
  }
  return std::nullopt;
}

// The size an image declares in its own header, read without libvips: libvips 8.14's webpload
// allocates the whole canvas (width * height * 4 bytes, up to 1 GiB) while reading the header,
// so the limit has to be enforced before any loader runs.
std::optional<Size> declared_size(std::string_view b, ImageFormat format) {
  switch (format) {
    case ImageFormat::png:  // signature, IHDR length and type, then width and height
      if (b.size() < 24 || b.substr(12, 4) != "IHDR") return std::nullopt;
      return Size{be16(b, 16) << 16 | be16(b, 18), be16(b, 20) << 16 | be16(b, 22)};
    case ImageFormat::jpeg:
      return jpeg_size(b);
    case ImageFormat::webp: {
      const std::string_view chunk = b.substr(12, 4);  // sniff_format checked 16 bytes
      if (chunk == "VP8X" && b.size() >= 30)           // 24-bit canvas width-1, height-1
        return Size{le_bytes(b, 24, 3) + 1, le_bytes(b, 27, 3) + 1};
      if (chunk == "VP8 " && b.size() >= 30)  // frame tag, 9D 01 2A, 14-bit width, height
        return Size{le_bytes(b, 26, 2) & 0x3FFF, le_bytes(b, 28, 2) & 0x3FFF};
      if (chunk == "VP8L" && b.size() >= 25) {  // 0x2F, then 14-bit width-1 and height-1
        const std::uint64_t bits = le_bytes(b, 21, 4);
        return Size{(bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1};
      }
      return std::nullopt;
    }
  }
  return std::nullopt;
}

void check_pixel_count(std::uint64_t width, std::uint64_t height, const ImageLimits& limits) {
  if (width * height > limits.max_pixels)
    throw Error(ErrorCode::invalid_input, too_large_message(limits.max_pixels));
}

// Opens the header with the loader of the sniffed format, never one libvips would pick. Pixels
// are decoded later, on demand and in order, from `bytes`, which must outlive the image.
// fail_on=error turns truncation (which libjpeg and libpng otherwise fill in silently) into an
// error. `jpeg_shrink` lets libjpeg decode at 1/2, 1/4 or 1/8 size directly.
ImagePtr open_image(std::string_view bytes, ImageFormat format, int jpeg_shrink = 1) {
  void* data = const_cast<char*>(bytes.data());  // libvips only reads it
  VipsImage* out = nullptr;
  int rc = -1;
  switch (format) {
    case ImageFormat::jpeg:
      rc = vips_jpegload_buffer(data, bytes.size(), &out, "access", VIPS_ACCESS_SEQUENTIAL,
                                "fail_on", VIPS_FAIL_ON_ERROR, "shrink", jpeg_shrink, nullptr);
      break;
    case ImageFormat::png:
      rc = vips_pngload_buffer(data, bytes.size(), &out, "access", VIPS_ACCESS_SEQUENTIAL,
                               "fail_on", VIPS_FAIL_ON_ERROR, nullptr);
      break;
    case ImageFormat::webp:
      rc = vips_webpload_buffer(data, bytes.size(), &out, "access", VIPS_ACCESS_SEQUENTIAL,
                                "fail_on", VIPS_FAIL_ON_ERROR, "page", 0, "n", 1, nullptr);
      break;
  }
  if (rc != 0) {
    if (out != nullptr) g_object_unref(out);
    throw_undecodable();
  }
  return ImagePtr(out);
}

// The largest libjpeg scale-down that still leaves at least 2x for the final resize (as
// vips_thumbnail does), so quality is unchanged and big photos decode several times faster.
int jpeg_shrink_for(const VipsImage* image) {
  const int longest = std::max(vips_image_get_width(image), vips_image_get_height(image));
  const double factor = static_cast<double>(longest) / kDetailBox;
  if (factor >= 16) return 8;
  if (factor >= 8) return 4;
  if (factor >= 4) return 2;
  return 1;
}

// Shrinks to fit box x box (never enlarges). From the source (`from_source`), it also turns the
// image upright by its EXIF orientation and converts to sRGB, through the embedded ICC profile
// when there is one (after the shrink, where it is cheap).
ImagePtr fit_within(VipsImage* in, int box, bool from_source) {
  // libvips 8.14 already goes through an embedded profile for CMYK (and warns "profile
  // incompatible with image" if also given export_profile); RGB and grey need export_profile,
  // or e.g. Adobe RGB pixels are taken for sRGB.
  const bool through_profile = from_source && vips_image_get_typeof(in, VIPS_META_ICC_NAME) != 0 &&
                               vips_image_get_interpretation(in) != VIPS_INTERPRETATION_CMYK;
  VipsImage* raw = nullptr;
  int rc = 0;
  if (!from_source) {
    rc = vips_thumbnail_image(in, &raw, box, "height", box, "size", VIPS_SIZE_DOWN, "no_rotate",
                              TRUE, nullptr);
  } else if (through_profile) {
    rc = vips_thumbnail_image(in, &raw, box, "height", box, "size", VIPS_SIZE_DOWN,
                              "export_profile", "srgb", nullptr);
  } else {
    rc = vips_thumbnail_image(in, &raw, box, "height", box, "size", VIPS_SIZE_DOWN, nullptr);
  }
  if (rc != 0) throw_undecodable();  // rotating decodes, so a corrupt file can fail here
  ImagePtr out(raw);
  // Greyscale stays one band through the thumbnail; the contract is sRGB (alpha is kept).
  if (vips_image_get_interpretation(out.get()) != VIPS_INTERPRETATION_sRGB ||
      vips_image_get_format(out.get()) != VIPS_FORMAT_UCHAR) {
    VipsImage* converted = nullptr;
    if (vips_colourspace(out.get(), &converted, VIPS_INTERPRETATION_sRGB, nullptr) != 0)
      throw_undecodable();
    out.reset(converted);
  }
  return out;
}

// Runs the whole pipeline into memory: this is where the source is actually decoded, so a
// truncated or corrupt file fails here.
ImagePtr decode_to_memory(VipsImage* in) {
  VipsImage* out = vips_image_copy_memory(in);
  if (out == nullptr) throw_undecodable();
  return ImagePtr(out);
}

// Removes every field that is not a core property: exif-data and each exif-ifd*-* tag (GPS
// included), xmp-data, iptc-data, icc-profile-data, orientation, loader hints. Savers write what
// is attached, and strip alone is not trusted (see without_webp_metadata).
void remove_metadata(VipsImage* image) {
  const std::unique_ptr<gchar*, StrvFree> fields(vips_image_get_fields(image));
  for (gchar** field = fields.get(); field != nullptr && *field != nullptr; ++field) {
    if (std::find(kCoreProperties.begin(), kCoreProperties.end(), *field) == kCoreProperties.end())
      vips_image_remove(image, *field);
  }
}

std::uint32_t read_le32(std::string_view b, std::size_t at) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(b[at])) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 1])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 2])) << 16 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 3])) << 24;
}

void append_le32(std::string& out, std::uint32_t v) {
  for (int shift = 0; shift < 32; shift += 8)
    out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

// libvips 8.14.1's webpsave ignores strip and writes an EXIF chunk it rebuilds from the image
// (orientation, resolution, size) even when exif-data was removed. So the container is rewritten
// with the image chunks only: VP8X (its ICC/EXIF/XMP flags cleared), ALPH, VP8, VP8L.
std::string without_webp_metadata(std::string_view webp) {
  constexpr unsigned char kMetadataFlags = 0x20 | 0x08 | 0x04;  // ICC, EXIF, XMP
  if (webp.size() < 12 || !webp.starts_with("RIFF") || webp.substr(8, 4) != "WEBP")
    throw std::runtime_error("libvips wrote a WebP that is not RIFF/WEBP");
  std::string vp8x;
  std::string image_chunks;
  std::size_t at = 12;
  while (at < webp.size()) {
    if (webp.size() - at < 8) throw std::runtime_error("libvips wrote a truncated WebP chunk");
    const std::string_view fourcc = webp.substr(at, 4);
    const std::size_t size = read_le32(webp, at + 4);
    const std::size_t padded = size + (size & 1);
    if (padded > webp.size() - at - 8)
      throw std::runtime_error("libvips wrote a WebP chunk past the end");
    const std::string_view chunk = webp.substr(at, 8 + padded);
    if (fourcc == "VP8X" && size >= 10) {
      vp8x = chunk;
      vp8x[8] = static_cast<char>(static_cast<unsigned char>(vp8x[8]) & ~kMetadataFlags);
    } else if (fourcc == "VP8 " || fourcc == "VP8L" || fourcc == "ALPH") {
      image_chunks += chunk;
    }
    at += 8 + padded;
  }
  // Without alpha (or another feature) the extended header has nothing left to say.
  if (!vp8x.empty() && vp8x[8] == 0) vp8x.clear();
  std::string out = "RIFF";
  append_le32(out, static_cast<std::uint32_t>(4 + vp8x.size() + image_chunks.size()));
  out += "WEBP";
  out += vp8x;
  out += image_chunks;
  return out;
}

Rendition encode(VipsImage* image, ImageFormat format) {
  VipsImage* raw = nullptr;
  if (vips_copy(image, &raw, nullptr) != 0) throw_internal("copy");
  const ImagePtr copy(raw);  // metadata is removed from a private copy, never a shared image
  remove_metadata(copy.get());

  void* buffer = nullptr;
  size_t length = 0;
  int rc = -1;
  switch (format) {
    case ImageFormat::jpeg:
      rc = vips_jpegsave_buffer(copy.get(), &buffer, &length, "Q", kJpegQuality, "strip", TRUE,
                                "optimize_coding", TRUE, nullptr);
      break;
    case ImageFormat::png:
      rc = vips_pngsave_buffer(copy.get(), &buffer, &length, "strip", TRUE, nullptr);
      break;
    case ImageFormat::webp:
      rc = vips_webpsave_buffer(copy.get(), &buffer, &length, "Q", kWebpQuality, "strip", TRUE,
                                nullptr);
      break;
  }
  const std::unique_ptr<void, GFree> owned(buffer);
  if (rc != 0 || buffer == nullptr) throw_internal("encoding");
  std::string bytes(static_cast<const char*>(buffer), length);
  if (format == ImageFormat::webp) bytes = without_webp_metadata(bytes);
  return Rendition{std::move(bytes), format, vips_image_get_width(copy.get()),
                   vips_image_get_height(copy.get())};
}

}  // namespace

std::string_view extension(ImageFormat f) {
  switch (f) {
    case ImageFormat::jpeg:
      return "jpg";
    case ImageFormat::png:
      return "png";
    case ImageFormat::webp:
      return "webp";
  }
  return "";
}

std::string_view content_type(ImageFormat f) {
  switch (f) {
    case ImageFormat::jpeg:
      return "image/jpeg";
    case ImageFormat::png:
      return "image/png";
    case ImageFormat::webp:
      return "image/webp";
  }
  return "application/octet-stream";
}

std::optional<ImageFormat> sniff_format(std::string_view bytes) {
  if (bytes.starts_with("\xFF\xD8\xFF")) return ImageFormat::jpeg;
  if (bytes.starts_with("\x89PNG\r\n\x1A\n")) return ImageFormat::png;
  // RIFF container, WEBP form, then the first chunk: "VP8 " (lossy), "VP8L" or "VP8X".
  if (bytes.size() >= 16 && bytes.starts_with("RIFF") && bytes.substr(8, 7) == "WEBPVP8" &&
      (bytes[15] == ' ' || bytes[15] == 'L' || bytes[15] == 'X'))
    return ImageFormat::webp;
  return std::nullopt;
}

void init_image_library() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (VIPS_INIT("shopd") != 0) {
      const std::unique_ptr<char, GFree> detail(vips_error_buffer_copy());
      throw std::runtime_error(std::string("libvips failed to initialize: ") +
                               (detail ? detail.get() : ""));
    }
    // Loaders libvips marks untrusted (ImageMagick, PDF, SVG, ...) can never run, even by mistake.
    vips_block_untrusted_set(TRUE);
    // No operation cache: uploads are one-off buffers, and a cache keyed on a buffer address
    // could hand back a previous upload's image.
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    vips_cache_set_max_files(0);
    // One worker per pipeline: a request must not take every core.
    vips_concurrency_set(1);
    vips_leak_set(FALSE);
    // libvips warns on stderr about every corrupt upload ("not enough data", "error in tile");
    // those uploads are already answered with a 400, so the warnings are dropped rather than
    // written unformatted between our log lines.
    g_log_set_handler(
        "VIPS",
        static_cast<GLogLevelFlags>(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO |
                                    G_LOG_LEVEL_DEBUG),
        [](const gchar*, GLogLevelFlags, const gchar*, gpointer) {}, nullptr);
  });
}

ProcessedImage process_image(std::string_view bytes, const ImageLimits& limits) {
  init_image_library();
  const std::optional<ImageFormat> format = sniff_format(bytes);
  if (!format) throw Error(ErrorCode::unsupported_media, "Image must be a JPEG, PNG or WebP file");

  // Width * height from the file's own header first, before any decoder allocates; then again
  // from what libvips read, in case the two disagree.
  const std::optional<Size> declared = declared_size(bytes, *format);
  if (!declared) throw_undecodable();
  check_pixel_count(declared->width, declared->height, limits);
  ImagePtr source = open_image(bytes, *format);
  check_pixel_count(static_cast<std::uint64_t>(vips_image_get_width(source.get())),
                    static_cast<std::uint64_t>(vips_image_get_height(source.get())), limits);

  if (*format == ImageFormat::jpeg) {
    if (const int shrink = jpeg_shrink_for(source.get()); shrink > 1)
      source = open_image(bytes, *format, shrink);
  }

  // Detail is decoded from the source in one streaming pass; list is made from detail, which is
  // already upright and sRGB (its attached sRGB profile must not be applied a second time).
  const ImagePtr detail = decode_to_memory(fit_within(source.get(), kDetailBox, true).get());
  const ImagePtr list = fit_within(detail.get(), kListBox, false);
  return ProcessedImage{encode(list.get(), *format), encode(detail.get(), *format)};
}

}  // namespace shop::media
