#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace shop::test {

// Real images of a colour gradient, made with libvips. With `with_gps_exif`, the file carries an
// EXIF block whose IFD0 points (tag 0x8825) to a GPS IFD with GPSLatitude/GPSLongitude.
std::string make_jpeg(int width, int height, bool with_gps_exif = false);
std::string make_png(int width, int height, bool with_gps_exif = false, bool with_alpha = false);
std::string make_webp(int width, int height, bool with_gps_exif = false, bool with_alpha = false);
// A JPEG whose EXIF orientation says "rotate 90 degrees clockwise to display" (orientation 6).
std::string make_rotated_jpeg(int width, int height);
// A lossless (VP8L) WebP gradient.
std::string make_lossless_webp(int width, int height);
// A greyscale (one band) PNG gradient.
std::string make_grey_png(int width, int height);
// An animated WebP of `frames` frames of width x height each, every frame a different colour.
std::string make_animated_webp(int width, int height, int frames);
// A CMYK JPEG with an embedded CMYK ICC profile, solid sRGB (200, 60, 40) before conversion.
std::string make_cmyk_jpeg(int width, int height);
// A JPEG in the RGB space of the ICC profile file at `icc_path` (e.g. Adobe RGB) with that
// profile embedded, solid sRGB (200, 60, 40) before conversion.
std::string make_jpeg_in_profile(int width, int height, const std::string& icc_path);

// True when the bytes carry an EXIF block anywhere: "Exif\0\0", a JPEG APP1 Exif segment, a PNG
// eXIf chunk (or an ImageMagick "Raw profile type exif" text chunk), a WebP EXIF chunk.
bool contains_exif(std::string_view image_bytes);
// True when one of those EXIF blocks has a GPS IFD (IFD0 tag 0x8825).
bool contains_gps_exif(std::string_view image_bytes);
// The metadata containers in the file's structure: JPEG "APP1 Exif", "APP1 XMP", "APP2 ICC",
// "APP13", "COM"; PNG eXIf, iCCP, tEXt, zTXt, iTXt, tIME; WebP EXIF, XMP, ICCP. Empty when clean.
std::vector<std::string> metadata_blocks(std::string_view image_bytes);

// A tiny PNG declaring width x height (correct IHDR CRC, a few bytes of IDAT, IEND): a
// decompression bomb that a decoder would need width*height*3 bytes for.
std::string make_pixel_bomb_png(int width = 50000, int height = 50000);
// The first half of the bytes.
std::string truncated(std::string bytes);
// A minimal valid 1x1 GIF89a.
std::string gif_image();
// An SVG document with a script in it.
std::string svg_document();
// Plain text.
std::string text_file();

// What libvips decodes from image bytes (loaded with the loader of the sniffed format).
struct DecodedImage {
  int width = 0;
  int height = 0;
  int bands = 0;
  bool srgb = false;
  std::vector<std::string> metadata;  // every field that is not a core property (exif-*, ...)
  std::vector<double> centre_pixel;   // band values of the middle pixel
};
// Throws std::runtime_error if the bytes do not decode.
DecodedImage decode_image(std::string_view image_bytes);

}  // namespace shop::test
