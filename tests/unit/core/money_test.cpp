#include "core/money.hpp"

#include <gtest/gtest.h>

namespace shop {
namespace {

Cents parsed(std::string_view text) {
  Cents c = -1;
  EXPECT_EQ(parse_money(text, c), MoneyParse::ok) << text;
  return c;
}

MoneyParse outcome(std::string_view text) {
  Cents c = -1;
  return parse_money(text, c);
}

TEST(Money, ParsesDecimalsExactly) {
  EXPECT_EQ(parsed("19.99"), 1999);
  EXPECT_EQ(parsed("0.1"), 10);
  EXPECT_EQ(parsed("0.30"), 30);
  EXPECT_EQ(parsed("0"), 0);
  EXPECT_EQ(parsed("-0"), 0);
  EXPECT_EQ(parsed("20"), 2000);
  EXPECT_EQ(parsed("19.990"), 1999);  // the value has two decimals
  EXPECT_EQ(parsed("1999e-2"), 1999);
  EXPECT_EQ(parsed("1.5E1"), 1500);
  EXPECT_EQ(parsed("99999999.99"), kMaxMoney);
  EXPECT_EQ(parsed("0.07"), 7);  // a double would make this 0.07000000000000000666
}

TEST(Money, RefusesWhatIsNotAnExactAmount) {
  EXPECT_EQ(outcome("19.999"), MoneyParse::too_precise);
  EXPECT_EQ(outcome("0.001"), MoneyParse::too_precise);
  EXPECT_EQ(outcome("19.9900000000000000001"), MoneyParse::too_precise);
  EXPECT_EQ(outcome("1e-5"), MoneyParse::too_precise);
  EXPECT_EQ(outcome("-1"), MoneyParse::negative);
  EXPECT_EQ(outcome("-0.01"), MoneyParse::negative);
  EXPECT_EQ(outcome("100000000"), MoneyParse::too_large);
  EXPECT_EQ(outcome("1e309"), MoneyParse::too_large);
  EXPECT_EQ(outcome("1e999999999999"), MoneyParse::too_large);
  for (const char* bad : {"", "abc", "1.", ".5", "01", "1,5", " 1", "1 ", "+1", "0x10", "1e", "1e+",
                          "NaN", "Infinity", "--1", "1.2.3"})
    EXPECT_EQ(outcome(bad), MoneyParse::not_a_number) << bad;
}

TEST(Money, FormatsAsJavaScriptPrintsTheNumber) {
  EXPECT_EQ(format_money(1999), "19.99");
  EXPECT_EQ(format_money(1990), "19.9");
  EXPECT_EQ(format_money(2000), "20");
  EXPECT_EQ(format_money(30), "0.3");
  EXPECT_EQ(format_money(7), "0.07");
  EXPECT_EQ(format_money(0), "0");
  EXPECT_EQ(format_money(kMaxMoney), "99999999.99");
  EXPECT_EQ(format_money(-150), "-1.5");
}

TEST(Money, FormatAndParseRoundTrip) {
  for (Cents c : {Cents{0}, Cents{1}, Cents{10}, Cents{99}, Cents{100}, Cents{12345}, kMaxMoney})
    EXPECT_EQ(parsed(format_money(c)), c);
}

}  // namespace
}  // namespace shop
