#include "http/response_writer.hpp"

#include <gtest/gtest.h>

namespace shop::http {
namespace {

// The response without its Date line, which changes every second.
std::string without_date(std::string bytes) {
  auto at = bytes.find("Date: ");
  auto end = bytes.find("\r\n", at);
  bytes.erase(at, end + 2 - at);
  return bytes;
}

TEST(ResponseWriter, StatusLineHeadersLengthAndBody) {
  Response r = Response::json(201, R"({"a":1})");
  r.headers.add("X-Request-Id", "abc");
  std::string out = serialize(r, false, true, 11);
  EXPECT_TRUE(out.starts_with("HTTP/1.1 201 Created\r\nDate: ")) << out;
  EXPECT_EQ(without_date(out).find("\r\n\r\n{\"a\":1}"), without_date(out).size() - 11);
  EXPECT_NE(out.find("X-Request-Id: abc\r\n"), std::string::npos);
  EXPECT_NE(out.find("Content-Length: 7\r\n"), std::string::npos);
  EXPECT_EQ(out.find("Connection:"), std::string::npos);  // keep-alive is HTTP/1.1's default
}

TEST(ResponseWriter, ConnectionHeader_OnlyWhereTheVersionsDefaultDiffers) {
  Response r = Response::json(200, "{}");
  EXPECT_NE(serialize(r, false, false, 11).find("Connection: close\r\n"), std::string::npos);
  EXPECT_NE(serialize(r, false, true, 10).find("Connection: keep-alive\r\n"), std::string::npos);
  EXPECT_NE(serialize(r, false, false, 10).find("Connection: close\r\n"), std::string::npos);
}

TEST(ResponseWriter, HeadAnd304_HaveNoBody_204HasNoLength) {
  Response r = Response::json(200, R"({"a":1})");
  std::string head = serialize(r, true, true, 11);
  EXPECT_TRUE(head.ends_with("Content-Length: 7\r\n\r\n")) << head;
  Response not_modified = Response::json(304, "ignored");
  std::string out = serialize(not_modified, false, true, 11);
  EXPECT_TRUE(out.ends_with("\r\n\r\n")) << out;
  EXPECT_EQ(out.find("Content-Length"), std::string::npos);
  EXPECT_TRUE(
      serialize(Response::json(204, ""), false, true, 11).starts_with("HTTP/1.1 204 No Content"));
}

TEST(ResponseWriter, CrAndLfInAHeaderValue_CannotSplitTheResponse) {
  Response r = Response::json(200, "{}");
  r.headers.add("X-Echo", "a\r\nSet-Cookie: evil=1");
  std::string out = serialize(r, false, true, 11);
  EXPECT_NE(out.find("X-Echo: aSet-Cookie: evil=1\r\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("\r\nSet-Cookie"), std::string::npos);
}

TEST(ResponseWriter, ReasonPhrasesAndDate) {
  EXPECT_EQ(reason_phrase(404), "Not Found");
  EXPECT_EQ(reason_phrase(429), "Too Many Requests");
  EXPECT_EQ(reason_phrase(299), "Unknown");
  std::string_view date = http_date();
  ASSERT_EQ(date.size(), 29u) << date;  // "Sun, 06 Nov 1994 08:49:37 GMT"
  EXPECT_TRUE(date.ends_with(" GMT"));
  EXPECT_TRUE(has_body(200));
  EXPECT_FALSE(has_body(204));
  EXPECT_FALSE(has_body(304));
  EXPECT_FALSE(has_body(100));
}

}  // namespace
}  // namespace shop::http
