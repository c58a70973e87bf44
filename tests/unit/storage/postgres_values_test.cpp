#include "storage/postgres/postgres_values.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>

namespace shop::storage::postgres {
namespace {

constexpr unsigned int kBool = 16, kInt8 = 20, kInt2 = 21, kInt4 = 23, kText = 25, kFloat4 = 700,
                       kFloat8 = 701, kNumeric = 1700, kTimestamptz = 1184;

TEST(PostgresValues, ParamText_EveryValueType) {
  EXPECT_EQ(param_text(nullptr), std::nullopt);
  EXPECT_EQ(param_text(std::numeric_limits<std::int64_t>::min()), "-9223372036854775808");
  EXPECT_EQ(param_text("Grüße"), "Grüße");
  EXPECT_EQ(param_text(std::numeric_limits<double>::infinity()), "Infinity");
  EXPECT_EQ(param_text(-std::numeric_limits<double>::infinity()), "-Infinity");
  EXPECT_EQ(param_text(std::nan("")), "NaN");
}

TEST(PostgresValues, ParamText_DoublesReadBackExactly) {
  for (double d : {0.1, -0.25, 1e300, 3.0, 5e-324, 123456789.123456789}) {
    const auto text = param_text(d);
    ASSERT_TRUE(text.has_value());
    EXPECT_EQ(std::get<double>(column_value(kFloat8, *text)), d) << *text;
  }
}

TEST(PostgresValues, ColumnValue_MapsByType) {
  EXPECT_EQ(column_value(kInt2, "-7"), Value(std::int64_t{-7}));
  EXPECT_EQ(column_value(kInt4, "42"), Value(std::int64_t{42}));
  EXPECT_EQ(column_value(kInt8, "9223372036854775807"),
            Value(std::numeric_limits<std::int64_t>::max()));
  EXPECT_EQ(column_value(kBool, "t"), Value(std::int64_t{1}));
  EXPECT_EQ(column_value(kBool, "f"), Value(std::int64_t{0}));
  EXPECT_EQ(column_value(kFloat4, "0.5"), Value(0.5));
  EXPECT_EQ(column_value(kFloat8, "-Infinity"), Value(-std::numeric_limits<double>::infinity()));
  EXPECT_TRUE(std::isnan(std::get<double>(column_value(kFloat8, "NaN"))));
  EXPECT_EQ(column_value(kText, "hello"), Value(std::string("hello")));
  EXPECT_EQ(column_value(kTimestamptz, "2026-11-24 19:47:58.123+00"),
            Value(std::string("2026-11-24 19:47:58.123+00")));
}

TEST(PostgresValues, ColumnValue_NumericWholeNumbersAreIntegers) {
  EXPECT_EQ(column_value(kNumeric, "2000"), Value(std::int64_t{2000}));
  EXPECT_EQ(column_value(kNumeric, "-5"), Value(std::int64_t{-5}));
  EXPECT_EQ(column_value(kNumeric, "19.99"), Value(19.99));
  EXPECT_EQ(column_value(kNumeric, "1000.00"), Value(1000.0));
  EXPECT_EQ(column_value(kNumeric, "99999999999999999999"), Value(1e20));  // too big for int64
  EXPECT_TRUE(std::isnan(std::get<double>(column_value(kNumeric, "NaN"))));
}

TEST(PostgresValues, ColumnValue_MalformedNumber_Throws) {
  EXPECT_THROW(column_value(kInt8, "12x"), std::runtime_error);
  EXPECT_THROW(column_value(kFloat8, ""), std::runtime_error);
}

}  // namespace
}  // namespace shop::storage::postgres
