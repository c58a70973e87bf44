#include "storage/postgres/postgres_values.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>

namespace shop::storage::postgres {
namespace {

// Built-in type OIDs (pg_type.dat); they never change.
constexpr unsigned int kBool = 16;
constexpr unsigned int kInt8 = 20;
constexpr unsigned int kInt2 = 21;
constexpr unsigned int kInt4 = 23;
constexpr unsigned int kFloat4 = 700;
constexpr unsigned int kFloat8 = 701;
constexpr unsigned int kNumeric = 1700;

[[noreturn]] void throw_bad_text(std::string_view type, std::string_view text) {
  throw std::runtime_error(
      fmt::format("postgres: cannot read {} value \"{}\"", type, text.substr(0, 40)));
}

std::int64_t parse_int(std::string_view text) {
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size()) throw_bad_text("integer", text);
  return n;
}

double parse_double(std::string_view text) {
  if (text == "Infinity") return std::numeric_limits<double>::infinity();
  if (text == "-Infinity") return -std::numeric_limits<double>::infinity();
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  double d = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (ec != std::errc() || end != text.data() + text.size()) throw_bad_text("floating-point", text);
  return d;
}

Value numeric_value(std::string_view text) {
  const bool whole = text.find_first_of(".eEN") == std::string_view::npos;  // N: NaN
  if (whole) {
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec == std::errc() && end == text.data() + text.size()) return n;
  }
  return parse_double(text);
}

}  // namespace

std::optional<std::string> param_text(const Value& value) {
  if (std::holds_alternative<std::nullptr_t>(value)) return std::nullopt;
  if (const auto* n = std::get_if<std::int64_t>(&value)) return fmt::format("{}", *n);
  if (const auto* d = std::get_if<double>(&value)) {
    if (std::isnan(*d)) return std::string("NaN");
    if (std::isinf(*d)) return std::string(*d > 0 ? "Infinity" : "-Infinity");
    return fmt::format("{}", *d);  // shortest round-trip form
  }
  return std::get<std::string>(value);
}

Value column_value(unsigned int type_oid, std::string_view text) {
  switch (type_oid) {
    case kInt2:
    case kInt4:
    case kInt8:
      return parse_int(text);
    case kFloat4:
    case kFloat8:
      return parse_double(text);
    case kBool:
      return std::int64_t{text == "t" ? 1 : 0};
    case kNumeric:
      return numeric_value(text);
    default:
      return std::string(text);
  }
}

}  // namespace shop::storage::postgres
