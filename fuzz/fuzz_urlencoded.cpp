// application/x-www-form-urlencoded bodies and query strings: the generic parsers and the
// product list's query (page, limit, sort, filters, search).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "catalog/catalog_routes.hpp"
#include "core/error.hpp"
#include "http/body.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    for (const auto& [name, value] : shop::http::parse_urlencoded(text))
      shop::http::parse_query_integer(value);
    shop::http::urlencoded_to_object(text);
  } catch (const shop::Error&) {
    // a malformed escape or an encoded NUL: a 400
  }
  try {
    shop::catalog::parse_product_query(text);
  } catch (const shop::Error&) {
  }
  return 0;
}
