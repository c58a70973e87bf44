#include <gtest/gtest.h>

#include "cache/redis_client.hpp"

namespace shop::cache {
namespace {

TEST(RedisUrl, HostPortDatabaseAndCredentials) {
  RedisEndpoint e = parse_redis_url("redis://cache.internal");
  EXPECT_EQ(e.host, "cache.internal");
  EXPECT_EQ(e.port, 6379);
  EXPECT_EQ(e.db, 0);
  EXPECT_EQ(e.username, "");
  EXPECT_EQ(e.password, "");

  e = parse_redis_url("redis://:s%40cret@10.0.0.5:6380/3");
  EXPECT_EQ(e.host, "10.0.0.5");
  EXPECT_EQ(e.port, 6380);
  EXPECT_EQ(e.db, 3);
  EXPECT_EQ(e.username, "");
  EXPECT_EQ(e.password, "s@cret");

  e = parse_redis_url("redis://shop:pw@[::1]:7000/");
  EXPECT_EQ(e.host, "::1");
  EXPECT_EQ(e.port, 7000);
  EXPECT_EQ(e.username, "shop");
  EXPECT_EQ(e.password, "pw");

  e = parse_redis_url("redis://onlypassword@localhost");  // as redis-cli -u reads it
  EXPECT_EQ(e.username, "");
  EXPECT_EQ(e.password, "onlypassword");
}

TEST(RedisUrl, RefusesWhatItCannotServe_WithoutEchoingThePassword) {
  for (const char* bad :
       {"", "localhost:6379", "http://localhost", "rediss://localhost", "redis://", "redis://:pw@",
        "redis://h:0", "redis://h:65536", "redis://h:12ab", "redis://h/x", "redis://h/-1",
        "redis://h/1/2", "redis://h?db=2", "redis://h#x", "redis://h/99999"}) {
    try {
      parse_redis_url(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()).find("pw"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("REDIS_URL"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace shop::cache
