// Uploaded image bytes → the image pipeline (format sniffing, the header pixel guard, libvips
// decoding, metadata stripping, re-encoding), with the production limits.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/error.hpp"
#include "media/image_pipeline.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  shop::media::init_image_library();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    auto image = shop::media::process_image(bytes);
    if (image.list.bytes.empty() || image.detail.bytes.empty() || image.list.width > 400 ||
        image.list.height > 400 || image.detail.width > 1200 || image.detail.height > 1200)
      __builtin_trap();
  } catch (const shop::Error&) {
  }
  return 0;
}
