#include "http/body_reader.hpp"

#include <boost/json/object.hpp>

namespace shop::http {

BodyReader::BodyReader(const boost::json::value& body) {
  if (body.is_object()) object_ = &body.as_object();
}

std::optional<std::string> BodyReader::optional_string(std::string_view name) {
  if (object_ == nullptr) return std::nullopt;
  auto it = object_->find(name);
  if (it == object_->end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_string()) {
    errors_.push_back({std::string(name), "must be a string"});
    return std::nullopt;
  }
  return std::string(it->value().as_string());
}

std::string BodyReader::required_string(std::string_view name) {
  bool present = object_ != nullptr && object_->contains(name);
  auto value = optional_string(name);
  if (!present) errors_.push_back({std::string(name), "is required"});
  return value.value_or("");
}

void BodyReader::finish() const {
  if (!errors_.empty()) throw Error(ErrorCode::invalid_input, "Validation failed", errors_);
}

}  // namespace shop::http
