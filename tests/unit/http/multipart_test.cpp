#include "http/multipart.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace shop::http {
namespace {

constexpr std::string_view kType = "multipart/form-data; boundary=XyZ";

std::string part(std::string_view disposition, std::string_view data,
                 std::string_view extra_headers = "") {
  return "--XyZ\r\nContent-Disposition: " + std::string(disposition) + "\r\n" +
         std::string(extra_headers) + "\r\n" + std::string(data) + "\r\n";
}

std::string body(std::initializer_list<std::string> parts) {
  std::string b;
  for (const auto& p : parts)
    b += p;
  return b + "--XyZ--\r\n";
}

ErrorCode error_of(std::string_view content_type, const std::string& b,
                   const MultipartLimits& limits = {}) {
  try {
    parse_multipart(content_type, b, limits);
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "accepted:\n" << b;
  return ErrorCode::not_found;
}

TEST(Multipart, Boundary) {
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(multipart_boundary("Multipart/Form-Data; charset=x; BOUNDARY=\"a b:c\""), "a b:c");
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxk"),
            "----WebKitFormBoundary7MA4YWxk");
  EXPECT_FALSE(multipart_boundary("multipart/form-data"));
  EXPECT_FALSE(multipart_boundary("multipart/form-data; boundary="));
  EXPECT_FALSE(multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'a')));
  EXPECT_FALSE(multipart_boundary("multipart/form-data; boundary=\"ends in space \""));
  EXPECT_FALSE(multipart_boundary("multipart/form-data; boundary=bad\x01"));
  EXPECT_FALSE(multipart_boundary("multipart/mixed; boundary=abc"));
  EXPECT_FALSE(multipart_boundary("multipart/form-data; boundary=\"unterminated"));
  EXPECT_FALSE(multipart_boundary("multipart/form-data; boundary=\"a;b\""));  // not a bchar
}

TEST(Multipart, FieldsAndFileParse) {
  std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + "--XyZ inside data is fine";
  // The parts point into the body, so it must outlive them.
  const std::string b =
      body({part("form-data; name=\"name\"", "Blue Mug"), part("form-data; name=\"price\"", "9.99"),
            part("form-data; name=\"image\"; filename=\"../../etc/mug.png\"", png,
                 "Content-Type: Image/PNG\r\n")});
  auto parts = parse_multipart(kType, b);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].name, "name");
  EXPECT_EQ(parts[0].data, "Blue Mug");
  EXPECT_FALSE(parts[0].filename);
  EXPECT_EQ(parts[0].content_type, "text/plain");
  EXPECT_EQ(parts[2].filename, "../../etc/mug.png");  // kept as text only, never a path
  EXPECT_EQ(parts[2].content_type, "image/png");
  EXPECT_EQ(parts[2].data, png);
}

TEST(Multipart, EmptyValuesAndNoTrailingCrlf) {
  std::string b = part("form-data; name=\"a\"", "") + "--XyZ--";
  auto parts = parse_multipart(kType, b);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].data, "");
  EXPECT_TRUE(parse_multipart(kType, "--XyZ--").empty());
}

TEST(Multipart, MalformedBodiesAre400) {
  std::string ok_part = part("form-data; name=\"a\"", "1");
  for (const std::string& bad : {
           std::string(""),
           std::string("garbage"),
           "preamble\r\n" + body({ok_part}),              // not starting with it
           ok_part,                                       // never closed
           ok_part + "--XyZ--extra",                      // data after the end
           ok_part + "--XyZ--\r\nmore",                   // epilogue
           std::string("--XyZ\r\n\r\nvalue\r\n--XyZ--"),  // no headers
           std::string("--XyZ\r\nContent-Type: text/plain\r\n\r\nv\r\n--XyZ--"),  // no name
           body({part("attachment; name=\"a\"", "1")}),                           // not form-data
           body({part("form-data", "1")}),             // no name parameter
           body({part("form-data; name=\"\"", "1")}),  // empty name
           body({part("form-data; name=\"a", "1")}),   // unterminated quote
           body({ok_part, ok_part}),                   // duplicate name
           std::string("--XyZ\r\nContent-Disposition form-data; name=a\r\n\r\n1\r\n--XyZ--"),
           std::string("--XyZ\r\nContent-Disposition : form-data; name=a\r\n\r\n1\r\n--XyZ--"),
           std::string("--XyZ\r\nContent-Disposition: form-data; name=a\r\n"
                       " folded\r\n\r\n1\r\n--XyZ--"),
           std::string("--XyZ\r\nContent-Disposition: form-data; name=a\r\n"
                       "Content-Disposition: form-data; name=b\r\n\r\n1\r\n--XyZ--"),
           std::string("--XyZ\r\nContent-Disposition: form-data; name=a\r\n1\r\n--XyZ--"),
           std::string("--XyZ") + "junk" + ok_part.substr(5) + "--XyZ--",
       })
    EXPECT_EQ(error_of(kType, bad), ErrorCode::invalid_input) << bad;
  EXPECT_EQ(error_of("multipart/form-data", body({ok_part})), ErrorCode::invalid_input);
  EXPECT_EQ(error_of("application/json", body({ok_part})), ErrorCode::invalid_input);
}

TEST(Multipart, LimitsAreEnforced) {
  MultipartLimits small;
  small.max_parts = 2;
  small.max_field_bytes = 4;
  small.max_file_bytes = 8;
  small.max_part_header_bytes = 80;
  EXPECT_EQ(error_of(kType,
                     body({part("form-data; name=\"a\"", "1"), part("form-data; name=\"b\"", "2"),
                           part("form-data; name=\"c\"", "3")}),
                     small),
            ErrorCode::invalid_input);
  EXPECT_EQ(error_of(kType, body({part("form-data; name=\"a\"", "12345")}), small),
            ErrorCode::payload_too_large);
  EXPECT_EQ(
      error_of(kType, body({part("form-data; name=\"f\"; filename=\"x\"", "123456789")}), small),
      ErrorCode::payload_too_large);
  EXPECT_EQ(error_of(kType,
                     body({part("form-data; name=\"a\"", "1",
                                "X-Padding: " + std::string(100, 'p') + "\r\n")}),
                     small),
            ErrorCode::invalid_input);
  EXPECT_NO_THROW(parse_multipart(
      kType, body({part("form-data; name=\"f\"; filename=\"x\"", "12345678")}), small));
}

TEST(MultipartForm, OnlyTheExpectedFieldsAndFiles) {
  const std::string b = body({part("form-data; name=\"name\"", "Mug"),
                              part("form-data; name=\"image\"; filename=\"a.png\"", "img")});
  auto parts = [&b] { return parse_multipart(kType, b); };  // views into b, which outlives them
  MultipartForm form(parts(), {"name", "price"}, {"image"});
  EXPECT_EQ(form.field("name"), "Mug");
  EXPECT_FALSE(form.field("price"));
  ASSERT_NE(form.file("image"), nullptr);
  EXPECT_EQ(form.file("image")->data, "img");
  EXPECT_EQ(form.file("name"), nullptr);
  EXPECT_THROW(MultipartForm(parts(), {"name"}, {}), Error);           // unexpected file
  EXPECT_THROW(MultipartForm(parts(), {}, {"image"}), Error);          // unexpected field
  EXPECT_THROW(MultipartForm(parts(), {"name", "image"}, {}), Error);  // a file where a field is
}

}  // namespace
}  // namespace shop::http
