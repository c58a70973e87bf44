#include "storage/value.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace shop::storage {
namespace {

TEST(Value, CommonTypes_ConvertToTheRightAlternative) {
  EXPECT_TRUE(std::holds_alternative<std::int64_t>(Value(7)));
  EXPECT_TRUE(std::holds_alternative<std::int64_t>(Value(true)));
  EXPECT_TRUE(std::holds_alternative<double>(Value(1.5)));
  EXPECT_TRUE(std::holds_alternative<std::string>(Value("text")));
  EXPECT_TRUE(std::holds_alternative<std::nullptr_t>(Value(nullptr)));
  EXPECT_EQ(to_value(std::string_view("view")), Value(std::string("view")));
  EXPECT_EQ(to_value(std::optional<int>()), Value(nullptr));
  EXPECT_EQ(to_value(std::optional<int>(3)), Value(std::int64_t{3}));
  EXPECT_EQ(to_value(std::optional<std::string>("s")), Value(std::string("s")));
  EXPECT_EQ(to_value(std::optional<bool>(false)), Value(std::int64_t{0}));
}

TEST(Row, TypedGetters_ReturnValues) {
  const Row row({std::int64_t{42}, 2.5, std::string("hi"), nullptr, std::int64_t{1}});
  EXPECT_EQ(row.size(), 5u);
  EXPECT_EQ(row.get_int(0), 42);
  EXPECT_EQ(row.get_double(1), 2.5);
  EXPECT_EQ(row.get_double(0), 42.0);  // integers widen
  EXPECT_EQ(row.get_text(2), "hi");
  EXPECT_TRUE(row.is_null(3));
  EXPECT_FALSE(row.is_null(0));
  EXPECT_TRUE(row.get_bool(4));
  EXPECT_EQ(row.get_opt_int(3), std::nullopt);
  EXPECT_EQ(row.get_opt_int(0), 42);
  EXPECT_EQ(row.get_opt_double(3), std::nullopt);
  EXPECT_EQ(row.get_opt_text(2), "hi");
}

TEST(Row, WrongTypeOrNull_ThrowsLogicError) {
  const Row row({std::int64_t{42}, 2.5, std::string("hi"), nullptr});
  EXPECT_THROW(row.get_int(1), std::logic_error);
  EXPECT_THROW(row.get_int(2), std::logic_error);
  EXPECT_THROW(row.get_text(0), std::logic_error);
  EXPECT_THROW(row.get_int(3), std::logic_error);
  EXPECT_THROW(row.get_opt_text(0), std::logic_error);
  EXPECT_THROW(row.get_int(9), std::out_of_range);
}

TEST(Result, Empty_FrontThrows) {
  const Result result;
  EXPECT_TRUE(result.empty());
  EXPECT_EQ(result.affected_rows(), 0);
  EXPECT_THROW(result.front(), std::logic_error);
}

}  // namespace
}  // namespace shop::storage
