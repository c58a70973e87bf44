#pragma once

#include <string_view>

namespace shop {

// s without leading and trailing spaces, tabs, carriage returns and line feeds.
constexpr std::string_view trim_whitespace(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  auto first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

}  // namespace shop
