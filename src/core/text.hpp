#pragma once

#include <string>
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

namespace shop {

// Lower-cases text for case-insensitive matching, Unicode-aware (simple case mapping of the
// C.UTF-8 locale: "ÉCOLE" → "école", "ΣΑ" → "σα"). Invalid UTF-8 bytes are kept as they are.
// shopd folds in C++ rather than in SQL so both databases match the same way.
std::string fold_case(std::string_view text);

// The number of code points in well-formed UTF-8 text.
std::size_t utf8_length(std::string_view text);

// True when text holds an ASCII control character (DEL included); with allow_line_breaks, tab,
// CR and LF are allowed (multi-line fields).
bool has_control_characters(std::string_view text, bool allow_line_breaks = false);

}  // namespace shop
