#include "media/demo_image.hpp"

#include <vips/vips.h>

#include <memory>
#include <stdexcept>

namespace shop::media {
namespace {

struct ImageUnref {
  void operator()(VipsImage* image) const { g_object_unref(image); }
};
using ImagePtr = std::unique_ptr<VipsImage, ImageUnref>;

[[noreturn]] void vips_failed() {
  std::string message = vips_error_buffer();
  vips_error_clear();
  throw std::runtime_error("libvips: " + message);
}

// A colour from the seed: bright, saturated, different for neighbouring seeds.
void colour(std::uint32_t seed, double rgb[3]) {
  std::uint32_t h = seed * 2654435761u;
  for (int i = 0; i < 3; ++i) {
    rgb[i] = 60 + static_cast<double>((h >> (i * 8)) & 0xff) * 0.7;
  }
}

}  // namespace

std::string render_demo_image(std::uint32_t seed, int size) {
  double from[3];
  double to[3];
  colour(seed, from);
  colour(seed ^ 0x9e3779b9u, to);

  VipsImage* raw = nullptr;
  if (vips_xyz(&raw, size, size, nullptr) != 0) vips_failed();
  ImagePtr xy(raw);
  VipsImage* x = nullptr;
  VipsImage* y = nullptr;
  if (vips_extract_band(xy.get(), &x, 0, nullptr) != 0) vips_failed();
  ImagePtr xs(x);
  if (vips_extract_band(xy.get(), &y, 1, nullptr) != 0) vips_failed();
  ImagePtr ys(y);
  VipsImage* sum = nullptr;
  if (vips_add(xs.get(), ys.get(), &sum, nullptr) != 0) vips_failed();
  ImagePtr diagonal(sum);

  // Each band runs from `from` to `to` along the diagonal.
  double a[3];
  double b[3];
  for (int i = 0; i < 3; ++i) {
    a[i] = (to[i] - from[i]) / (2.0 * size);
    b[i] = from[i];
  }
  VipsImage* linear = nullptr;
  if (vips_linear(diagonal.get(), &linear, a, b, 3, "uchar", TRUE, nullptr) != 0) vips_failed();
  ImagePtr gradient(linear);
  VipsImage* copy = nullptr;
  if (vips_copy(gradient.get(), &copy, "interpretation", VIPS_INTERPRETATION_sRGB, nullptr) != 0)
    vips_failed();
  ImagePtr canvas(copy);
  // A light disc in the middle, drawn on a memory copy.
  VipsImage* memory = vips_image_copy_memory(canvas.get());
  if (memory == nullptr) vips_failed();
  ImagePtr drawn(memory);
  double ink[3] = {245, 245, 240};
  if (vips_draw_circle(drawn.get(), ink, 3, size / 2, size / 2,
                       size / 4 + static_cast<int>(seed % 7) * 8, "fill", TRUE, nullptr) != 0)
    vips_failed();

  void* buffer = nullptr;
  std::size_t length = 0;
  if (vips_jpegsave_buffer(drawn.get(), &buffer, &length, "Q", 85, nullptr) != 0) vips_failed();
  std::string bytes(static_cast<const char*>(buffer), length);
  g_free(buffer);
  return bytes;
}

}  // namespace shop::media
