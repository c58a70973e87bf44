#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shop::http {

// "Application/JSON; charset=utf-8" → "application/json".
std::string media_type(std::string_view content_type);

// A parsed JSON request body. Boost.JSON turns decimals into doubles, so the text of every
// top-level number is kept as sent: money is parsed from that text exactly.
struct JsonBody {
  boost::json::object object;
  std::vector<std::pair<std::string, std::string>> numbers;  // member name → number text
};

// A JSON request body; it must be an object, with no member named twice at the top level.
// Throws Error(invalid_input) otherwise.
JsonBody parse_json_body(std::string_view body);

// "a=1&b=x+y&c=%C3%A9" → ordered pairs, '+' as space, %XX decoded. Throws Error(invalid_input)
// on a malformed escape or an encoded NUL.
std::vector<std::pair<std::string, std::string>> parse_urlencoded(std::string_view text);

// A whole number in a query parameter: optional '-', then at most 18 digits and nothing else
// ("1.5", "1e3", " 2", "" are nullopt).
std::optional<std::int64_t> parse_query_integer(std::string_view text);

// An urlencoded body as a JSON object of strings; a repeated name becomes an array of strings.
boost::json::object urlencoded_to_object(std::string_view body);

}  // namespace shop::http
