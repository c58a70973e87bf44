#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace shop::http {

// The value of cookie `name` from the Cookie headers ("a=1; b=2"), or nullopt. Quoted values
// lose their quotes; malformed pairs are skipped.
std::optional<std::string> cookie_value(const Headers& headers, std::string_view name);

}  // namespace shop::http
