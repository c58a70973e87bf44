#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace shop::auth {

// Trimmed and lower-cased: how emails are stored and compared.
std::string normalize_email(std::string_view email);

// The input rules of accounts. Each returns the field error, or an empty message when fine.
std::string email_problem(std::string_view normalized_email);
std::string name_problem(std::string_view trimmed_name);
std::string password_problem(std::string_view password);

// Throws Error{invalid_input, "Validation failed", fields} when fields is not empty.
void throw_if_invalid(std::vector<FieldError> fields);

}  // namespace shop::auth
