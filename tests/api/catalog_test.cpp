// Products (/api/products), images (/media) and the response cache over a real socket, on every
// backend.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <latch>
#include <set>
#include <thread>

#include "auth/user_store.hpp"
#include "backends.hpp"
#include "catalog/product_store.hpp"
#include "http_client.hpp"
#include "multipart_body.hpp"
#include "storage/migrator.hpp"
#include "test_images.hpp"
#include "test_server.hpp"

namespace shop::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

std::string url_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

std::set<std::string> files_in(const fs::path& dir) {
  std::set<std::string> names;
  if (!fs::exists(dir)) return names;
  for (const auto& e : fs::directory_iterator(dir))
    names.insert(e.path().filename().string());
  return names;
}

// The path of an absolute media URL ("http://localhost:1234/media/x.jpg" → "/media/x.jpg").
std::string media_path(const boost::json::value& url) {
  std::string s(url.as_string());
  return s.substr(s.find("/media/"));
}

class CatalogApi : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = fresh_database(GetParam(), dir_.path());
    if (db_.url.empty()) GTEST_SKIP() << GetParam() << " is not available here";
  }
  void TearDown() override {
    server_.reset();
    if (db_.drop) db_.drop();
  }

  TestServer& start(Env env = {}) {
    env["DATABASE_URL"] = db_.url;
    env["MEDIA_DIR"] = media_dir().string();
    env["PUBLIC_URL"] = "https://shop.example";
    env.try_emplace("JWT_SECRET", std::string(40, 'j'));
    env.try_emplace("JWT_REFRESH_SECRET", std::string(40, 'r'));
    env.try_emplace("AUTH_RATE_LIMIT_MAX", "1000");
    server_ = std::make_unique<TestServer>(env);
    client_ = std::make_unique<HttpClient>(server_->port());
    admin_ = token_for("admin@example.com", "admin");
    user_ = token_for("user@example.com", "user");
    return *server_;
  }
  fs::path media_dir() const { return dir_.path() / "media"; }

  // Registers an account and gives it a role, as an operator would; returns its bearer header.
  Headers token_for(const std::string& email, const std::string& role) {
    auto r = client_->post_json(
        "/api/users/register", boost::json::serialize(boost::json::object{
                                   {"name", "Test"}, {"email", email}, {"password", "password1"}}));
    EXPECT_EQ(r.status, 201) << r.body;
    if (role == "admin") {
      auto db = storage::open_database(db_.url, {.pool_size = 1});
      auto lease = db->acquire();
      auth::UserStore users;
      users.set_role(lease, users.find_by_email(lease, email)->id, role, 1);
    }
    return {{"Authorization", "Bearer " + std::string(r.json().at("accessToken").as_string())}};
  }

  HttpResponse create(const std::string& json, const Headers& who) {
    return client_->post_json("/api/products", json, who);
  }
  HttpResponse create(const std::string& json) { return create(json, admin_); }
  std::string create_ok(const std::string& name, const std::string& price = "10",
                        const std::string& category = "Misc", int stock = 5) {
    auto r = create(R"({"name":")" + name + R"(","description":"d","price":)" + price +
                    R"(,"category":")" + category + R"(","stock":)" + std::to_string(stock) + "}");
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? std::string(r.json().at("product").at("_id").as_string()) : "";
  }
  HttpResponse upload(const std::string& method, const std::string& target,
                      const MultipartBody& body) {
    Headers h = admin_;
    h.emplace_back("Content-Type", MultipartBody::content_type());
    return client_->request(method, target, body.str(), h);
  }
  static MultipartBody product_form(const std::string& name = "Pictured") {
    MultipartBody b;
    b.field("name", name).field("description", "with a picture").field("price", "12.50");
    b.field("category", "Art").field("stock", "3");
    return b;
  }
  std::int64_t total(const std::string& query = "") {
    auto r = client_->get("/api/products" + query);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json().at("total").as_int64();
  }
  std::vector<std::string> names(const std::string& query) {
    auto r = client_->get("/api/products" + query);
    EXPECT_EQ(r.status, 200) << query << " " << r.body;
    std::vector<std::string> out;
    if (r.status != 200) return out;
    auto j = r.json();  // kept alive: a range-for over a temporary's member dangles
    for (const auto& p : j.at("products").as_array())
      out.emplace_back(p.at("name").as_string());
    return out;
  }
  // Products written straight to the database with chosen creation times (before any read, so
  // nothing is cached yet).
  void insert_products(const std::vector<catalog::Product>& products) {
    auto db = storage::open_database(db_.url, {.pool_size = 1});
    storage::Migrator(*db).apply();
    auto lease = db->acquire();
    catalog::ProductStore store;
    for (const auto& p : products)
      store.insert(lease, p);
  }
  static catalog::Product product(std::string name, Cents price, std::string category,
                                  std::int64_t created_at) {
    static int n = 0;
    catalog::Product p;
    char id[25];
    std::snprintf(id, sizeof id, "%024x", ++n);
    p.id = id;
    p.name = std::move(name);
    p.description = "";
    p.price = price;
    p.category = std::move(category);
    p.stock = 1;
    p.created_at = p.updated_at = created_at;
    return p;
  }

  TempDir dir_;
  FreshDatabase db_;
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<HttpClient> client_;
  Headers admin_;
  Headers user_;
};

TEST_P(CatalogApi, CreateReadUpdateDelete_KeepsTheReferenceShapeAndExactMoney) {
  start();
  auto r = create(R"({"name":"  Blue Mug ","description":"Holds tea","price":19.99,)"
                  R"("category":"Kitchen","stock":7})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto j = r.json();
  EXPECT_EQ(j.at("message"), "Product created successfully");
  auto p = j.at("product");
  EXPECT_EQ(p.at("name"), "Blue Mug");  // trimmed
  EXPECT_EQ(p.at("category"), "Kitchen");
  EXPECT_EQ(p.at("stock"), 7);
  EXPECT_TRUE(p.at("image").is_null());
  EXPECT_THAT(r.body, HasSubstr(R"("price":19.99,)"));  // an exact decimal, not 1.999E1
  std::string id(p.at("_id").as_string());
  EXPECT_THAT(id, ::testing::MatchesRegex("[0-9a-f]{24}"));
  EXPECT_TRUE(p.at("createdBy").is_string());

  auto got = client_->get("/api/products/" + id);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.json().at("name"), "Blue Mug");
  EXPECT_THAT(got.body, HasSubstr(R"("price":19.99,)"));

  Headers h = admin_;
  auto patched = client_->request("PATCH", "/api/products/" + id, R"({"price":"0.07"})",
                                  {admin_[0], {"Content-Type", "application/json"}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.json().at("message"), "Product updated successfully");
  EXPECT_THAT(patched.body, HasSubstr(R"("price":0.07,)"));
  EXPECT_EQ(patched.json().at("product").at("name"), "Blue Mug");  // untouched fields stay
  auto put = client_->request("PUT", "/api/products/" + id, R"({"stock":0,"name":"Red Mug"})",
                              {admin_[0], {"Content-Type", "application/json"}});
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.json().at("product").at("stock"), 0);
  EXPECT_EQ(client_->get("/api/products/" + id).json().at("name"), "Red Mug");

  auto del = client_->request("DELETE", "/api/products/" + id, "", admin_);
  ASSERT_EQ(del.status, 200);
  EXPECT_EQ(del.json().at("message"), "Product deleted successfully");
  EXPECT_EQ(client_->get("/api/products/" + id).status, 404);
  EXPECT_EQ(client_->request("DELETE", "/api/products/" + id, "", admin_).status, 404);
  EXPECT_EQ(total(), 0);
}

TEST_P(CatalogApi, UrlencodedCreate_Works) {
  start();
  Headers h = admin_;
  h.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  auto r = client_->request("POST", "/api/products",
                            "name=Tea+Pot&description=&price=25.5&category=Kitchen&stock=2", h);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_THAT(r.body, HasSubstr(R"("price":25.5,)"));
}

TEST_P(CatalogApi, InvalidInput_Is400NamingEachField_AndCreatesNothing) {
  start();
  auto missing = create("{}");
  ASSERT_EQ(missing.status, 400);
  std::set<std::string> fields;
  auto missing_json = missing.json();
  for (const auto& e : missing_json.at("errors").as_array())
    fields.insert(std::string(e.at("field").as_string()));
  EXPECT_EQ(fields, (std::set<std::string>{"name", "description", "price", "category", "stock"}));

  const std::string base = R"("name":"N","description":"d","category":"C")";
  for (
      const std::string& bad : std::vector<std::string>{
          base + R"(,"price":19.999,"stock":1)", base + R"(,"price":-1,"stock":1)",
          base + R"(,"price":"abc","stock":1)", base + R"(,"price":1e309,"stock":1)",
          base + R"(,"price":100000000,"stock":1)", base + R"(,"price":true,"stock":1)",
          base + R"(,"price":1,"stock":1.5)", base + R"(,"price":1,"stock":-1)",
          base + R"(,"price":1,"stock":1000001)",
          base + R"(,"price":1,"stock":9223372036854775808)", base + R"(,"price":1,"stock":1e2)",
          R"("name":"","description":"d","category":"C","price":1,"stock":1)",
          R"("name":")" + std::string(201, 'x') +
              R"(","description":"d","category":"C","price":1,"stock":1)",
          R"("name":"a\u0000b","description":"d","category":"C","price":1,"stock":1)",
          R"("name":"N","description":"d","category":"","price":1,"stock":1)",
          R"("name":"N","description":")" + std::string(10001, 'x') +
              R"(","category":"C","price":1,"stock":1)",
          R"("name":["N"],"description":"d","category":"C","price":1,"stock":1)",
          R"("name":"N","description":"d","category":"C","price":1,"stock":1,"price":2)",
          R"("name":"N","description":"d","category":"C","price":1,"stock":1,"image":"http://x/y.jpg")"}) {
    auto r = create("{" + bad + "}");
    EXPECT_EQ(r.status, 400) << bad << " → " << r.body;
  }
  auto precise = create("{" + base + R"(,"price":19.999,"stock":1})");
  EXPECT_THAT(precise.body, HasSubstr("two decimals"));
  EXPECT_EQ(total(), 0);
}

TEST_P(CatalogApi, Writes_NeedAnAdmin) {
  start();
  std::string id = create_ok("Thing");
  const std::string body = R"({"name":"N","description":"d","price":1,"category":"C","stock":1})";
  EXPECT_EQ(create(body, user_).status, 403);
  EXPECT_EQ(create(body, {}).status, 401);
  EXPECT_EQ(client_
                ->request("PUT", "/api/products/" + id, R"({"stock":1})",
                          {user_[0], {"Content-Type", "application/json"}})
                .status,
            403);
  EXPECT_EQ(client_->request("DELETE", "/api/products/" + id, "", user_).status, 403);
  EXPECT_EQ(client_->request("DELETE", "/api/products/" + id).status, 401);
  EXPECT_EQ(total(), 1);
}

TEST_P(CatalogApi, MalformedOrUnknownId_Is404) {
  start();
  for (std::string id :
       std::vector<std::string>{"nope", "123", "%2e%2e", "000000000000000000000000", "' OR 1=1 --",
                                "ZZZZZZZZZZZZZZZZZZZZZZZZ", std::string(5000, 'a')}) {
    std::string target = "/api/products/" + url_encode(id);
    EXPECT_EQ(client_->get(target).status, 404) << id;
    EXPECT_EQ(client_->request("DELETE", target, "", admin_).status, 404) << id;
    EXPECT_EQ(client_
                  ->request("PUT", target, R"({"stock":1})",
                            {admin_[0], {"Content-Type", "application/json"}})
                  .status,
              404)
        << id;
  }
}

TEST_P(CatalogApi, Filters_Sorts_AndTheirCombinations) {
  insert_products(
      {product("Red Shirt", 1500, "Clothing", 1000), product("Blue Shirt", 2500, "Clothing", 2000),
       product("Green Mug", 800, "Kitchen", 3000), product("Shirt Box", 2500, "Kitchen", 4000),
       product("Tea", 300, "Grocery", 5000)});
  start();
  EXPECT_EQ(names(""), (std::vector<std::string>{"Tea", "Shirt Box", "Green Mug", "Blue Shirt",
                                                 "Red Shirt"}));  // newest first
  EXPECT_EQ(names("?sort=oldest&limit=2"), (std::vector<std::string>{"Red Shirt", "Blue Shirt"}));
  EXPECT_EQ(names("?sort=price_asc"),
            (std::vector<std::string>{"Tea", "Green Mug", "Red Shirt", "Blue Shirt", "Shirt Box"}));
  auto desc = names("?sort=price_desc");
  EXPECT_EQ(desc.front().find("Shirt") != std::string::npos, true);
  EXPECT_EQ(desc.back(), "Tea");
  EXPECT_EQ(names("?category=Clothing"), (std::vector<std::string>{"Blue Shirt", "Red Shirt"}));
  EXPECT_EQ(names("?category=clothing"), std::vector<std::string>{});  // exact
  EXPECT_EQ(names("?minPrice=8&maxPrice=15"), (std::vector<std::string>{"Green Mug", "Red Shirt"}));
  EXPECT_EQ(names("?minPrice=25"), (std::vector<std::string>{"Shirt Box", "Blue Shirt"}));
  EXPECT_EQ(names("?search=SHIRT"),
            (std::vector<std::string>{"Shirt Box", "Blue Shirt", "Red Shirt"}));
  EXPECT_EQ(names("?search=shirt&category=Kitchen"), (std::vector<std::string>{"Shirt Box"}));
  EXPECT_EQ(names("?search=shirt&maxPrice=20&sort=price_asc"),
            (std::vector<std::string>{"Red Shirt"}));
  EXPECT_EQ(names("?search=shirt&category=Clothing&minPrice=20.00&sort=oldest"),
            (std::vector<std::string>{"Blue Shirt"}));
  EXPECT_EQ(total("?category=Clothing&search=shirt"), 2);

  auto cats = client_->get("/api/products/categories");
  ASSERT_EQ(cats.status, 200);
  EXPECT_EQ(boost::json::serialize(cats.json()),
            R"([{"category":"Clothing","count":2},{"category":"Grocery","count":1},)"
            R"({"category":"Kitchen","count":2}])");
}

TEST_P(CatalogApi, Pagination_Edges) {
  std::vector<catalog::Product> many;
  for (int i = 0; i < 25; ++i)
    many.push_back(product("P" + std::to_string(i), 100 + i, "C", 1000 + i));
  insert_products(many);
  start();
  auto first = client_->get("/api/products");
  auto j = first.json();
  EXPECT_EQ(j.at("total"), 25);
  EXPECT_EQ(j.at("page"), 1);
  EXPECT_EQ(j.at("limit"), 10);
  EXPECT_EQ(j.at("totalPages"), 3);
  EXPECT_EQ(j.at("products").as_array().size(), 10u);
  auto last = client_->get("/api/products?page=3").json();
  EXPECT_EQ(last.at("products").as_array().size(), 5u);
  EXPECT_EQ(last.at("products").as_array().back().at("name"), "P0");
  auto past = client_->get("/api/products?page=4").json();
  EXPECT_EQ(past.at("products").as_array().size(), 0u);
  EXPECT_EQ(past.at("total"), 25);
  EXPECT_EQ(client_->get("/api/products?limit=100").json().at("products").as_array().size(), 25u);
  EXPECT_EQ(client_->get("/api/products?limit=1&page=25").json().at("products").at(0).at("name"),
            "P0");
  // Every product exactly once across the pages.
  std::set<std::string> seen;
  for (int page = 1; page <= 5; ++page)
    for (const auto& n : names("?limit=6&sort=price_desc&page=" + std::to_string(page)))
      EXPECT_TRUE(seen.insert(n).second) << n;
  EXPECT_EQ(seen.size(), 25u);
  for (const char* bad :
       {"?limit=0", "?limit=1000", "?limit=-5", "?page=-1", "?page=0", "?page=abc", "?limit=1.5",
        "?page=1e3", "?sort=random", "?minPrice=abc", "?maxPrice=-1", "?minPrice=1.001",
        "?minPrice=5&maxPrice=1", "?page=1&page=2", "?page=99999999999999999999"}) {
    auto r = client_->get(std::string("/api/products") + bad);
    EXPECT_EQ(r.status, 400) << bad << " " << r.body;
    EXPECT_TRUE(r.json().at("errors").is_array()) << bad;
  }
}

TEST_P(CatalogApi, Search_IsLiteral_CaseInsensitive_AndBounded) {
  insert_products({product("100% Cotton Tee", 100, "C", 1), product("100 Cotton Tee", 100, "C", 2),
                   product("snake_case mug", 100, "C", 3), product("snakeXcase mug", 100, "C", 4),
                   product("Regex .* poster", 100, "C", 5), product("Regex poster", 100, "C", 6),
                   product("back\\slash", 100, "C", 7), product("O'Brien \"quoted\"", 100, "C", 8),
                   product("\xC3\x89"
                           "COLE bag",
                           100, "C", 9),                                     // ÉCOLE
                   product("\xE6\x97\xA5\xE6\x9C\xAC tea", 100, "C", 10)});  // 日本
  start();
  EXPECT_EQ(names("?search=%25"), (std::vector<std::string>{"100% Cotton Tee"}));
  EXPECT_EQ(names("?search=_"), (std::vector<std::string>{"snake_case mug"}));
  EXPECT_EQ(names("?search=.*"), (std::vector<std::string>{"Regex .* poster"}));
  EXPECT_EQ(names("?search=%5C"), (std::vector<std::string>{"back\\slash"}));
  EXPECT_EQ(names("?search=" + url_encode("o'brien \"QUOTED\"")),
            (std::vector<std::string>{"O'Brien \"quoted\""}));
  EXPECT_EQ(names("?search=" + url_encode("\xC3\xA9"
                                          "cole")),  // école finds ÉCOLE
            (std::vector<std::string>{"\xC3\x89"
                                      "COLE bag"}));
  EXPECT_EQ(names("?search=" + url_encode("\xE6\x97\xA5\xE6\x9C\xAC")),
            (std::vector<std::string>{"\xE6\x97\xA5\xE6\x9C\xAC tea"}));
  EXPECT_EQ(names("?search=" + url_encode("'; DROP TABLE products; --")),
            std::vector<std::string>{});
  EXPECT_EQ(total(), 10);
  EXPECT_EQ(client_->get("/api/products?search=" + std::string(200, 'a')).status, 200);
  auto too_long = client_->get("/api/products?search=" + std::string(201, 'a'));
  EXPECT_EQ(too_long.status, 400);
  EXPECT_THAT(too_long.body, HasSubstr("search"));
  EXPECT_EQ(client_->get("/api/products?search=" + std::string(10000, 'a')).status, 400);
  EXPECT_EQ(client_->get("/api/products?search=%FF").status, 400);
}

TEST_P(CatalogApi, Cache_HitAfterMiss_ETag304_AndEveryWriteInvalidates) {
  start();
  std::string id = create_ok("Lamp", "30");
  auto miss = client_->get("/api/products");
  ASSERT_EQ(miss.status, 200);
  EXPECT_EQ(miss.header("X-Cache"), "MISS");
  EXPECT_EQ(miss.json().at("fromCache"), false);
  auto hit = client_->get("/api/products");
  EXPECT_EQ(hit.header("X-Cache"), "HIT");
  EXPECT_EQ(hit.json().at("fromCache"), true);
  EXPECT_EQ(hit.json().at("products").at(0).at("name"), "Lamp");
  ASSERT_TRUE(hit.header("ETag"));
  EXPECT_EQ(hit.header("ETag"), miss.header("ETag"));
  EXPECT_THAT(*hit.header("ETag"), ::testing::MatchesRegex("W/\"[0-9a-f]{16}\""));
  auto not_modified = client_->get("/api/products", {{"If-None-Match", *hit.header("ETag")}});
  EXPECT_EQ(not_modified.status, 304);
  EXPECT_EQ(not_modified.body, "");
  EXPECT_EQ(client_->get("/api/products", {{"If-None-Match", "W/\"0000000000000000\""}}).status,
            200);
  auto metrics = client_->get("/metrics").body;
  EXPECT_THAT(metrics, ::testing::ContainsRegex("shopd_cache_hits_total [1-9]"));
  EXPECT_THAT(metrics, ::testing::ContainsRegex("shopd_cache_misses_total [1-9]"));

  EXPECT_EQ(client_->get("/api/products/" + id).header("X-Cache"), "MISS");
  auto detail_hit = client_->get("/api/products/" + id);
  EXPECT_EQ(detail_hit.header("X-Cache"), "HIT");
  EXPECT_EQ(detail_hit.json().at("fromCache"), true);

  // An update is seen by the very next read of the list and of the detail.
  auto upd = client_->request("PATCH", "/api/products/" + id, R"({"name":"Desk Lamp"})",
                              {admin_[0], {"Content-Type", "application/json"}});
  ASSERT_EQ(upd.status, 200);
  auto after = client_->get("/api/products");
  EXPECT_EQ(after.header("X-Cache"), "MISS");
  EXPECT_EQ(after.json().at("products").at(0).at("name"), "Desk Lamp");
  EXPECT_NE(after.header("ETag"), hit.header("ETag"));
  EXPECT_EQ(client_->get("/api/products", {{"If-None-Match", *hit.header("ETag")}}).status, 200);
  EXPECT_EQ(client_->get("/api/products/" + id).json().at("name"), "Desk Lamp");

  // A create and a delete too.
  create_ok("Chair");
  EXPECT_EQ(total(), 2);
  ASSERT_EQ(client_->request("DELETE", "/api/products/" + id, "", admin_).status, 200);
  EXPECT_EQ(client_->get("/api/products/" + id).status, 404);
  EXPECT_EQ(total(), 1);
}

TEST_P(CatalogApi, CacheOff_StillAnswersWithETags) {
  start({{"CACHE_MAX_MB", "0"}});
  create_ok("Lamp");
  auto a = client_->get("/api/products");
  auto b = client_->get("/api/products");
  EXPECT_EQ(b.header("X-Cache"), "MISS");
  EXPECT_EQ(b.json().at("fromCache"), false);
  EXPECT_EQ(a.header("ETag"), b.header("ETag"));
  EXPECT_EQ(client_->get("/api/products", {{"If-None-Match", *a.header("ETag")}}).status, 304);
}

TEST_P(CatalogApi, ConcurrentReadsAndWrites_NeverServeAnOldAnswerAfterTheWrite) {
  start({{"RATE_LIMIT_MAX", "0"}});  // the readers send thousands of requests
  std::string id = create_ok("Version 0");
  std::atomic<bool> stop{false};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t)
    readers.emplace_back([&] {
      HttpClient c(server_->port());
      while (!stop)
        c.get("/api/products/" + id);
    });
  for (int v = 1; v <= 15; ++v) {
    std::string name = "Version " + std::to_string(v);
    auto r = client_->request("PATCH", "/api/products/" + id, R"({"name":")" + name + R"("})",
                              {admin_[0], {"Content-Type", "application/json"}});
    EXPECT_EQ(r.status, 200);  // not ASSERT: the reader threads must be joined below
    if (r.status != 200) break;
    HttpClient fresh(server_->port());
    EXPECT_EQ(fresh.get("/api/products/" + id).json().at("name").as_string(), name);
    EXPECT_EQ(fresh.get("/api/products?limit=1").json().at("products").at(0).at("name").as_string(),
              name);
  }
  stop = true;
  for (auto& t : readers)
    t.join();
}

struct ImageCase {
  std::string name;
  std::string type;
  std::string (*make)(int, int);
  std::string extension;
};

TEST_P(CatalogApi, ImageUpload_EveryFormat_StoredWithoutMetadata_ServedImmutable) {
  start();
  for (const ImageCase& c :
       {ImageCase{"photo.jpg", "image/jpeg", [](int w, int h) { return make_jpeg(w, h, true); },
                  "jpg"},
        ImageCase{"logo.png", "image/png", [](int w, int h) { return make_png(w, h, true); },
                  "png"},
        ImageCase{"pic.webp", "image/webp", [](int w, int h) { return make_webp(w, h, true); },
                  "webp"}}) {
    std::string original = c.make(1600, 1200);
    ASSERT_TRUE(contains_gps_exif(original)) << c.name << ": the fixture must carry GPS EXIF";
    auto r =
        upload("POST", "/api/products", product_form().file("image", c.name, c.type, original));
    ASSERT_EQ(r.status, 201) << c.name << " " << r.body;
    auto p = r.json().at("product");
    EXPECT_THAT(
        std::string(p.at("image").as_string()),
        ::testing::MatchesRegex("https://shop.example/media/[0-9a-f]{32}\\." + c.extension));
    for (const char* size : {"list", "detail"}) {
      auto served = client_->get(media_path(p.at("images").at(size)));
      ASSERT_EQ(served.status, 200) << c.name << " " << size;
      EXPECT_EQ(served.header("Content-Type"), c.type);
      EXPECT_EQ(served.header("Cache-Control"), "public, max-age=31536000, immutable");
      EXPECT_EQ(served.header("Cross-Origin-Resource-Policy"), "cross-origin");
      EXPECT_EQ(served.header("X-Content-Type-Options"), "nosniff");
      EXPECT_FALSE(contains_gps_exif(served.body)) << c.name << " " << size;
      EXPECT_FALSE(contains_exif(served.body)) << c.name << " " << size;
      EXPECT_LT(served.body.size(), original.size()) << c.name << " " << size;
    }
  }
  EXPECT_EQ(total(), 3);
  EXPECT_EQ(files_in(media_dir()).size(), 6u);
}

TEST_P(CatalogApi, BadUploads_AreRefused_AndLeaveNothingBehind) {
  start();
  struct Bad {
    std::string what;
    std::string filename;
    std::string type;
    std::string bytes;
    int status;
  };
  std::string jpeg = make_jpeg(400, 300, false);
  for (const Bad& b :
       {Bad{"text renamed", "photo.jpg", "image/jpeg", "just some text\n", 415},
        Bad{"svg", "logo.svg", "image/svg+xml",
            "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>", 415},
        Bad{"html polyglot", "x.jpg", "image/jpeg",
            "\xFF\xD8\xFF<html><script>alert(1)</script></html>", 400},
        Bad{"truncated jpeg", "t.jpg", "image/jpeg", truncated(jpeg), 400},
        Bad{"truncated png", "t.png", "image/png", truncated(make_png(400, 300, false)), 400},
        Bad{"pixel bomb", "bomb.png", "image/png", make_pixel_bomb_png(), 400}}) {
    auto started = std::chrono::steady_clock::now();
    auto r =
        upload("POST", "/api/products", product_form().file("image", b.filename, b.type, b.bytes));
    EXPECT_EQ(r.status, b.status) << b.what << " " << r.body;
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2)) << b.what;
  }
  // Forms with parts the route does not expect.
  EXPECT_EQ(
      upload("POST", "/api/products", product_form().file("avatar", "a.jpg", "image/jpeg", jpeg))
          .status,
      400);
  EXPECT_EQ(upload("POST", "/api/products", product_form().field("role", "admin")).status, 400);
  EXPECT_EQ(total(), 0);
  EXPECT_EQ(files_in(media_dir()).size(), 0u);
  // A valid image with an invalid field: refused before anything is stored.
  MultipartBody bad_price;
  bad_price.field("name", "N").field("description", "d").field("price", "1.234");
  bad_price.field("category", "C").field("stock", "1").file("image", "a.jpg", "image/jpeg", jpeg);
  EXPECT_EQ(upload("POST", "/api/products", bad_price).status, 400);
  EXPECT_EQ(files_in(media_dir()).size(), 0u);
}

TEST_P(CatalogApi, ReplacingOrDeletingAProduct_DeletesItsOldFiles_ButNotSharedOnes) {
  start();
  std::string first = make_jpeg(800, 600, false);
  auto a = upload("POST", "/api/products",
                  product_form("A").file("image", "a.jpg", "image/jpeg", first));
  ASSERT_EQ(a.status, 201) << a.body;
  std::string id(a.json().at("product").at("_id").as_string());
  auto old_files = files_in(media_dir());
  ASSERT_EQ(old_files.size(), 2u);
  // Another product with the same picture shares the files.
  auto b = upload("POST", "/api/products",
                  product_form("B").file("image", "b.jpg", "image/jpeg", first));
  ASSERT_EQ(b.status, 201);
  EXPECT_EQ(files_in(media_dir()), old_files);

  MultipartBody replace;
  replace.file("image", "new.png", "image/png", make_png(640, 480, false));
  auto r = upload("PUT", "/api/products/" + id, replace);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json().at("product").at("name"), "A");
  EXPECT_EQ(files_in(media_dir()).size(), 4u);  // B still uses the old ones
  std::string b_id(b.json().at("product").at("_id").as_string());
  ASSERT_EQ(client_->request("DELETE", "/api/products/" + b_id, "", admin_).status, 200);
  auto now = files_in(media_dir());
  EXPECT_EQ(now.size(), 2u);
  for (const auto& f : old_files)
    EXPECT_FALSE(now.contains(f)) << f;
  ASSERT_EQ(client_->request("DELETE", "/api/products/" + id, "", admin_).status, 200);
  EXPECT_EQ(files_in(media_dir()).size(), 0u);
}

TEST_P(CatalogApi, Media_NoWayOutOfTheFolder) {
  start();
  auto r = upload("POST", "/api/products",
                  product_form().file("image", "a.jpg", "image/jpeg", make_jpeg(300, 200, false)));
  ASSERT_EQ(r.status, 201);
  std::string good = media_path(r.json().at("product").at("image"));
  EXPECT_EQ(client_->get(good).status, 200);
  // A secret next to the media folder, and a link to it planted inside with a valid-looking name.
  { std::ofstream(dir_.path() / "secret.jpg") << "secret"; }
  fs::create_symlink(dir_.path() / "secret.jpg",
                     media_dir() / "0123456789abcdef0123456789abcdef.jpg");
  for (const char* bad :
       {"/media/../secret.jpg", "/media/..%2fsecret.jpg", "/media/%2e%2e",
        "/media/%2e%2e%2fsecret.jpg", "/media/..%5csecret.jpg", "/media/%2Fetc%2Fpasswd",
        "/media//etc/passwd", "/media/etc/passwd", "/media/0123456789abcdef0123456789abcdef.jpg",
        "/media/", "/media/.", "/media/x.jpg%00.png"}) {
    auto m = client_->get(bad);
    EXPECT_EQ(m.status, 404) << bad;
    EXPECT_THAT(m.body, Not(HasSubstr("secret"))) << bad;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, CatalogApi, ::testing::ValuesIn(backend_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace shop::test
