#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "core/ids.hpp"
#include "core/money.hpp"
#include "http_client.hpp"
#include "storage/database.hpp"

namespace shop::test {

// Accounts and products written straight into a test database (no password hashing, no HTTP),
// for tests that need many of them. The database must be migrated.
class Seeder {
 public:
  // secret: the JWT_SECRET of the server under test; tokens live token_ttl (long enough to
  // outlive the clock jumps of tests with an injected clock).
  Seeder(storage::Database& db, std::string secret,
         std::chrono::seconds token_ttl = std::chrono::hours(72))
      : db_(db), secret_(std::move(secret)), token_ttl_(token_ttl) {}

  // A user with a live login session (a refresh-token family, as a login makes) and the headers
  // that authenticate as them, with Content-Type: application/json.
  struct Account {
    std::string id;
    std::string session_id;
    Headers headers;
  };
  Account account(const std::string& email, const std::string& role = "user");
  Headers user(const std::string& email, const std::string& role = "user") {
    return account(email, role).headers;
  }
  // A product with no picture; returns its id (ids of one Seeder sort in creation order).
  std::string product(const std::string& name, Cents price, std::int64_t stock);
  std::int64_t stock(const std::string& product_id);
  // The first column of the first row of a query, as an integer.
  std::int64_t count(const std::string& sql);

 private:
  storage::Database& db_;
  std::string secret_;
  std::chrono::seconds token_ttl_;
  std::string id_prefix_ = random_hex(6);  // 12 hex digits; products add 12 of a counter
  std::int64_t products_ = 0;
};

}  // namespace shop::test
