#include "core/time.hpp"

#include <gtest/gtest.h>

namespace shop {
namespace {

TEST(Time, Iso8601WithMilliseconds) {
  EXPECT_EQ(iso8601_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso8601_ms(1795549678123), "2026-11-24T19:47:58.123Z");
  EXPECT_EQ(iso8601_ms(951782400000), "2000-02-29T00:00:00.000Z");
}

TEST(Time, EpochMs) {
  EXPECT_EQ(epoch_ms(std::chrono::system_clock::time_point(std::chrono::seconds(2))), 2000);
}

}  // namespace
}  // namespace shop
