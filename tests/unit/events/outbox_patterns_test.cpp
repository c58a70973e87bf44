// Which event types a subscription takes: names, "area.*" wildcards and "*".
#include <gtest/gtest.h>

#include "events/outbox.hpp"

namespace shop::events {
namespace {

TEST(EventPatterns, NamesAndWildcardsOfKnownTypesAreValid_OthersAreNot) {
  for (auto t : event_types())
    EXPECT_TRUE(valid_pattern(t)) << t;
  EXPECT_TRUE(valid_pattern("*"));
  EXPECT_TRUE(valid_pattern("order.*"));
  EXPECT_TRUE(valid_pattern("product.*"));
  EXPECT_TRUE(valid_pattern("user.*"));
  for (auto bad : {"", "order", "order.", "order.shipped", "orders.*", "*.placed", "order.**",
                   "ORDER.PLACED", " order.placed", "order.*,product.*", ".*"})
    EXPECT_FALSE(valid_pattern(bad)) << bad;
}

TEST(EventPatterns, ASubscriptionTakesItsNames_ItsWildcards_AndEverythingForStar) {
  EXPECT_TRUE(subscribes(",order.placed,", "order.placed"));
  EXPECT_FALSE(subscribes(",order.placed,", "order.paid"));
  EXPECT_TRUE(subscribes(",product.created,order.*,", "order.cancelled"));
  EXPECT_FALSE(subscribes(",order.*,", "product.created"));
  EXPECT_TRUE(subscribes(",*,", "user.registered"));
  // Framed by commas: a name is never taken for the start or end of another.
  EXPECT_FALSE(subscribes(",order.paid,", "order.pai"));
  EXPECT_FALSE(subscribes(",product.back_in_stock,", "product.out_of_stock"));
  EXPECT_FALSE(subscribes(",,", "order.placed"));
}

}  // namespace
}  // namespace shop::events
