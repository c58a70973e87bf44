#include "http/cookies.hpp"

#include <gtest/gtest.h>

namespace shop::http {
namespace {

Headers with_cookie(std::string value) {
  Headers h;
  h.add("Cookie", std::move(value));
  return h;
}

TEST(Cookies, FindsTheNamedValue) {
  EXPECT_EQ(cookie_value(with_cookie("a=1; refreshToken=abc; b=2"), "refreshToken"), "abc");
  EXPECT_EQ(cookie_value(with_cookie("refreshToken=\"q\""), "refreshToken"), "q");
  EXPECT_EQ(cookie_value(with_cookie("refreshToken="), "refreshToken"), "");
  EXPECT_FALSE(cookie_value(with_cookie("xrefreshToken=1; refreshTokenx=2"), "refreshToken"));
  EXPECT_FALSE(cookie_value(Headers{}, "refreshToken"));
}

TEST(Cookies, SkipsMalformedPairsAndReadsEveryCookieHeader) {
  Headers h;
  h.add("Cookie", ";;garbage; =x");
  h.add("cookie", "refreshToken=second");
  EXPECT_EQ(cookie_value(h, "refreshToken"), "second");
}

}  // namespace
}  // namespace shop::http
