// A JSON request body → the typed fields routes read from it (money, whole numbers, strings),
// as catalog, cart, order and account requests do.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/error.hpp"
#include "http/body.hpp"
#include "http/body_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  shop::http::JsonBody body;
  try {
    body = shop::http::parse_json_body(text);
  } catch (const shop::Error&) {
    return 0;  // refused: a 400
  }
  boost::json::value value(std::move(body.object));
  shop::http::BodyReader reader(value, &body.numbers);
  try {
    reader.optional_money("price");
    reader.optional_money("minPrice");
    reader.optional_integer("stock", 0, 1000000, false);
    reader.optional_integer("quantity", 1, 1000, true);
    reader.optional_string("name");
    reader.required_string("productId");
    reader.optional_string("email");
    reader.has("password");
    reader.finish();
  } catch (const shop::Error&) {
  }
  return 0;
}
