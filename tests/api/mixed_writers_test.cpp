// Mixed writers: for each pair of requests that write one row, both run at the same moment, many
// times, over real sockets, on SQLite and PostgreSQL. After each round the books must balance:
// stock + units in live orders = initial stock + what admins set, and no write is lost.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <filesystem>
#include <functional>
#include <latch>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "multipart_body.hpp"
#include "shop_api.hpp"
#include "test_images.hpp"

namespace shop::test {
namespace {

namespace fs = std::filesystem;

// Runs every task on its own thread, all released at the same moment; returns when all ended.
void all_at_once(const std::vector<std::function<void()>>& tasks) {
  std::latch go(static_cast<std::ptrdiff_t>(tasks.size()));
  std::vector<std::thread> threads;
  for (const auto& task : tasks)
    threads.emplace_back([&go, &task] {
      go.arrive_and_wait();
      task();
    });
  for (auto& t : threads)
    t.join();
}

// Counts answers by status, from several threads.
class Tally {
 public:
  void add(int status) {
    std::lock_guard lock(mutex_);
    ++counts_[status];
  }
  int operator[](int status) const {
    std::lock_guard lock(mutex_);
    auto it = counts_.find(status);
    return it == counts_.end() ? 0 : it->second;
  }
  int total() const {
    std::lock_guard lock(mutex_);
    int n = 0;
    for (const auto& [status, count] : counts_)
      n += count;
    return n;
  }
  std::string str() const {
    std::lock_guard lock(mutex_);
    std::string s;
    for (const auto& [status, n] : counts_)
      s += std::to_string(status) + "×" + std::to_string(n) + " ";
    return s;
  }

 private:
  mutable std::mutex mutex_;
  std::map<int, int> counts_;
};

class MixedWriters : public ShopApi {
 protected:
  Env extra_env() const override {
    return {{"DATABASE_POOL_SIZE", "16"}, {"MEDIA_DIR", media_dir().string()}};
  }

  fs::path media_dir() const { return dir_.path() / "media"; }

  std::vector<Headers> buyers(int n, const std::string& prefix) {
    std::vector<Headers> out;
    for (int i = 0; i < n; ++i)
      out.push_back(seed_->user(prefix + std::to_string(i) + "@example.com"));
    return out;
  }
  std::string place_one(const Headers& who, const std::string& product, int q = 1) {
    EXPECT_EQ(add(who, product, q).status, 200);
    auto r = place(*client_, who);
    EXPECT_EQ(r.status, 201) << r.body;
    return std::string(r.json().at("order").at("_id").as_string());
  }
  HttpResponse patch_product(HttpClient& c, const std::string& product, const std::string& json) {
    return c.request("PATCH", "/api/products/" + product, json, admin_);
  }
  // Units of the product in orders that are not cancelled.
  std::int64_t units_in_live_orders(const std::string& product) {
    auto lease = store_->acquire();
    return lease
        .execute(
            "SELECT COALESCE(SUM(i.quantity), 0) FROM order_items i JOIN orders o ON "
            "o.id = i.order_id WHERE o.status <> 'cancelled' AND i.product_id = $1",
            {product})
        .front()
        .get_int(0);
  }
  std::int64_t units_in_cart(const std::string& product) {
    auto lease = store_->acquire();
    return lease
        .execute("SELECT COALESCE(SUM(quantity), 0) FROM cart_items WHERE product_id = $1",
                 {product})
        .front()
        .get_int(0);
  }
  std::string description(const std::string& product) {
    auto lease = store_->acquire();
    return lease.execute("SELECT description FROM products WHERE id = $1", {product})
        .front()
        .get_text(0);
  }

  // The admin edits only the description, again and again, until `stop` is set; returns the
  // text of the last edit that succeeded.
  std::string edit_descriptions_until(const std::atomic<bool>& stop, const std::string& product,
                                      int& edits) {
    HttpClient c(server_->port());
    std::string last;
    for (int i = 0; !stop.load() || i == 0; ++i) {
      std::string text = "edit " + std::to_string(i);
      auto r = patch_product(c, product, R"({"description":")" + text + R"("})");
      EXPECT_EQ(r.status, 200) << r.body;
      if (r.status == 200) last = text;
      ++edits;
    }
    return last;
  }

  // Files in the media folder (temporary files of uploads in progress excluded).
  std::set<std::string> files_on_disk() {
    std::set<std::string> names;
    if (!fs::exists(media_dir())) return names;
    for (const auto& e : fs::directory_iterator(media_dir())) {
      std::string name = e.path().filename().string();
      if (!name.starts_with(".")) names.insert(name);
    }
    return names;
  }
  // Files some product or user refers to.
  std::set<std::string> files_referenced() {
    std::set<std::string> names;
    auto lease = store_->acquire();
    for (const auto& row :
         lease
             .execute("SELECT image_list FROM products WHERE image_list IS NOT NULL UNION "
                      "SELECT image_detail FROM products WHERE image_detail IS NOT NULL UNION "
                      "SELECT avatar_url FROM users WHERE avatar_url IS NOT NULL")
             .rows())
      names.insert(row.get_text(0));
    return names;
  }

  HttpResponse upload_product(HttpClient& c, const std::string& method, const std::string& target,
                              const std::string& name, const std::string& image) {
    MultipartBody body;
    if (method == "POST")
      body.field("name", name)
          .field("description", "d")
          .field("price", "10")
          .field("category", "Pictures")
          .field("stock", "1");
    body.file("image", "p.jpg", "image/jpeg", image);
    Headers h = {admin_[0], {"Content-Type", MultipartBody::content_type()}};
    return c.request(method, target, body.str(), h);
  }
};

TEST_P(MixedWriters, CheckoutsWhileAnAdminEditsTheDescription_KeepEverySale) {
  for (int round = 0; round < 3; ++round) {
    constexpr int kUnits = 40;
    std::string item = seed_->product("Last units", 500, kUnits);
    auto people = buyers(kUnits, "r" + std::to_string(round) + "-buyer");
    for (const auto& b : people)
      ASSERT_EQ(add(*client_, b, item).status, 200);
    Tally orders;
    std::atomic<bool> done{false};
    std::atomic<int> left{kUnits};
    int edits = 0;
    std::string last_edit;
    std::vector<std::function<void()>> tasks;
    for (const auto& b : people)
      tasks.emplace_back([&, b] {
        HttpClient c(server_->port());
        orders.add(place(c, b).status);
        if (--left == 0) done = true;
      });
    tasks.emplace_back([&] { last_edit = edit_descriptions_until(done, item, edits); });
    all_at_once(tasks);
    EXPECT_EQ(orders[201], kUnits) << orders.str();
    EXPECT_EQ(seed_->stock(item), 0)
        << "an edit of the description wrote back an old stock (" << edits << " edits)";
    EXPECT_EQ(seed_->stock(item) + units_in_live_orders(item), kUnits);
    EXPECT_EQ(description(item), last_edit);
  }
}

TEST_P(MixedWriters, CheckoutsAndCancelsAtOnce_BalanceTheStock) {
  for (int round = 0; round < 3; ++round) {
    constexpr int kStock = 30, kPlaced = 15, kNewBuyers = 30;
    std::string item = seed_->product("Returned often", 700, kStock);
    std::vector<std::pair<Headers, std::string>> placed;
    for (const auto& b : buyers(kPlaced, "r" + std::to_string(round) + "-first"))
      placed.emplace_back(b, place_one(b, item));
    auto late = buyers(kNewBuyers, "r" + std::to_string(round) + "-late");
    for (const auto& b : late)
      ASSERT_EQ(add(*client_, b, item).status, 200);
    Tally cancels, orders;
    std::vector<std::function<void()>> tasks;
    for (const auto& [who, order] : placed)
      tasks.emplace_back([&, who, order] {
        HttpClient c(server_->port());
        cancels.add(c.request("POST", "/api/orders/" + order + "/cancel", "", who).status);
      });
    for (const auto& b : late)
      tasks.emplace_back([&, b] {
        HttpClient c(server_->port());
        orders.add(place(c, b).status);
      });
    all_at_once(tasks);
    EXPECT_EQ(cancels[200], kPlaced) << cancels.str();
    EXPECT_EQ(orders[201] + orders[409], kNewBuyers) << orders.str();
    EXPECT_GE(orders[201], kStock - kPlaced);
    EXPECT_EQ(seed_->stock(item) + units_in_live_orders(item), kStock);
  }
}

TEST_P(MixedWriters, CancelsWhileAnAdminEditsTheDescription_ReturnEveryUnit) {
  for (int round = 0; round < 3; ++round) {
    constexpr int kOrders = 20;
    std::string item = seed_->product("Cancelled", 300, kOrders);
    std::vector<std::pair<Headers, std::string>> placed;
    for (const auto& b : buyers(kOrders, "r" + std::to_string(round) + "-c"))
      placed.emplace_back(b, place_one(b, item));
    ASSERT_EQ(seed_->stock(item), 0);
    Tally cancels;
    std::atomic<bool> done{false};
    std::atomic<int> left{kOrders};
    int edits = 0;
    std::string last_edit;
    std::vector<std::function<void()>> tasks;
    for (const auto& [who, order] : placed)
      tasks.emplace_back([&, who, order] {
        HttpClient c(server_->port());
        cancels.add(c.request("POST", "/api/orders/" + order + "/cancel", "", who).status);
        if (--left == 0) done = true;
      });
    tasks.emplace_back([&] { last_edit = edit_descriptions_until(done, item, edits); });
    all_at_once(tasks);
    EXPECT_EQ(cancels[200], kOrders) << cancels.str();
    EXPECT_EQ(seed_->stock(item), kOrders) << "an edit undid a restock (" << edits << " edits)";
    EXPECT_EQ(units_in_live_orders(item), 0);
    EXPECT_EQ(description(item), last_edit);
  }
}

TEST_P(MixedWriters, CartAddsAtOnce_EachOneCounts_AndNeverBeyondStock) {
  for (int round = 0; round < 3; ++round) {
    Headers shopper = seed_->user("adder" + std::to_string(round) + "@example.com");
    std::string plenty = seed_->product("Plenty", 100, 1000);
    std::string scarce = seed_->product("Scarce", 100, 5);
    Tally plenty_adds, scarce_adds;
    std::vector<std::function<void()>> tasks;
    for (int i = 0; i < 10; ++i) {
      tasks.emplace_back([&] {
        HttpClient c(server_->port());
        plenty_adds.add(add(c, shopper, plenty).status);
      });
      tasks.emplace_back([&] {
        HttpClient c(server_->port());
        scarce_adds.add(add(c, shopper, scarce).status);
      });
    }
    all_at_once(tasks);
    EXPECT_EQ(plenty_adds[200], 10) << plenty_adds.str();
    EXPECT_EQ(units_in_cart(plenty), 10) << "adds were lost";
    EXPECT_EQ(scarce_adds[200], 5) << scarce_adds.str();
    EXPECT_EQ(scarce_adds[409], 5) << scarce_adds.str();
    EXPECT_EQ(units_in_cart(scarce), 5) << "the cart holds more than the stock";
  }
}

TEST_P(MixedWriters, CartAddsDuringCheckouts_LoseNoUnit) {
  for (int round = 0; round < 3; ++round) {
    constexpr std::int64_t kStock = 1000;
    constexpr int kAdds = 20;
    Headers shopper = seed_->user("busy" + std::to_string(round) + "@example.com");
    std::string item = seed_->product("Everyday", 250, kStock);
    Tally adds, orders;
    std::atomic<bool> adding{true};
    all_at_once({[&] {
                   HttpClient c(server_->port());
                   for (int i = 0; i < kAdds; ++i)
                     adds.add(add(c, shopper, item).status);
                   adding = false;
                 },
                 [&] {
                   HttpClient c(server_->port());
                   while (adding.load())
                     orders.add(place(c, shopper).status);
                   orders.add(place(c, shopper).status);
                 }});
    EXPECT_EQ(adds[200], kAdds) << adds.str();
    EXPECT_GE(orders[201], 1) << orders.str();
    EXPECT_EQ(orders[201] + orders[400], orders.total())
        << "only placed or empty: " << orders.str();
    EXPECT_EQ(units_in_cart(item) + units_in_live_orders(item), kAdds)
        << "an add was lost or counted twice; orders " << orders.str();
    EXPECT_EQ(seed_->stock(item) + units_in_live_orders(item), kStock);
  }
}

TEST_P(MixedWriters, AdminSetsStockDuringCheckouts_SellsExactlyWhatWasSet) {
  for (int round = 0; round < 3; ++round) {
    constexpr int kBuyers = 30;
    constexpr std::int64_t kSet = 25;
    std::string item = seed_->product("Restocked", 900, kBuyers);
    auto people = buyers(kBuyers, "r" + std::to_string(round) + "-wait");
    for (const auto& b : people)
      ASSERT_EQ(add(*client_, b, item).status, 200);
    {
      auto lease = store_->acquire();
      lease.execute("UPDATE products SET stock = 0 WHERE id = $1", {item});  // sold out
    }
    Tally orders;
    std::atomic<int> left{kBuyers};
    std::atomic<bool> done{false}, restocked{false};
    int edits = 0;
    std::vector<std::function<void()>> tasks;
    for (const auto& b : people)
      tasks.emplace_back([&, b] {
        HttpClient c(server_->port());
        // At first there is nothing to sell: buyers keep trying until a 409 that came after the
        // restock (nothing adds stock after it, so that one means sold out).
        auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        int status = 0;
        for (;;) {
          bool after_restock = restocked.load();
          status = place(c, b).status;
          if (status != 409 || after_restock || std::chrono::steady_clock::now() > give_up) break;
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        orders.add(status);
        if (--left == 0) done = true;
      });
    tasks.emplace_back([&] {
      HttpClient c(server_->port());
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      auto r = patch_product(c, item, R"({"stock":)" + std::to_string(kSet) + "}");
      EXPECT_EQ(r.status, 200) << r.body;
      EXPECT_EQ(r.json().at("product").at("stock"), kSet);
      restocked = true;
      edit_descriptions_until(done, item, edits);
    });
    all_at_once(tasks);
    EXPECT_EQ(orders[201], kSet) << orders.str();
    EXPECT_EQ(seed_->stock(item) + units_in_live_orders(item), kSet)
        << "units appeared or vanished (" << edits << " description edits)";
    EXPECT_EQ(seed_->stock(item), 0);
  }
}

TEST_P(MixedWriters, AvatarsUploadedAtOnce_LeaveOneFile_TheOneInTheProfile) {
  std::vector<std::string> images;
  for (int i = 0; i < 4; ++i)
    images.push_back(make_jpeg(64 + 8 * i, 64));
  for (int round = 0; round < 3; ++round) {
    Headers who = seed_->user("face" + std::to_string(round) + "@example.com");
    Tally uploads;
    std::vector<std::function<void()>> tasks;
    for (const auto& image : images)
      tasks.emplace_back([&, image] {
        HttpClient c(server_->port());
        MultipartBody body;
        body.file("avatar", "me.jpg", "image/jpeg", image);
        Headers h = {who[0], {"Content-Type", MultipartBody::content_type()}};
        uploads.add(c.request("POST", "/api/users/avatar", body.str(), h).status);
      });
    all_at_once(tasks);
    EXPECT_EQ(uploads[200], 4) << uploads.str();
    auto profile = client_->get("/api/users/profile", who);
    ASSERT_EQ(profile.status, 200);
    std::string url(profile.json().at("avatar").at("url").as_string());
    EXPECT_EQ(client_->get(url.substr(url.find("/media/"))).status, 200);
    EXPECT_EQ(files_on_disk(), files_referenced())
        << "an avatar replaced at the same moment left its file behind, or lost the new one";
  }
}

TEST_P(MixedWriters, PictureSharedByContent_NeverDisappearsUnderItsUsers) {
  const std::string x = make_jpeg(96, 64), y = make_jpeg(64, 96);
  auto image_path = [](const HttpResponse& r) {
    std::string url(r.json().at("product").at("image").as_string());
    return url.substr(url.find("/media/"));
  };
  for (int round = 0; round < 20; ++round) {
    auto a = upload_product(*client_, "POST", "/api/products", "A", x);
    ASSERT_EQ(a.status, 201) << a.body;
    std::string a_id(a.json().at("product").at("_id").as_string());
    // A's picture is replaced (X is no longer A's) while B is created with the same bytes X.
    HttpResponse replaced, b;
    auto jitter = std::chrono::milliseconds(round % 5);
    all_at_once({[&] {
                   HttpClient c(server_->port());
                   replaced = upload_product(c, "PUT", "/api/products/" + a_id, "A", y);
                 },
                 [&] {
                   HttpClient c(server_->port());
                   std::this_thread::sleep_for(jitter);
                   b = upload_product(c, "POST", "/api/products", "B", x);
                 }});
    ASSERT_EQ(replaced.status, 200) << replaced.body;
    ASSERT_EQ(b.status, 201) << b.body;
    EXPECT_EQ(client_->get(image_path(b)).status, 200) << "round " << round;
    std::string b_id(b.json().at("product").at("_id").as_string());
    // B is deleted while C is created with the same bytes X.
    HttpResponse removed, c_made;
    all_at_once({[&] {
                   HttpClient c(server_->port());
                   removed = c.request("DELETE", "/api/products/" + b_id, "", admin_);
                 },
                 [&] {
                   HttpClient c(server_->port());
                   std::this_thread::sleep_for(jitter);
                   c_made = upload_product(c, "POST", "/api/products", "C", x);
                 }});
    ASSERT_EQ(removed.status, 200) << removed.body;
    ASSERT_EQ(c_made.status, 201) << c_made.body;
    EXPECT_EQ(client_->get(image_path(c_made)).status, 200) << "round " << round;
    EXPECT_EQ(files_on_disk(), files_referenced()) << "round " << round;
    // Clean up for the next round: nothing refers to any file afterwards.
    std::string c_id(c_made.json().at("product").at("_id").as_string());
    ASSERT_EQ(client_->request("DELETE", "/api/products/" + a_id, "", admin_).status, 200);
    ASSERT_EQ(client_->request("DELETE", "/api/products/" + c_id, "", admin_).status, 200);
    EXPECT_EQ(files_on_disk(), std::set<std::string>{}) << "round " << round;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, MixedWriters, ::testing::ValuesIn(backend_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace shop::test
