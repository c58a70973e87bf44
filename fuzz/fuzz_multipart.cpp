// multipart/form-data: the first line of the input is the Content-Type, the rest the body.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/error.hpp"
#include "http/multipart.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t newline = input.find('\n');
  std::string_view content_type = input.substr(0, newline);
  std::string_view body = newline == std::string_view::npos ? "" : input.substr(newline + 1);
  shop::http::multipart_boundary(content_type);
  shop::http::MultipartLimits limits;
  limits.max_file_bytes = 64 * 1024;  // the same checks, on inputs the fuzzer can reach
  try {
    auto parts = shop::http::parse_multipart(content_type, body, limits);
    if (parts.size() > limits.max_parts) __builtin_trap();
  } catch (const shop::Error&) {
  }
  return 0;
}
