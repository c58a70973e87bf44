#include "http/body_reader.hpp"

#include <fmt/format.h>

#include <boost/json/object.hpp>
#include <charconv>

#include "core/text.hpp"
#include "http/request_context.hpp"

namespace shop::http {

BodyReader::BodyReader(const boost::json::value& body,
                       const std::vector<std::pair<std::string, std::string>>* numbers)
    : numbers_(numbers) {
  if (body.is_object()) object_ = &body.as_object();
}

BodyReader::BodyReader(const RequestContext& ctx) : BodyReader(ctx.body, &ctx.body_numbers) {}

const boost::json::value* BodyReader::find(std::string_view name) const {
  if (object_ == nullptr) return nullptr;
  auto it = object_->find(name);
  if (it == object_->end() || it->value().is_null()) return nullptr;
  return &it->value();
}

bool BodyReader::has(std::string_view name) const {
  return find(name) != nullptr;
}

std::optional<std::string_view> BodyReader::number_text(std::string_view name) const {
  if (numbers_ == nullptr) return std::nullopt;
  for (const auto& [n, text] : *numbers_)
    if (n == name) return text;
  return std::nullopt;
}

std::optional<std::string> BodyReader::optional_string(std::string_view name) {
  const auto* v = find(name);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) {
    errors_.push_back({std::string(name), "must be a string"});
    return std::nullopt;
  }
  return std::string(v->as_string());
}

std::string BodyReader::required_string(std::string_view name) {
  bool present = object_ != nullptr && object_->contains(name);
  auto value = optional_string(name);
  if (!present) errors_.push_back({std::string(name), "is required"});
  return value.value_or("");
}

std::optional<Cents> BodyReader::optional_money(std::string_view name) {
  const auto* v = find(name);
  if (v == nullptr) return std::nullopt;
  std::string text;
  if (v->is_string()) {
    text = std::string(trim_whitespace(v->as_string()));
  } else if (v->is_number()) {
    auto raw = number_text(name);
    if (!raw) {  // a number without its text can only be an integer here
      if (v->is_double()) {
        errors_.push_back({std::string(name), "must be a number >= 0"});
        return std::nullopt;
      }
      text = v->is_int64() ? std::to_string(v->as_int64()) : std::to_string(v->as_uint64());
    } else {
      text = std::string(*raw);
    }
  } else {
    errors_.push_back({std::string(name), "must be a number >= 0"});
    return std::nullopt;
  }
  Cents cents = 0;
  MoneyParse result = parse_money(text, cents);
  if (result != MoneyParse::ok) {
    errors_.push_back({std::string(name), std::string(money_error(result))});
    return std::nullopt;
  }
  return cents;
}

std::optional<std::int64_t> BodyReader::optional_integer(std::string_view name, std::int64_t min,
                                                         std::int64_t max, bool accept_strings) {
  const auto* v = find(name);
  if (v == nullptr) return std::nullopt;
  std::string message = fmt::format("must be an integer from {} to {}", min, max);
  std::int64_t n = 0;
  if (v->is_int64()) {
    n = v->as_int64();
  } else if (v->is_string() && accept_strings) {
    std::string_view s = trim_whitespace(v->as_string());
    bool digits_only =
        !s.empty() && s.size() <= 19 &&
        s.find_first_not_of("0123456789", s.front() == '-' ? 1 : 0) == std::string_view::npos &&
        s != "-";
    if (!digits_only || std::from_chars(s.data(), s.data() + s.size(), n).ec != std::errc()) {
      errors_.push_back({std::string(name), message});
      return std::nullopt;
    }
  } else {  // a fraction, an exponent, a number beyond int64, or another type
    errors_.push_back({std::string(name), message});
    return std::nullopt;
  }
  if (n < min || n > max) {
    errors_.push_back({std::string(name), message});
    return std::nullopt;
  }
  return n;
}

void BodyReader::add_error(std::string field, std::string message) {
  errors_.push_back({std::move(field), std::move(message)});
}

void BodyReader::finish() const {
  if (!errors_.empty()) throw Error(ErrorCode::invalid_input, "Validation failed", errors_);
}

}  // namespace shop::http
