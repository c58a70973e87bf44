#include "core/json_writer.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace shop {
namespace {

TEST(JsonWriter, WritesNestedDocuments) {
  JsonWriter w;
  w.begin_object().key("a").number(1).key("b").begin_array();
  w.string("x").raw_number("19.99").null().boolean(true).begin_object().end_object();
  w.end_array().key("c").string("q\"\\\n\x01").end_object();
  EXPECT_EQ(w.str(), R"({"a":1,"b":["x",19.99,null,true,{}],"c":"q\"\\\n\u0001"})");
  auto v = boost::json::parse(w.str());
  EXPECT_EQ(v.at("c").as_string(), "q\"\\\n\x01");
}

TEST(JsonWriter, EmptyContainers) {
  JsonWriter w;
  w.begin_object().key("p").begin_array().end_array().end_object();
  EXPECT_EQ(w.take(), R"({"p":[]})");
}

TEST(Utf8, AcceptsWellFormedAndRefusesTheRest) {
  EXPECT_TRUE(valid_utf8("plain"));
  EXPECT_TRUE(valid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_FALSE(valid_utf8("\xff"));
  EXPECT_FALSE(valid_utf8("\xC3"));              // truncated
  EXPECT_FALSE(valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(valid_utf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
}

}  // namespace
}  // namespace shop
