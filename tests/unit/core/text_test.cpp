#include "core/text.hpp"

#include <gtest/gtest.h>

namespace shop {
namespace {

TEST(FoldCase, LowersAsciiAndUnicode) {
  EXPECT_EQ(fold_case("Blue T-SHIRT"), "blue t-shirt");
  EXPECT_EQ(fold_case("\xC3\x89"
                      "COLE"),
            "\xC3\xA9"
            "cole");                                             // ÉCOLE → école
  EXPECT_EQ(fold_case("\xD0\x96\xD0\x90"), "\xD0\xB6\xD0\xB0");  // ЖА → жа
  EXPECT_EQ(fold_case("\xCE\xA3\xCE\x91"), "\xCF\x83\xCE\xB1");  // ΣΑ → σα
  EXPECT_EQ(fold_case("\xE6\x97\xA5\xE6\x9C\xAC"), "\xE6\x97\xA5\xE6\x9C\xAC");  // 日本 unchanged
  EXPECT_EQ(fold_case("%_\\.*'\""), "%_\\.*'\"");
}

TEST(FoldCase, KeepsInvalidBytes) {
  EXPECT_EQ(fold_case("A\xFF"
                      "B"),
            "a\xFF"
            "b");
  EXPECT_EQ(fold_case("\xC3"), "\xC3");
}

TEST(Utf8Length, CountsCodePoints) {
  EXPECT_EQ(utf8_length(""), 0u);
  EXPECT_EQ(utf8_length("abc"), 3u);
  EXPECT_EQ(utf8_length("\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80"), 3u);
}

}  // namespace
}  // namespace shop
