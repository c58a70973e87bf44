#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/money.hpp"

namespace shop::http {

struct RequestContext;

// Turns a parsed body (JSON or urlencoded object) into typed fields, collecting shape errors so
// that one 400 names every bad field. Unknown fields are ignored.
class BodyReader {
 public:
  explicit BodyReader(const boost::json::value& body,
                      const std::vector<std::pair<std::string, std::string>>* numbers = nullptr);
  // The request's parsed body, with the text of its JSON numbers.
  explicit BodyReader(const RequestContext& ctx);

  bool has(std::string_view name) const;

  // A string field; absent gives nullopt, another type is a field error.
  std::optional<std::string> optional_string(std::string_view name);
  // Same, but absent is a field error ("is required"); returns "" then.
  std::string required_string(std::string_view name);

  // An amount of money: a JSON number or a decimal string, parsed exactly (see core/money.hpp).
  std::optional<Cents> optional_money(std::string_view name);
  // A whole number in [min, max]: a JSON integer, or with accept_strings a string of digits (form
  // fields are always strings; a JSON "3" is refused where the type matters).
  std::optional<std::int64_t> optional_integer(std::string_view name, std::int64_t min,
                                               std::int64_t max, bool accept_strings = true);

  // Records a field error found by the caller (e.g. a business rule on a typed field).
  void add_error(std::string field, std::string message);

  // Throws Error{invalid_input, "Validation failed", errors} if any field was wrong.
  void finish() const;

 private:
  const boost::json::value* find(std::string_view name) const;
  std::optional<std::string_view> number_text(std::string_view name) const;

  const boost::json::object* object_ = nullptr;
  const std::vector<std::pair<std::string, std::string>>* numbers_ = nullptr;
  std::vector<FieldError> errors_;
};

}  // namespace shop::http
