#include "auth/validation.hpp"

#include <algorithm>

#include "core/text.hpp"

namespace shop::auth {

std::string normalize_email(std::string_view email) {
  std::string e(trim_whitespace(email));
  std::transform(e.begin(), e.end(), e.begin(),
                 [](unsigned char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; });
  return e;
}

// A pragmatic check of RFC 5321 shape: one '@', a non-empty local part of printable characters
// without spaces, and a domain of dot-separated labels with at least one dot.
std::string email_problem(std::string_view e) {
  if (e.empty()) return "is required";
  if (e.size() > 254) return "must be at most 254 characters";
  auto at = e.find('@');
  if (at == std::string_view::npos || at == 0 || e.find('@', at + 1) != std::string_view::npos)
    return "must be a valid email address";
  std::string_view local = e.substr(0, at), domain = e.substr(at + 1);
  if (local.size() > 64) return "must be a valid email address";
  for (unsigned char c : local)
    if (c <= ' ' || c == 0x7f || c == '(' || c == ')' || c == ',' || c == ':' || c == ';' ||
        c == '<' || c == '>' || c == '[' || c == ']' || c == '\\' || c == '"')
      return "must be a valid email address";
  if (domain.empty() || domain.find('.') == std::string_view::npos || domain.front() == '.' ||
      domain.back() == '.' || domain.find("..") != std::string_view::npos)
    return "must be a valid email address";
  for (unsigned char c : domain)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c >= 0x80))
      return "must be a valid email address";
  return {};
}

std::string name_problem(std::string_view name) {
  if (name.empty()) return "is required";
  if (utf8_length(name) > 100) return "must be at most 100 characters";
  if (has_control_characters(name)) return "must not contain control characters";
  return {};
}

std::string password_problem(std::string_view password) {
  auto n = utf8_length(password);
  if (n < 8) return "must be at least 8 characters";
  if (n > 128) return "must be at most 128 characters";
  return {};
}

void throw_if_invalid(std::vector<FieldError> fields) {
  if (!fields.empty())
    throw Error(ErrorCode::invalid_input, "Validation failed", std::move(fields));
}

}  // namespace shop::auth
