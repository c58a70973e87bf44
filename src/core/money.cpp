#include "core/money.hpp"

#include <fmt/format.h>

namespace shop {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

MoneyParse parse_money(std::string_view s, Cents& out) {
  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  std::size_t i = 0;
  bool negative = i < s.size() && s[i] == '-';
  if (negative) ++i;
  std::string digits;   // every mantissa digit, integer part then fraction
  long long point = 0;  // digits before the decimal point
  std::size_t int_start = i;
  while (i < s.size() && is_digit(s[i]))
    digits += s[i++];
  std::size_t int_len = i - int_start;
  if (int_len == 0 || (int_len > 1 && s[int_start] == '0')) return MoneyParse::not_a_number;
  point = static_cast<long long>(int_len);
  if (i < s.size() && s[i] == '.') {
    ++i;
    std::size_t frac_start = i;
    while (i < s.size() && is_digit(s[i]))
      digits += s[i++];
    if (i == frac_start) return MoneyParse::not_a_number;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) exp_negative = s[i++] == '-';
    std::size_t exp_start = i;
    long long exponent = 0;
    while (i < s.size() && is_digit(s[i])) {
      // Exponents beyond any sensible size are clamped; the digit checks below still decide.
      if (exponent < 1'000'000) exponent = exponent * 10 + (s[i] - '0');
      ++i;
    }
    if (i == exp_start) return MoneyParse::not_a_number;
    point += exp_negative ? -exponent : exponent;
  }
  if (i != s.size()) return MoneyParse::not_a_number;

  // The value is 0.<digits> × 10^point. Drop leading and trailing zeros to see its real size.
  std::size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) {
    out = 0;
    return MoneyParse::ok;  // zero, "-0" included
  }
  point -= static_cast<long long>(first);
  digits.erase(0, first);
  digits.erase(digits.find_last_not_of('0') + 1);
  if (negative) return MoneyParse::negative;
  long long decimals = static_cast<long long>(digits.size()) - point;  // digits after the point
  if (decimals > 2) return MoneyParse::too_precise;
  if (point > 8) return MoneyParse::too_large;  // 10^8 or more
  // Now at most 10 significant digits: cents = digits × 10^(2 - decimals).
  Cents cents = 0;
  for (char c : digits)
    cents = cents * 10 + (c - '0');
  for (long long k = decimals; k < 2; ++k)
    cents *= 10;
  if (cents > kMaxMoney) return MoneyParse::too_large;
  out = cents;
  return MoneyParse::ok;
}

std::string_view money_error(MoneyParse result) {
  switch (result) {
    case MoneyParse::ok:
      return "";
    case MoneyParse::not_a_number:
      return "must be a number >= 0";
    case MoneyParse::negative:
      return "must be a number >= 0";
    case MoneyParse::too_precise:
      return "must have at most two decimals";
    case MoneyParse::too_large:
      return "must be at most 99999999.99";
  }
  return "must be a number >= 0";
}

std::string format_money(Cents cents) {
  bool negative = cents < 0;
  std::uint64_t v =
      negative ? 0 - static_cast<std::uint64_t>(cents) : static_cast<std::uint64_t>(cents);
  std::uint64_t whole = v / 100;
  std::uint64_t frac = v % 100;
  const char* sign = negative ? "-" : "";
  if (frac == 0) return fmt::format("{}{}", sign, whole);
  if (frac % 10 == 0) return fmt::format("{}{}.{}", sign, whole, frac / 10);
  return fmt::format("{}{}.{:02}", sign, whole, frac);
}

}  // namespace shop
