#include "shop_api.hpp"

#include <cstdio>
#include <latch>
#include <mutex>
#include <thread>

#include "storage/open_database.hpp"

namespace shop::test {

const std::string ShopApi::kSecret(40, 'j');

void ShopApi::SetUp() {
  db_ = fresh_database(GetParam(), dir_.path());
  if (db_.url.empty()) GTEST_SKIP() << GetParam() << " is not available here";
  server_ = another_server();
  store_ = storage::open_database(db_.url, {.pool_size = 2});
  seed_ = std::make_unique<Seeder>(*store_, kSecret);
  client_ = std::make_unique<HttpClient>(server_->port());
  admin_ = user("admin@example.com", "admin");
  alice_ = user("alice@example.com");
  bob_ = user("bob@example.com");
}

void ShopApi::TearDown() {
  client_.reset();
  server_.reset();
  seed_.reset();
  store_.reset();
  if (db_.drop) db_.drop();
}

std::unique_ptr<TestServer> ShopApi::another_server() {
  Env env{{"DATABASE_URL", db_.url},
          {"JWT_SECRET", kSecret},
          {"JWT_REFRESH_SECRET", std::string(40, 'r')},
          {"RATE_LIMIT_MAX", "0"},
          {"WORKER_THREADS", "16"},
          {"PUBLIC_URL", "https://shop.example"}};
  for (const auto& [name, value] : extra_env())
    env[name] = value;
  app::AppHooks hooks;
  hooks.clock = &clock_;
  return std::make_unique<TestServer>(env, std::move(hooks));
}

std::string ShopApi::unknown_id(int n) {
  char id[25];
  std::snprintf(id, sizeof id, "%024x", n);
  return id;
}

HttpResponse ShopApi::add(HttpClient& c, const Headers& who, const std::string& product_id, int q) {
  return c.request("POST", "/api/cart/add",
                   R"({"productId":")" + product_id + R"(","quantity":)" + std::to_string(q) + "}",
                   who);
}

HttpResponse ShopApi::place(HttpClient& c, const Headers& who, const std::string& body,
                            Headers extra) {
  Headers h = who;
  h.insert(h.end(), extra.begin(), extra.end());
  return c.request("POST", "/api/orders", body, h);
}

std::map<int, int> ShopApi::place_all_at_once(const std::vector<Headers>& buyers) {
  std::map<int, int> statuses;
  std::mutex m;
  std::latch go(static_cast<std::ptrdiff_t>(buyers.size()));
  std::vector<std::thread> threads;
  for (const Headers& buyer : buyers)
    threads.emplace_back([&, buyer] {
      HttpClient c(server_->port());
      go.arrive_and_wait();
      int status = place(c, buyer).status;
      std::lock_guard lock(m);
      ++statuses[status];
    });
  for (auto& t : threads)
    t.join();
  return statuses;
}

}  // namespace shop::test
