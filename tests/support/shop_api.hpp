#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backends.hpp"
#include "core/money.hpp"
#include "fake_clock.hpp"
#include "http_client.hpp"
#include "seed.hpp"
#include "storage/database.hpp"
#include "temp_dir.hpp"
#include "test_server.hpp"

namespace shop::test {

// The whole shop on a fresh database of the backend the suite is instantiated for: a server on a
// socket, a handle on its database for seeding and checking, and three accounts made straight in
// the database (an admin, alice and bob). The server's clock follows the system clock moved by
// clock_ (FakeClock::Start::system).
class ShopApi : public ::testing::TestWithParam<std::string> {
 protected:
  static const std::string kSecret;  // the server's JWT_SECRET

  void SetUp() override;
  void TearDown() override;
  // Environment for the server beyond the fixture's (more threads, a media folder, ...).
  virtual Env extra_env() const { return {}; }
  // One more instance of the shop on the same database, environment and clock as server_ (the
  // cluster of several instances that production runs).
  std::unique_ptr<TestServer> another_server();

  // A user with a session made straight in the database (no password hashing: tests need many)
  // and a bearer header signed by the server's secret.
  Headers user(const std::string& email, const std::string& role = "user") {
    return seed_->user(email, role);
  }
  std::string product(const std::string& name, Cents price, std::int64_t stock) {
    return seed_->product(name, price, stock);
  }
  std::int64_t stock(const std::string& id) { return seed_->stock(id); }
  std::int64_t count(const std::string& sql) { return seed_->count(sql); }
  // A product id that no product has.
  static std::string unknown_id(int n);

  // POST /api/cart/add {productId, quantity}.
  HttpResponse add(HttpClient& c, const Headers& who, const std::string& product_id, int q = 1);
  HttpResponse add(const Headers& who, const std::string& product_id, int q = 1) {
    return add(*client_, who, product_id, q);
  }
  // POST /api/orders with a body and extra headers.
  HttpResponse place(HttpClient& c, const Headers& who, const std::string& body = "{}",
                     Headers extra = {});
  // Every buyer checks out at the same moment, each on its own connection; status → count.
  std::map<int, int> place_all_at_once(const std::vector<Headers>& buyers);

  TempDir dir_;
  FreshDatabase db_;
  FakeClock clock_{FakeClock::Start::system};
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<storage::Database> store_;
  std::unique_ptr<Seeder> seed_;
  std::unique_ptr<HttpClient> client_;
  Headers admin_, alice_, bob_;
};

}  // namespace shop::test
