#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace shop {

// Appends compact JSON text. Used where Boost.JSON's value model does not fit: money must be
// written as an exact decimal ("19.99"), which a double-based value cannot promise.
class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);
  JsonWriter& string(std::string_view text);  // text must be valid UTF-8
  JsonWriter& number(std::int64_t n);
  JsonWriter& raw_number(std::string_view text);  // already valid JSON number text
  JsonWriter& raw_value(std::string_view json);   // already valid JSON text of one value
  JsonWriter& boolean(bool b);
  JsonWriter& null();

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void separate();
  std::string out_;
  bool first_ = true;       // nothing written yet in the current container
  bool after_key_ = false;  // a key was written; its value follows without a comma
};

// True when text is well-formed UTF-8 (no overlong forms, surrogates or code points > U+10FFFF).
bool valid_utf8(std::string_view text);

}  // namespace shop
