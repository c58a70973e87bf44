#include "orders/order_status.hpp"

#include <gtest/gtest.h>

namespace shop::orders {
namespace {

using enum OrderStatus;
constexpr OrderStatus kAll[] = {placed, paid, shipped, delivered, cancelled};

TEST(OrderStatus, EveryStatus_RoundTripsThroughItsName) {
  for (OrderStatus s : kAll)
    EXPECT_EQ(parse_order_status(to_string(s)), s) << to_string(s);
  EXPECT_EQ(to_string(placed), "placed");
  EXPECT_EQ(to_string(cancelled), "cancelled");
}

TEST(OrderStatus, OtherNames_AreNotStatuses) {
  for (const char* name : {"", "Placed", "PAID", "canceled", "refunded", " placed", "placed "})
    EXPECT_EQ(parse_order_status(name), std::nullopt) << '"' << name << '"';
}

TEST(OrderStatus, Moves_OnlyForwardAlongTheLifecycle_CancelBeforeShipping) {
  int allowed = 0;
  for (OrderStatus from : kAll)
    for (OrderStatus to : kAll)
      allowed += status_move_allowed(from, to) ? 1 : 0;
  EXPECT_EQ(allowed, 5);
  EXPECT_TRUE(status_move_allowed(placed, paid));
  EXPECT_TRUE(status_move_allowed(placed, cancelled));
  EXPECT_TRUE(status_move_allowed(paid, shipped));
  EXPECT_TRUE(status_move_allowed(paid, cancelled));
  EXPECT_TRUE(status_move_allowed(shipped, delivered));
  EXPECT_FALSE(status_move_allowed(shipped, cancelled));
  EXPECT_FALSE(status_move_allowed(delivered, placed));
  EXPECT_FALSE(status_move_allowed(cancelled, placed));
  EXPECT_FALSE(status_move_allowed(placed, placed));
}

}  // namespace
}  // namespace shop::orders
