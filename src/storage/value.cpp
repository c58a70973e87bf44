#include "storage/value.hpp"

#include <stdexcept>
#include <string>
#include <utility>

namespace shop::storage {
namespace {

const char* type_name(const Value& v) {
  switch (v.index()) {
    case 0:
      return "NULL";
    case 1:
      return "integer";
    case 2:
      return "double";
    default:
      return "text";
  }
}

[[noreturn]] void throw_type_mismatch(std::size_t i, const char* wanted, const Value& got) {
  throw std::logic_error("column " + std::to_string(i) + ": expected " + wanted + ", got " +
                         type_name(got));
}

}  // namespace

bool Row::is_null(std::size_t i) const {
  return std::holds_alternative<std::nullptr_t>(values_.at(i));
}

std::int64_t Row::get_int(std::size_t i) const {
  const Value& v = values_.at(i);
  if (const auto* n = std::get_if<std::int64_t>(&v)) return *n;
  throw_type_mismatch(i, "integer", v);
}

double Row::get_double(std::size_t i) const {
  const Value& v = values_.at(i);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  // An integral value where a double is wanted (e.g. SUM over whole numbers) converts.
  if (const auto* n = std::get_if<std::int64_t>(&v)) return static_cast<double>(*n);
  throw_type_mismatch(i, "double", v);
}

const std::string& Row::get_text(std::size_t i) const {
  const Value& v = values_.at(i);
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  throw_type_mismatch(i, "text", v);
}

bool Row::get_bool(std::size_t i) const {
  return get_int(i) != 0;
}

std::optional<std::int64_t> Row::get_opt_int(std::size_t i) const {
  if (is_null(i)) return std::nullopt;
  return get_int(i);
}

std::optional<double> Row::get_opt_double(std::size_t i) const {
  if (is_null(i)) return std::nullopt;
  return get_double(i);
}

std::optional<std::string> Row::get_opt_text(std::size_t i) const {
  if (is_null(i)) return std::nullopt;
  return get_text(i);
}

const Row& Result::front() const& {
  if (rows_.empty()) throw std::logic_error("result has no rows");
  return rows_.front();
}

Row Result::front() && {
  if (rows_.empty()) throw std::logic_error("result has no rows");
  return std::move(rows_.front());
}

}  // namespace shop::storage
