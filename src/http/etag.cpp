#include "http/etag.hpp"

#include "core/text.hpp"

namespace shop::http {

bool etag_matches(std::string_view header, std::string_view etag) {
  std::string_view opaque = etag.starts_with("W/") ? etag.substr(2) : etag;
  while (!header.empty()) {
    auto comma = header.find(',');
    std::string_view tag = trim_whitespace(header.substr(0, comma));
    header.remove_prefix(comma == std::string_view::npos ? header.size() : comma + 1);
    if (tag == "*") return true;
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == opaque) return true;
  }
  return false;
}

}  // namespace shop::http
