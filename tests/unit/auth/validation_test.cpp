#include "auth/validation.hpp"

#include <gtest/gtest.h>

#include "core/text.hpp"

namespace shop::auth {
namespace {

TEST(Validation, EmailsAreTrimmedAndLowerCased) {
  EXPECT_EQ(normalize_email("  Ada@Example.COM\t"), "ada@example.com");
}

TEST(Validation, EmailShape) {
  for (const char* ok : {"a@b.co", "first.last+tag@sub.example.org", "x_y@d-n.io", "ü@bücher.de"})
    EXPECT_EQ(email_problem(ok), "") << ok;
  for (const char* bad :
       {"", "plain", "@example.com", "a@", "a@b", "a@@b.com", "a b@c.com", "a@b..com", "a@.b.com",
        "a@b.com.", "a@b_c.com", "<a>@b.com", "a@b.com\n"})
    EXPECT_NE(email_problem(bad), "") << bad;
  EXPECT_NE(email_problem(std::string(250, 'a') + "@b.co"), "");
}

TEST(Validation, NameLengthIn1To100Characters) {
  EXPECT_NE(name_problem(""), "");
  EXPECT_EQ(name_problem("A"), "");
  EXPECT_EQ(name_problem(std::string(100, 'n')), "");
  EXPECT_NE(name_problem(std::string(101, 'n')), "");
  std::string hundred_umlauts;
  for (int i = 0; i < 100; ++i)
    hundred_umlauts += "ü";  // 200 bytes, 100 characters
  EXPECT_EQ(name_problem(hundred_umlauts), "");
  EXPECT_NE(name_problem("tab\there"), "");
}

TEST(Validation, PasswordLengthIn8To128CharactersNotBytes) {
  EXPECT_NE(password_problem("1234567"), "");
  EXPECT_EQ(password_problem("12345678"), "");
  EXPECT_EQ(password_problem(std::string(128, 'p')), "");
  EXPECT_NE(password_problem(std::string(129, 'p')), "");
  std::string emoji;
  for (int i = 0; i < 8; ++i)
    emoji += "🔑";  // 32 bytes, 8 characters
  EXPECT_EQ(password_problem(emoji), "");
  EXPECT_EQ(utf8_length(emoji), 8u);
}

TEST(Validation, ThrowIfInvalidCarriesEveryField) {
  EXPECT_NO_THROW(throw_if_invalid({}));
  try {
    throw_if_invalid({{"name", "is required"}, {"email", "is required"}});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_input);
    EXPECT_EQ(e.fields().size(), 2u);
  }
}

}  // namespace
}  // namespace shop::auth
