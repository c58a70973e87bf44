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
  auto o = parse_json_body(R"({"a":1,"b":"x"})");
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

TEST(Urlencoded, RepeatedNamesBecomeArrays) {
  auto o = urlencoded_to_object("tag=a&name=n&tag=b&tag=c");
  EXPECT_EQ(o.at("name").as_string(), "n");
  ASSERT_TRUE(o.at("tag").is_array());
  EXPECT_EQ(o.at("tag").as_array().size(), 3u);
  EXPECT_EQ(o.at("tag").as_array()[2].as_string(), "c");
}

}  // namespace
}  // namespace shop::http
