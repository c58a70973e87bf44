#include <gtest/gtest.h>

#include "store_fixture.hpp"

namespace shop::storage::store_test {

// Every TEST_P(StoreTest, ...) runs once per backend listed here.
INSTANTIATE_TEST_SUITE_P(Sqlite, StoreTest, ::testing::Values("Sqlite"),
                         [](const auto& info) { return info.param; });
INSTANTIATE_TEST_SUITE_P(Postgres, StoreTest, ::testing::Values("Postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace shop::storage::store_test
