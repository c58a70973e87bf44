#include "http/body.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace shop::http {
namespace {

TEST(MediaType, LowercasesAndDropsParameters) {
  EXPECT_EQ(media_type("Application/JSON; charset=utf-8"), "application/json");
  EXPECT_EQ(media_type("  text/plain  "), "text/plain");
  EXPECT_EQ(media_type("multipart/form-data; boundary=x"), "multipart/form-data");
  EXPECT_EQ(media_type(""), "");
}

TEST(JsonBody, ObjectParses) {
  auto o = parse_json_body(R"({"a":1,"b":"x"})").object;
  EXPECT_EQ(o.at("a").as_int64(), 1);
  EXPECT_EQ(o.at("b").as_string(), "x");
}

TEST(JsonBody, NonObjectsAndMalformedAreInvalidInput) {
  for (const char* bad : {"[]", "1", "\"s\"", "null", "{", "{\"a\":}", "", "{\"a\":1}x"}) {
    try {
      parse_json_body(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_input) << bad;
    }
  }
}

TEST(JsonBody, KeepsTheTextOfTopLevelNumbers) {
  auto b = parse_json_body(R"({"price": 19.99, "n": {"x": 1.5}, "stock": 7, "big": 1e309,)"
                           R"( "long": 0.1000000000000000000001})");
  std::vector<std::pair<std::string, std::string>> expected = {
      {"price", "19.99"}, {"stock", "7"}, {"big", "1e309"}, {"long", "0.1000000000000000000001"}};
  EXPECT_EQ(b.numbers, expected);  // nested numbers are not top-level members
  EXPECT_TRUE(b.object.at("n").is_object());
}

TEST(JsonBody, NumbersSplitAcrossEscapedKeysKeepTheirKey) {
  auto b = parse_json_body(R"({"pr\u0069ce": 12.5})");
  ASSERT_EQ(b.numbers.size(), 1u);
  EXPECT_EQ(b.numbers[0].first, "price");
  EXPECT_EQ(b.numbers[0].second, "12.5");
}

TEST(JsonBody, ATopLevelMemberNamedTwiceIsRefused) {
  EXPECT_THROW(parse_json_body(R"({"price": 1, "price": 2})"), Error);
  EXPECT_NO_THROW(parse_json_body(R"({"a": {"x": 1}, "b": {"x": 2}})"));
}

TEST(JsonBody, InvalidUtf8IsRefused) {
  EXPECT_THROW(parse_json_body("{\"a\":\"\xff\"}"), Error);
}

TEST(JsonBody, NestingIsBounded) {
  std::string deep = "{\"a\":" + std::string(64, '[') + std::string(64, ']') + "}";
  EXPECT_THROW(parse_json_body(deep), Error);
}

TEST(Urlencoded, DecodesPairsInOrder) {
  auto pairs = parse_urlencoded("a=1&b=x+y&c=%C3%A9&&d&e=");
  ASSERT_EQ(pairs.size(), 5u);
  EXPECT_EQ(pairs[1].second, "x y");
  EXPECT_EQ(pairs[2].second, "\xC3\xA9");
  EXPECT_EQ(pairs[3].first, "d");
  EXPECT_EQ(pairs[3].second, "");
  EXPECT_EQ(pairs[4].second, "");
}

TEST(Urlencoded, MalformedEscapeOrNulIsInvalidInput) {
  EXPECT_THROW(parse_urlencoded("a=%zz"), Error);
  EXPECT_THROW(parse_urlencoded("a=%00"), Error);
  EXPECT_THROW(parse_urlencoded("%=1"), Error);
}

TEST(QueryInteger, AcceptsOnlyWholeNumbers) {
  EXPECT_EQ(parse_query_integer("42"), 42);
  EXPECT_EQ(parse_query_integer("-1"), -1);
  EXPECT_EQ(parse_query_integer("999999999999999999"), 999999999999999999);
  for (const char* bad : {"", "-", "1.5", "1e3", " 2", "2 ", "abc", "0x10", "--1", "1-",
                          "9999999999999999999", "99999999999999999999"})
    EXPECT_FALSE(parse_query_integer(bad).has_value()) << bad;
}

TEST(Urlencoded, RepeatedNamesBecomeArrays) {
  auto o = urlencoded_to_object("tag=a&name=n&tag=b&tag=c");
  EXPECT_EQ(o.at("name").as_string(), "n");
  ASSERT_TRUE(o.at("tag").is_array());
  EXPECT_EQ(o.at("tag").as_array().size(), 3u);
  EXPECT_EQ(o.at("tag").as_array()[2].as_string(), "c");
}

}  // namespace
}  // namespace shop::http
