#include "storage/postgres/postgres_url.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace shop::storage::postgres {
namespace {

// True when `part` occurs in `text`; EXPECT_PRED2 prints both on failure.
bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

std::string parse_error(std::string_view url) {
  try {
    parse_postgres_url(url);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(PostgresUrl, FullUrl_SplitsLocationAndKeepsPasswordOutOfIt) {
  const auto url = parse_postgres_url("postgres://shop:s%40cret@db.internal:6432/shopdb");
  EXPECT_EQ(url.host, "db.internal");
  EXPECT_EQ(url.port, "6432");
  EXPECT_EQ(url.database, "shopdb");
  EXPECT_EQ(url.password, "s@cret");
  EXPECT_EQ(url.location(), "db.internal:6432/shopdb");
}

TEST(PostgresUrl, PostgresqlSchemeAndDefaults_AreAccepted) {
  const auto url = parse_postgres_url("postgresql://db/shop?sslmode=require");
  EXPECT_EQ(url.location(), "db:5432/shop");
  EXPECT_EQ(parse_postgres_url("postgres:///shop?host=/run/postgresql").location(),
            "/run/postgresql:5432/shop");
}

TEST(PostgresUrl, InvalidUrlWithPassword_SaysSoWithoutThePassword) {
  const auto message = parse_error("postgres://shop:hunter%zz2@db/shop");
  EXPECT_PRED2(contains, message, "not a valid PostgreSQL URL");
  EXPECT_FALSE(contains(message, "hunter")) << message;
  EXPECT_EQ(std::count(message.begin(), message.end(), '\n'), 0);
}

TEST(PostgresUrl, InvalidUrlWithoutCredentials_GivesLibpqReason) {
  EXPECT_PRED2(contains, parse_error("postgres://db/shop?no_such_option=1"), "no_such_option");
  EXPECT_PRED2(contains, parse_error("mysql://db/shop"), "postgres://");
}

TEST(PostgresUrl, ConnectionKeywords_DefaultsComeBeforeTheUrlSoItWins) {
  const auto url = parse_postgres_url("postgres://db/shop");
  const auto keywords = connection_keywords(url, 5);
  ASSERT_FALSE(keywords.empty());
  EXPECT_EQ(keywords.back(), (std::pair<std::string, std::string>{"dbname", url.uri}));
  const auto has = [&](std::string_view key, std::string_view value) {
    return std::find(keywords.begin(), keywords.end(),
                     std::pair<std::string, std::string>{std::string(key), std::string(value)}) !=
           keywords.end();
  };
  EXPECT_TRUE(has("connect_timeout", "5"));
  EXPECT_TRUE(has("application_name", "shopd"));
  EXPECT_TRUE(has("client_encoding", "UTF8"));
}

TEST(PostgresUrl, OneLineMessage_FoldsLinesAndScrubsPassword) {
  EXPECT_EQ(one_line_message("connection to server at \"db\" failed: Connection refused\n"
                             "\tIs the server running?\n",
                             ""),
            "connection to server at \"db\" failed: Connection refused; Is the server running?");
  EXPECT_EQ(one_line_message("FATAL:  bad pw s3cret\n", "s3cret"), "FATAL: bad pw ***");
}

}  // namespace
}  // namespace shop::storage::postgres
