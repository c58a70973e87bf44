#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace shop {

// Money is integer minor units (cents) everywhere inside shopd; only the edges see decimals.
using Cents = std::int64_t;

// The contract's ceiling: 99,999,999.99.
inline constexpr Cents kMaxMoney = 9'999'999'999;

enum class MoneyParse : std::uint8_t { ok, not_a_number, negative, too_precise, too_large };

// Parses a decimal exactly, never through a double: JSON number syntax ("19.99", "0.3", "1e2",
// "1999e-2"), at most two decimals after applying the exponent, 0..kMaxMoney. `out` is set on ok.
MoneyParse parse_money(std::string_view text, Cents& out);

// The message for a failed parse, as a field error ("must be a number >= 0 ...").
std::string_view money_error(MoneyParse result);

// 1999 → "19.99", 1990 → "19.9", 2000 → "20", 30 → "0.3": a JSON number as JavaScript prints it.
std::string format_money(Cents cents);

}  // namespace shop
