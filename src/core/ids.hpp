#pragma once

#include <string>

namespace shop {

// A new opaque document id: 24 lower-case hex digits (96 random bits), the shape of the
// reference's MongoDB ids, so clients that display or store them see nothing new.
std::string new_id();

// n random bytes as 2n lower-case hex digits.
std::string random_hex(std::size_t bytes);

}  // namespace shop
