#include "app/config.hpp"

#include <gtest/gtest.h>

namespace shop::app {
namespace {

Config load(std::map<std::string, std::string> values) {
  return load_config(Environment(values));
}

std::string error_of(std::map<std::string, std::string> values) {
  try {
    load(std::move(values));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Config, DefaultsMatchTheContract) {
  Config c = load({});
  EXPECT_EQ(c.port, 8080);
  EXPECT_EQ(c.host, "0.0.0.0");
  EXPECT_EQ(c.database_url, "sqlite://./data/shopd.db");
  EXPECT_EQ(c.storage, StorageBackend::sqlite);
  EXPECT_FALSE(c.redis_url.has_value());
  EXPECT_EQ(c.media_dir, "./data/media");
  EXPECT_EQ(c.max_upload_mb, 5u);
  EXPECT_EQ(c.cache_max_mb, 64u);
  EXPECT_FALSE(c.cookie_secure);
  EXPECT_EQ(c.trust_proxy, 0u);
  EXPECT_EQ(c.access_token_ttl.count(), 900);
  EXPECT_EQ(c.refresh_token_ttl.count(), 604800);
  EXPECT_EQ(c.rate_limit_max, 1000u);
  EXPECT_EQ(c.rate_limit_window.count(), 900);
  EXPECT_EQ(c.auth_rate_limit_max, 20u);
  EXPECT_EQ(c.database_pool_size, 8u);
  EXPECT_EQ(c.public_url, "http://localhost:8080");
  EXPECT_EQ(c.client_origins, std::vector<std::string>{"http://localhost:3000"});
}

TEST(Config, ValuesAreRead) {
  Config c = load({{"PORT", "9000"},
                   {"HOST", "::1"},
                   {"CLIENT_URL", "https://a.example/, https://b.example"},
                   {"PUBLIC_URL", "https://api.example/"},
                   {"COOKIE_SECURE", "true"},
                   {"TRUST_PROXY", "2"},
                   {"RATE_LIMIT_MAX", "0"},
                   {"LOG_LEVEL", "warn"}});
  EXPECT_EQ(c.port, 9000);
  EXPECT_EQ(c.host, "::1");
  EXPECT_EQ(c.client_origins, (std::vector<std::string>{"https://a.example", "https://b.example"}));
  EXPECT_EQ(c.public_url, "https://api.example");
  EXPECT_TRUE(c.cookie_secure);
  EXPECT_EQ(c.trust_proxy, 2u);
  EXPECT_EQ(c.rate_limit_max, 0u);
  EXPECT_EQ(c.log_level, spdlog::level::warn);
}

TEST(Config, TrustProxyTrueMeansOneHop) {
  EXPECT_EQ(load({{"TRUST_PROXY", "true"}}).trust_proxy, 1u);
  EXPECT_EQ(load({{"TRUST_PROXY", "false"}}).trust_proxy, 0u);
}

TEST(Config, WildcardOrigin) {
  Config c = load({{"CLIENT_URL", "*"}});
  EXPECT_TRUE(c.client_any_origin);
  EXPECT_TRUE(c.client_origins.empty());
}

TEST(Config, BadValuesNameTheVariable) {
  EXPECT_NE(error_of({{"PORT", "80a"}}).find("PORT"), std::string::npos);
  EXPECT_NE(error_of({{"PORT", "-1"}}).find("PORT"), std::string::npos);
  EXPECT_NE(error_of({{"PORT", ""}}).find("PORT"), std::string::npos);
  EXPECT_NE(error_of({{"HOST", "example.com"}}).find("HOST"), std::string::npos);
  EXPECT_NE(error_of({{"DATABASE_URL", "mongodb://x"}}).find("DATABASE_URL"), std::string::npos);
  EXPECT_NE(error_of({{"REDIS_URL", "http://x"}}).find("REDIS_URL"), std::string::npos);
  EXPECT_NE(error_of({{"CLIENT_URL", "localhost:3000"}}).find("CLIENT_URL"), std::string::npos);
  EXPECT_NE(error_of({{"PUBLIC_URL", "ftp://x"}}).find("PUBLIC_URL"), std::string::npos);
  EXPECT_NE(error_of({{"MAX_UPLOAD_MB", "0"}}).find("MAX_UPLOAD_MB"), std::string::npos);
  EXPECT_NE(error_of({{"CACHE_MAX_MB", "x"}}).find("CACHE_MAX_MB"), std::string::npos);
  EXPECT_NE(error_of({{"LOG_LEVEL", "verbose"}}).find("LOG_LEVEL"), std::string::npos);
  EXPECT_NE(error_of({{"TRUST_PROXY", "sometimes"}}).find("TRUST_PROXY"), std::string::npos);
  EXPECT_NE(error_of({{"DATABASE_POOL_SIZE", "0"}}).find("DATABASE_POOL_SIZE"), std::string::npos);
}

TEST(Config, Redis) {
  Config c = load({});
  EXPECT_FALSE(c.redis_url);
  EXPECT_EQ(c.redis_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(c.redis_key_prefix, "shopd:");
  c = load({{"REDIS_URL", " redis://:pw@cache:6380/2 "},
            {"REDIS_TIMEOUT_MS", "50"},
            {"REDIS_KEY_PREFIX", "shop-1:"}});
  EXPECT_EQ(c.redis_url, "redis://:pw@cache:6380/2");
  EXPECT_EQ(c.redis_timeout, std::chrono::milliseconds(50));
  EXPECT_EQ(c.redis_key_prefix, "shop-1:");
  EXPECT_NE(error_of({{"REDIS_URL", "rediss://cache"}}).find("TLS"), std::string::npos);
  std::string bad_db = error_of({{"REDIS_URL", "redis://:secretpw@cache/x"}});
  EXPECT_NE(bad_db.find("database number"), std::string::npos);
  EXPECT_EQ(bad_db.find("secretpw"), std::string::npos);
  EXPECT_NE(error_of({{"REDIS_TIMEOUT_MS", "5"}}).find("REDIS_TIMEOUT_MS"), std::string::npos);
  for (const char* prefix : {"", "has space", "a{b}", "\x01"})
    EXPECT_NE(error_of({{"REDIS_KEY_PREFIX", prefix}}).find("REDIS_KEY_PREFIX"), std::string::npos)
        << prefix;
  EXPECT_NE(error_of({{"REDIS_KEY_PREFIX", std::string(65, 'a')}}).find("REDIS_KEY_PREFIX"),
            std::string::npos);
}

TEST(Config, MongoUriWithoutDatabaseUrlStops) {
  EXPECT_NE(error_of({{"MONGO_URI", "mongodb://x/db"}}).find("set DATABASE_URL"),
            std::string::npos);
  // With DATABASE_URL set, MONGO_URI is simply not read.
  EXPECT_EQ(load({{"MONGO_URI", "mongodb://x/db"}, {"DATABASE_URL", "sqlite://./x.db"}}).storage,
            StorageBackend::sqlite);
}

TEST(Config, PostgresNeedsLongSecrets) {
  std::string url = "postgres://shop:pw@127.0.0.1:5432/shop";
  EXPECT_NE(error_of({{"DATABASE_URL", url}}).find("JWT_SECRET is required"), std::string::npos);
  EXPECT_NE(error_of({{"DATABASE_URL", url},
                      {"JWT_SECRET", "short"},
                      {"JWT_REFRESH_SECRET", std::string(32, 'r')}})
                .find("at least 32 bytes"),
            std::string::npos);
  Config c = load({{"DATABASE_URL", "postgresql://h/db"},
                   {"JWT_SECRET", std::string(32, 'a')},
                   {"JWT_REFRESH_SECRET", std::string(40, 'b')}});
  EXPECT_EQ(c.storage, StorageBackend::postgres);
}

TEST(DotEnv, ParsesTheUsualForms) {
  auto v = parse_dotenv(
      "# a comment\n"
      "\n"
      "PORT=9000\n"
      "export HOST=127.0.0.1\n"
      "CLIENT_URL = http://x.example # trailing comment\n"
      "JWT_SECRET=\"with \\\"quotes\\\" and # hash\"\n"
      "SINGLE='raw $value \\n'\n"
      "EMPTY=\n"
      "WINDOWS=crlf\r\n");
  EXPECT_EQ(v.at("PORT"), "9000");
  EXPECT_EQ(v.at("HOST"), "127.0.0.1");
  EXPECT_EQ(v.at("CLIENT_URL"), "http://x.example");
  EXPECT_EQ(v.at("JWT_SECRET"), "with \"quotes\" and # hash");
  EXPECT_EQ(v.at("SINGLE"), "raw $value \\n");
  EXPECT_EQ(v.at("EMPTY"), "");
  EXPECT_EQ(v.at("WINDOWS"), "crlf");
}

TEST(DotEnv, MalformedLinesNameTheLine) {
  try {
    parse_dotenv("PORT=1\nthis is not an assignment\n");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos);
  }
  EXPECT_THROW(parse_dotenv("A=\"unterminated\n"), ConfigError);
  EXPECT_THROW(parse_dotenv("1BAD=x\n"), ConfigError);
}

TEST(Environment, LookupByName) {
  Environment env(std::map<std::string, std::string>{{"A", "1"}});
  EXPECT_EQ(env.get("A"), "1");
  EXPECT_FALSE(env.get("B").has_value());
}

}  // namespace
}  // namespace shop::app
