#pragma once

#include <string_view>

namespace shop::http {

// Does an If-None-Match header (a list of entity tags, or *) match this ETag? Compared weakly,
// as RFC 9110 §13.1.2 says for If-None-Match: W/"x" matches "x".
bool etag_matches(std::string_view if_none_match, std::string_view etag);

}  // namespace shop::http
