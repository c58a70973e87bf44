#include "http/cookies.hpp"

#include "core/text.hpp"

namespace shop::http {

std::optional<std::string> cookie_value(const Headers& headers, std::string_view name) {
  for (const auto& [field, value] : headers.fields()) {
    if (!iequals(field, "Cookie")) continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      auto semi = rest.find(';');
      std::string_view pair = trim_whitespace(rest.substr(0, semi));
      rest.remove_prefix(semi == std::string_view::npos ? rest.size() : semi + 1);
      auto eq = pair.find('=');
      if (eq == std::string_view::npos || trim_whitespace(pair.substr(0, eq)) != name) continue;
      std::string_view v = trim_whitespace(pair.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      return std::string(v);
    }
  }
  return std::nullopt;
}

}  // namespace shop::http
