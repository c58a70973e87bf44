#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "storage/value.hpp"

namespace shop::storage::postgres {

// A parameter in PostgreSQL's text format: int64 as decimal, double as the shortest text that
// reads back to the same value (Infinity, -Infinity, NaN included), NULL as nullopt.
std::optional<std::string> param_text(const Value& value);

// A result value in text format, typed by its column's type OID: int2/int4/int8 become int64,
// float4/float8 double, bool int64 0/1, numeric int64 when it is a whole number that fits and
// double otherwise (SUM over BIGINT is numeric in PostgreSQL, an integer in SQLite); every other
// type stays text. Throws std::runtime_error on text the type cannot have.
Value column_value(unsigned int type_oid, std::string_view text);

}  // namespace shop::storage::postgres
