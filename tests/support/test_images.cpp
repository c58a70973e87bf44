#include "test_images.hpp"

#include <vips/vips.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>

#include "media/image_pipeline.hpp"

namespace shop::test {
namespace {

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

[[noreturn]] void fail(const std::string& what) {
  const std::unique_ptr<char, GFree> detail(vips_error_buffer_copy());
  throw std::runtime_error("test image: " + what + ": " + (detail ? detail.get() : ""));
}

// ---- EXIF: a little-endian TIFF structure, written by hand ----

void put16(std::string& out, unsigned v) {
  out.push_back(static_cast<char>(v & 0xFF));
  out.push_back(static_cast<char>((v >> 8) & 0xFF));
}
void put32(std::string& out, std::uint32_t v) {
  put16(out, v & 0xFFFF);
  put16(out, v >> 16);
}
// One 12-byte IFD entry; `value` is the 4-byte inline value or an offset.
void entry(std::string& out, unsigned tag, unsigned type, std::uint32_t count, std::string value) {
  put16(out, tag);
  put16(out, type);
  put32(out, count);
  value.resize(4, '\0');
  out += value;
}
std::string u32(std::uint32_t v) {
  std::string s;
  put32(s, v);
  return s;
}

// "Exif\0\0" + TIFF: IFD0 {Make, GPSInfo -> GPS IFD}, GPS IFD {version, N 48 51' 24", E 2 17'
// 40"}: Paris, a location a product photo must never leak.
std::string gps_exif_blob() {
  constexpr std::uint32_t kIfd0 = 8;
  constexpr std::uint32_t kMake = kIfd0 + 2 + 2 * 12 + 4;  // 38
  const std::string make("shopd-test-camera", 18);         // with its NUL
  constexpr std::uint32_t kGpsIfd = kMake + 18;            // 56
  constexpr std::uint32_t kLatitude = kGpsIfd + 2 + 5 * 12 + 4;
  constexpr std::uint32_t kLongitude = kLatitude + 24;

  std::string t = "II*";
  t.push_back('\0');
  put32(t, kIfd0);
  put16(t, 2);
  entry(t, 0x010F, 2, 18, u32(kMake));   // Make, ASCII
  entry(t, 0x8825, 4, 1, u32(kGpsIfd));  // GPSInfo IFD pointer, LONG
  put32(t, 0);
  t += make;
  put16(t, 5);
  entry(t, 0x0000, 1, 4, std::string("\x02\x03\x00\x00", 4));  // GPSVersionID 2.3.0.0
  entry(t, 0x0001, 2, 2, "N");                                 // GPSLatitudeRef
  entry(t, 0x0002, 5, 3, u32(kLatitude));                      // GPSLatitude, 3 RATIONAL
  entry(t, 0x0003, 2, 2, "E");                                 // GPSLongitudeRef
  entry(t, 0x0004, 5, 3, u32(kLongitude));                     // GPSLongitude
  put32(t, 0);
  for (const std::uint32_t v : {48u, 1u, 51u, 1u, 2400u, 100u})
    put32(t, v);
  for (const std::uint32_t v : {2u, 1u, 17u, 1u, 4000u, 100u})
    put32(t, v);
  return std::string("Exif\0\0", 6) + t;
}

// ---- pixels ----

// A gradient with some texture (so compression and truncation are realistic), optionally alpha.
ImagePtr gradient(int width, int height, bool with_alpha) {
  const int bands = with_alpha ? 4 : 3;
  std::string pixels(static_cast<std::size_t>(width) * height * bands, '\0');
  std::size_t i = 0;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      pixels[i++] = static_cast<char>(x * 255 / std::max(1, width - 1));
      pixels[i++] = static_cast<char>(y * 255 / std::max(1, height - 1));
      pixels[i++] = static_cast<char>((x ^ y) & 0xFF);
      if (with_alpha) pixels[i++] = static_cast<char>(128 + (x % 128));
    }
  }
  ImagePtr raw(vips_image_new_from_memory_copy(pixels.data(), pixels.size(), width, height, bands,
                                               VIPS_FORMAT_UCHAR));
  if (!raw) fail("new_from_memory_copy");
  VipsImage* out = nullptr;
  if (vips_copy(raw.get(), &out, "interpretation", VIPS_INTERPRETATION_sRGB, nullptr) != 0)
    fail("copy");
  return ImagePtr(out);
}

enum class Kind { jpeg, png, webp };

// Saves without strip, so whatever metadata the image carries is written.
std::string save(VipsImage* image, Kind kind) {
  void* buffer = nullptr;
  size_t length = 0;
  int rc = -1;
  switch (kind) {
    case Kind::jpeg:
      rc = vips_jpegsave_buffer(image, &buffer, &length, "Q", 90, nullptr);
      break;
    case Kind::png:
      rc = vips_pngsave_buffer(image, &buffer, &length, nullptr);
      break;
    case Kind::webp:
      rc = vips_webpsave_buffer(image, &buffer, &length, "Q", 90, nullptr);
      break;
  }
  const std::unique_ptr<void, GFree> owned(buffer);
  if (rc != 0) fail("save");
  return std::string(static_cast<const char*>(buffer), length);
}

std::string make(Kind kind, int width, int height, bool with_gps_exif, bool with_alpha) {
  media::init_image_library();
  const ImagePtr image = gradient(width, height, with_alpha);
  if (with_gps_exif) {
    const std::string blob = gps_exif_blob();
    vips_image_set_blob_copy(image.get(), VIPS_META_EXIF_NAME, blob.data(), blob.size());
  }
  return save(image.get(), kind);
}

// ---- reading EXIF back from raw bytes ----

std::uint32_t be32(std::string_view b, std::size_t at) {
  return (std::uint32_t(std::uint8_t(b[at])) << 24) |
         (std::uint32_t(std::uint8_t(b[at + 1])) << 16) |
         (std::uint32_t(std::uint8_t(b[at + 2])) << 8) | std::uint32_t(std::uint8_t(b[at + 3]));
}
std::uint32_t le32(std::string_view b, std::size_t at) {
  return std::uint32_t(std::uint8_t(b[at])) | (std::uint32_t(std::uint8_t(b[at + 1])) << 8) |
         (std::uint32_t(std::uint8_t(b[at + 2])) << 16) |
         (std::uint32_t(std::uint8_t(b[at + 3])) << 24);
}

struct ExifScan {
  std::vector<std::string_view> tiffs;  // TIFF structures found (after any "Exif\0\0")
  bool text_profile = false;            // ImageMagick-style "Raw profile type exif" PNG text
  std::vector<std::string> blocks;      // metadata containers met on the walk
};

std::string_view without_exif_header(std::string_view data) {
  if (data.starts_with(std::string_view("Exif\0\0", 6))) data.remove_prefix(6);
  return data;
}

void scan_jpeg(std::string_view b, ExifScan& scan) {
  std::size_t at = 2;
  while (at + 4 <= b.size() && std::uint8_t(b[at]) == 0xFF) {
    const std::uint8_t marker = std::uint8_t(b[at + 1]);
    if (marker == 0xDA || marker == 0xD9) break;  // start of scan / end of image
    const std::size_t length =
        (std::size_t(std::uint8_t(b[at + 2])) << 8) | std::uint8_t(b[at + 3]);
    if (length < 2 || at + 2 + length > b.size()) break;
    const std::string_view data = b.substr(at + 4, length - 2);
    if (marker == 0xE1 && data.starts_with(std::string_view("Exif\0\0", 6))) {
      scan.tiffs.push_back(without_exif_header(data));
      scan.blocks.emplace_back("APP1 Exif");
    } else if (marker == 0xE1) {
      scan.blocks.emplace_back("APP1 XMP");
    } else if (marker == 0xE2) {
      scan.blocks.emplace_back("APP2 ICC");
    } else if (marker == 0xED) {
      scan.blocks.emplace_back("APP13");
    } else if (marker == 0xFE) {
      scan.blocks.emplace_back("COM");
    }
    at += 2 + length;
  }
}

void scan_png(std::string_view b, ExifScan& scan) {
  std::size_t at = 8;
  while (at + 12 <= b.size()) {
    const std::size_t length = be32(b, at);
    if (length > b.size() - at - 12) break;
    const std::string_view type = b.substr(at + 4, 4);
    const std::string_view data = b.substr(at + 8, length);
    if (type == "eXIf") scan.tiffs.push_back(without_exif_header(data));
    if (type == "eXIf" || type == "iCCP" || type == "tEXt" || type == "zTXt" || type == "iTXt" ||
        type == "tIME")
      scan.blocks.emplace_back(type);
    if ((type == "tEXt" || type == "zTXt" || type == "iTXt") &&
        data.starts_with("Raw profile type exif"))
      scan.text_profile = true;
    at += 12 + length;
  }
}

void scan_webp(std::string_view b, ExifScan& scan) {
  std::size_t at = 12;
  while (at + 8 <= b.size()) {
    const std::string_view fourcc = b.substr(at, 4);
    const std::size_t length = le32(b, at + 4);
    if (length > b.size() - at - 8) break;
    if (fourcc == "EXIF") scan.tiffs.push_back(without_exif_header(b.substr(at + 8, length)));
    if (fourcc == "EXIF" || fourcc == "XMP " || fourcc == "ICCP") scan.blocks.emplace_back(fourcc);
    at += 8 + length + (length & 1);
  }
}

ExifScan scan_exif(std::string_view b) {
  ExifScan scan;
  switch (media::sniff_format(b).value_or(media::ImageFormat::jpeg)) {
    case media::ImageFormat::jpeg:
      if (b.starts_with("\xFF\xD8")) scan_jpeg(b, scan);
      break;
    case media::ImageFormat::png:
      scan_png(b, scan);
      break;
    case media::ImageFormat::webp:
      scan_webp(b, scan);
      break;
  }
  // Wherever else an EXIF header hides (a chunk the walkers do not know, trailing data).
  for (auto at = b.find(std::string_view("Exif\0\0", 6)); at != std::string_view::npos;
       at = b.find(std::string_view("Exif\0\0", 6), at + 1))
    scan.tiffs.push_back(b.substr(at + 6));
  return scan;
}

// True when IFD0 of this TIFF structure has the GPSInfo tag (0x8825).
bool has_gps_ifd(std::string_view tiff) {
  if (tiff.size() < 8) return false;
  const bool little = tiff.starts_with("II");
  if (!little && !tiff.starts_with("MM")) return false;
  const auto u16 = [&](std::size_t at) -> unsigned {
    const unsigned a = std::uint8_t(tiff[at]), b = std::uint8_t(tiff[at + 1]);
    return little ? (a | (b << 8)) : ((a << 8) | b);
  };
  const std::size_t ifd0 = little ? le32(tiff, 4) : be32(tiff, 4);
  if (ifd0 + 2 > tiff.size()) return false;
  const unsigned count = u16(ifd0);
  for (unsigned i = 0; i < count; ++i) {
    const std::size_t at = ifd0 + 2 + std::size_t(i) * 12;
    if (at + 12 > tiff.size()) return false;
    if (u16(at) == 0x8825) return true;
  }
  return false;
}

void put_be32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

std::uint32_t crc32(std::string_view data) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (const char c : data) {
    crc ^= std::uint8_t(c);
    for (int k = 0; k < 8; ++k)
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return crc ^ 0xFFFFFFFFu;
}

void png_chunk(std::string& out, std::string_view type, std::string_view data) {
  put_be32(out, static_cast<std::uint32_t>(data.size()));
  const std::string typed = std::string(type) + std::string(data);
  out += typed;
  put_be32(out, crc32(typed));
}

}  // namespace

std::string make_jpeg(int width, int height, bool with_gps_exif) {
  return make(Kind::jpeg, width, height, with_gps_exif, false);
}
std::string make_png(int width, int height, bool with_gps_exif, bool with_alpha) {
  return make(Kind::png, width, height, with_gps_exif, with_alpha);
}
std::string make_webp(int width, int height, bool with_gps_exif, bool with_alpha) {
  return make(Kind::webp, width, height, with_gps_exif, with_alpha);
}

std::string make_rotated_jpeg(int width, int height) {
  media::init_image_library();
  const ImagePtr image = gradient(width, height, false);
  vips_image_set_int(image.get(), VIPS_META_ORIENTATION, 6);  // libvips writes it into EXIF
  return save(image.get(), Kind::jpeg);
}

std::string make_lossless_webp(int width, int height) {
  media::init_image_library();
  const ImagePtr image = gradient(width, height, false);
  void* buffer = nullptr;
  size_t length = 0;
  if (vips_webpsave_buffer(image.get(), &buffer, &length, "lossless", TRUE, nullptr) != 0)
    fail("save lossless webp");
  const std::unique_ptr<void, GFree> owned(buffer);
  return std::string(static_cast<const char*>(buffer), length);
}

std::string make_grey_png(int width, int height) {
  media::init_image_library();
  std::string pixels(static_cast<std::size_t>(width) * height, '\0');
  for (std::size_t i = 0; i < pixels.size(); ++i)
    pixels[i] = static_cast<char>(i % static_cast<std::size_t>(width) * 255 /
                                  static_cast<std::size_t>(std::max(1, width - 1)));
  const ImagePtr raw(vips_image_new_from_memory_copy(pixels.data(), pixels.size(), width, height, 1,
                                                     VIPS_FORMAT_UCHAR));
  if (!raw) fail("new_from_memory_copy");
  VipsImage* grey = nullptr;
  if (vips_copy(raw.get(), &grey, "interpretation", VIPS_INTERPRETATION_B_W, nullptr) != 0)
    fail("copy");
  const ImagePtr owned(grey);
  return save(owned.get(), Kind::png);
}

std::string make_animated_webp(int width, int height, int frames) {
  media::init_image_library();
  // Frames stacked vertically ("toilet roll"), page-height marks where each one starts.
  std::string pixels(static_cast<std::size_t>(width) * height * frames * 3, '\0');
  for (std::size_t i = 0; i < pixels.size(); i += 3) {
    const std::size_t frame = i / 3 / (static_cast<std::size_t>(width) * height);
    pixels[i] = static_cast<char>(frame == 0 ? 250 : 10);
    pixels[i + 1] = static_cast<char>(frame == 0 ? 10 : 250);
    pixels[i + 2] = 10;
  }
  const ImagePtr raw(vips_image_new_from_memory_copy(pixels.data(), pixels.size(), width,
                                                     height * frames, 3, VIPS_FORMAT_UCHAR));
  if (!raw) fail("new_from_memory_copy");
  VipsImage* strip = nullptr;
  if (vips_copy(raw.get(), &strip, "interpretation", VIPS_INTERPRETATION_sRGB, nullptr) != 0)
    fail("copy");
  const ImagePtr owned(strip);
  vips_image_set_int(owned.get(), VIPS_META_PAGE_HEIGHT, height);
  std::vector<int> delays(static_cast<std::size_t>(frames), 100);
  vips_image_set_array_int(owned.get(), "delay", delays.data(), frames);
  vips_image_set_int(owned.get(), "loop", 0);
  return save(owned.get(), Kind::webp);
}

std::string make_cmyk_jpeg(int width, int height) {
  return make_jpeg_in_profile(width, height, "cmyk");
}

std::string make_jpeg_in_profile(int width, int height, const std::string& icc_path) {
  media::init_image_library();
  std::string pixels(static_cast<std::size_t>(width) * height * 3, '\0');
  for (std::size_t i = 0; i < pixels.size(); i += 3) {
    pixels[i] = static_cast<char>(200);
    pixels[i + 1] = 60;
    pixels[i + 2] = 40;
  }
  const ImagePtr rgb(vips_image_new_from_memory_copy(pixels.data(), pixels.size(), width, height, 3,
                                                     VIPS_FORMAT_UCHAR));
  if (!rgb) fail("new_from_memory_copy");
  // The output carries the target profile, which jpegsave embeds.
  VipsImage* converted = nullptr;
  if (vips_icc_transform(rgb.get(), &converted, icc_path.c_str(), "input_profile", "srgb",
                         nullptr) != 0)
    fail("icc_transform to " + icc_path);
  const ImagePtr owned(converted);
  return save(owned.get(), Kind::jpeg);
}

bool contains_exif(std::string_view image_bytes) {
  const ExifScan scan = scan_exif(image_bytes);
  return !scan.tiffs.empty() || scan.text_profile;
}

bool contains_gps_exif(std::string_view image_bytes) {
  const ExifScan scan = scan_exif(image_bytes);
  for (const std::string_view tiff : scan.tiffs) {
    if (has_gps_ifd(tiff)) return true;
  }
  return false;
}

std::vector<std::string> metadata_blocks(std::string_view image_bytes) {
  return scan_exif(image_bytes).blocks;
}

std::string make_pixel_bomb_png(int width, int height) {
  std::string png("\x89PNG\r\n\x1A\n", 8);
  std::string ihdr;
  put_be32(ihdr, static_cast<std::uint32_t>(width));
  put_be32(ihdr, static_cast<std::uint32_t>(height));
  ihdr += std::string("\x08\x02\x00\x00\x00", 5);  // 8-bit RGB, deflate, no filter, no interlace
  png_chunk(png, "IHDR", ihdr);
  // A zlib header and one stored, non-final deflate block of 16 zero bytes: the start of a
  // stream that claims much more is coming.
  std::string idat("\x78\x01\x00\x10\x00\xEF\xFF", 7);
  idat += std::string(16, '\0');
  png_chunk(png, "IDAT", idat);
  png_chunk(png, "IEND", "");
  return png;
}

std::string truncated(std::string bytes) {
  bytes.resize(bytes.size() / 2);
  return bytes;
}

std::string gif_image() {
  return std::string(
      "GIF89a\x01\x00\x01\x00\x80\x00\x00\xFF\xFF\xFF\x00\x00\x00\x21\xF9\x04\x01\x00\x00\x00\x00"
      "\x2C\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00\x3B",
      43);
}

std::string svg_document() {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" height=\"100\">"
         "<script>alert(document.cookie)</script>"
         "<rect width=\"100\" height=\"100\" fill=\"red\"/></svg>\n";
}

std::string text_file() {
  return "This is a plain text file, not an image.\n";
}

DecodedImage decode_image(std::string_view image_bytes) {
  media::init_image_library();
  const auto format = media::sniff_format(image_bytes);
  if (!format) throw std::runtime_error("test image: not a JPEG, PNG or WebP");
  void* data = const_cast<char*>(image_bytes.data());
  VipsImage* raw = nullptr;
  int rc = -1;
  switch (*format) {
    case media::ImageFormat::jpeg:
      rc = vips_jpegload_buffer(data, image_bytes.size(), &raw, "fail_on", VIPS_FAIL_ON_ERROR,
                                nullptr);
      break;
    case media::ImageFormat::png:
      rc = vips_pngload_buffer(data, image_bytes.size(), &raw, "fail_on", VIPS_FAIL_ON_ERROR,
                               nullptr);
      break;
    case media::ImageFormat::webp:
      rc = vips_webpload_buffer(data, image_bytes.size(), &raw, "fail_on", VIPS_FAIL_ON_ERROR,
                                nullptr);
      break;
  }
  if (rc != 0) fail("load");
  const ImagePtr image(raw);

  DecodedImage decoded;
  decoded.width = vips_image_get_width(image.get());
  decoded.height = vips_image_get_height(image.get());
  decoded.bands = vips_image_get_bands(image.get());
  decoded.srgb = vips_image_get_interpretation(image.get()) == VIPS_INTERPRETATION_sRGB;

  static constexpr std::string_view kCore[] = {"width",  "height",         "bands",   "format",
                                               "coding", "interpretation", "xoffset", "yoffset",
                                               "xres",   "yres",           "filename"};
  const std::unique_ptr<gchar*, StrvFree> fields(vips_image_get_fields(image.get()));
  for (gchar** field = fields.get(); *field != nullptr; ++field) {
    if (std::find(std::begin(kCore), std::end(kCore), *field) == std::end(kCore))
      decoded.metadata.emplace_back(*field);
  }

  double* values = nullptr;
  int count = 0;
  if (vips_getpoint(image.get(), &values, &count, decoded.width / 2, decoded.height / 2, nullptr) !=
      0)
    fail("getpoint");
  const std::unique_ptr<void, GFree> owned(values);
  decoded.centre_pixel.assign(values, values + count);
  return decoded;
}

}  // namespace shop::test
