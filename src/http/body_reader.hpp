#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace shop::http {

// Turns a parsed body (JSON or urlencoded object) into typed fields, collecting shape errors so
// that one 400 names every bad field. Unknown fields are ignored.
class BodyReader {
 public:
  explicit BodyReader(const boost::json::value& body);

  // A string field; absent gives nullopt, another type is a field error.
  std::optional<std::string> optional_string(std::string_view name);
  // Same, but absent is a field error ("is required"); returns "" then.
  std::string required_string(std::string_view name);

  // Throws Error{invalid_input, "Validation failed", errors} if any field was wrong.
  void finish() const;

 private:
  const boost::json::object* object_ = nullptr;
  std::vector<FieldError> errors_;
};

}  // namespace shop::http
