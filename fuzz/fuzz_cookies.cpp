// Cookie headers: each line of the input is one Cookie header.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/cookies.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  shop::http::Headers headers;
  while (!input.empty()) {
    std::size_t newline = input.find('\n');
    headers.add("Cookie", std::string(input.substr(0, newline)));
    input = newline == std::string_view::npos ? "" : input.substr(newline + 1);
  }
  shop::http::cookie_value(headers, "refreshToken");
  shop::http::cookie_value(headers, "");
  return 0;
}
