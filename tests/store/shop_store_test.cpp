// The catalog, cart and media-reference stores on every backend: each write changes only what it
// names and decides in the database, so writers that meet lose nothing.
#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <future>
#include <latch>
#include <thread>

#include "auth/user_store.hpp"
#include "cart/cart_store.hpp"
#include "catalog/product_store.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/time.hpp"
#include "media/media_references.hpp"
#include "media/media_store.hpp"
#include "orders/order_store.hpp"
#include "storage/migrator.hpp"
#include "storage/transaction.hpp"
#include "store_fixture.hpp"

namespace shop::storage::store_test {
namespace {

using catalog::Product;
using catalog::ProductChanges;
using catalog::ProductStore;

class ShopStore : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped()) return;
    Migrator(*db_).apply();
  }

  std::string product(std::int64_t stock, std::optional<std::string> image = std::nullopt) {
    Product p;
    p.id = new_id();
    p.name = "Mug";
    p.description = "white";
    p.price = 1250;
    p.category = "Kitchen";
    p.stock = stock;
    p.image_list = image;
    p.image_detail = image;
    p.created_at = p.updated_at = 1000;
    auto lease = db_->acquire();
    products_.insert(lease, p);
    return p.id;
  }
  std::string user() {
    auth::User u{new_id(), new_id() + "@example.com", "U", "h", "user", std::nullopt, 1, 1};
    auto lease = db_->acquire();
    auth::UserStore().insert(lease, u);
    return u.id;
  }

  ProductStore products_;
  cart::CartStore carts_;
};

TEST_P(ShopStore, ProductUpdate_WritesOnlyTheFieldsGiven) {
  std::string id = product(10);
  {
    // A checkout took 3 units after the admin's form was loaded; the edit names no stock.
    auto lease = db_->acquire();
    products_.return_stock(lease, id, -3);
    auto updated = products_.update(lease, id, {.description = "blue"}, 5000);
    ASSERT_TRUE(updated);
    EXPECT_EQ(updated->description, "blue");
    EXPECT_EQ(updated->stock, 7);
    EXPECT_EQ(updated->name, "Mug");
    EXPECT_EQ(updated->price, 1250);
    EXPECT_EQ(updated->updated_at, 5000);
    auto older = products_.update(lease, id, {.name = "Cup", .price = 99}, 4000);
    EXPECT_EQ(older->name, "Cup");
    EXPECT_EQ(older->price, 99);
    EXPECT_EQ(older->updated_at, 5000);                                      // never backwards
    EXPECT_EQ(products_.update(lease, id, {.stock = 40}, 6000)->stock, 40);  // sent: set
    EXPECT_FALSE(products_.update(lease, new_id(), {.stock = 1}, 1));
  }
  auto lease = db_->acquire();
  // The name is searchable under its new spelling.
  catalog::ProductQuery q;
  q.search = "cup";
  EXPECT_EQ(products_.list(lease, q).total, 1);
}

TEST_P(ShopStore, ProductRemove_ReturnsTheRowItDeleted) {
  std::string id = product(1, "0123456789abcdef0123456789abcdef.jpg");
  auto lease = db_->acquire();
  auto removed = products_.remove(lease, id);
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->image_detail, "0123456789abcdef0123456789abcdef.jpg");
  EXPECT_FALSE(products_.remove(lease, id));
}

TEST_P(ShopStore, ProductEditsAndStockChangesAtOnce_LoseNoUnit) {
  std::string id = product(1000);
  auto second = open({.pool_size = 8});
  std::latch go(2);
  std::thread editor([&] {
    go.arrive_and_wait();
    for (int i = 0; i < 200; ++i) {
      auto lease = second->acquire();
      products_.update(lease, id, {.description = "edit " + std::to_string(i)}, 2000 + i);
    }
  });
  std::thread seller([&] {
    go.arrive_and_wait();
    for (int i = 0; i < 200; ++i) {
      auto lease = second->acquire();
      products_.return_stock(lease, id, -1);
    }
  });
  editor.join();
  seller.join();
  auto lease = db_->acquire();
  EXPECT_EQ(products_.find(lease, id)->stock, 800);
}

TEST_P(ShopStore, CartAdd_AddsToTheStoredQuantity_WithinStockAndMaximum) {
  std::string u = user(), p = product(5), gone = new_id();
  auto lease = db_->acquire();
  EXPECT_EQ(carts_.add(lease, u, p, 2, 1000, 1), 2);
  EXPECT_EQ(carts_.add(lease, u, p, 3, 1000, 2), 5);
  EXPECT_FALSE(carts_.add(lease, u, p, 1, 1000, 3));  // 6 > stock 5
  EXPECT_FALSE(carts_.add(lease, u, gone, 1, 1000, 3));
  EXPECT_EQ(carts_.availability(lease, u, p)->held, 5);
  std::string many = product(5000);
  EXPECT_EQ(carts_.add(lease, u, many, 999, 1000, 4), 999);
  EXPECT_FALSE(carts_.add(lease, u, many, 2, 1000, 5));  // over the per-line maximum
  EXPECT_FALSE(carts_.add(lease, u, many, 1001, 1000, 5));
  EXPECT_EQ(carts_.set_quantity(lease, u, many, 3, 6), 3);
  EXPECT_FALSE(carts_.set_quantity(lease, u, p, 6, 7));  // beyond stock: unchanged
  EXPECT_EQ(carts_.availability(lease, u, p)->held, 5);
}

TEST_P(ShopStore, CartAddsAtOnce_EachCounts_NoneBeyondStock) {
  std::string u = user(), plenty = product(1000), scarce = product(7);
  auto second = open({.pool_size = 16});
  constexpr int kThreads = 12;
  std::atomic<int> scarce_ok{0};
  std::latch go(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      go.arrive_and_wait();
      for (int i = 0; i < 5; ++i) {
        auto lease = second->acquire();
        carts_.add(lease, u, plenty, 1, 1000, 1);
        if (carts_.add(lease, u, scarce, 1, 1000, 1)) ++scarce_ok;
      }
    });
  for (auto& t : threads)
    t.join();
  auto lease = db_->acquire();
  EXPECT_EQ(carts_.availability(lease, u, plenty)->held, kThreads * 5);
  EXPECT_EQ(carts_.availability(lease, u, scarce)->held, 7);
  EXPECT_EQ(scarce_ok.load(), 7);
}

TEST_P(ShopStore, DeductCart_TakesEveryLine_DeductsStock_EmptiesOnlyThatCart) {
  std::string u = user(), other = user(), a = product(5), b = product(3);
  orders::OrderStore order_store;
  auto lease = db_->acquire();
  ASSERT_TRUE(carts_.add(lease, u, a, 2, 1000, 1));
  ASSERT_TRUE(carts_.add(lease, u, b, 3, 1000, 2));
  ASSERT_TRUE(carts_.add(lease, other, a, 1, 1000, 3));
  {
    Transaction tx(lease, TxMode::write);
    orders::CartDeduction taken = order_store.deduct_cart(tx, u);
    tx.commit();
    EXPECT_FALSE(taken.came_short);
    ASSERT_EQ(taken.items.size(), 2u);
    EXPECT_EQ(taken.items[0].quantity + taken.items[1].quantity, 5);
    EXPECT_EQ(taken.items[0].name, "Mug");
    EXPECT_EQ(taken.items[0].price, 1250);
  }
  EXPECT_EQ(products_.find(lease, a)->stock, 3);
  EXPECT_EQ(products_.find(lease, b)->stock, 0);
  EXPECT_TRUE(carts_.lines(lease, u).empty());
  EXPECT_EQ(carts_.lines(lease, other).size(), 1u);  // another buyer's cart stays
  Transaction again(lease, TxMode::write);
  EXPECT_TRUE(order_store.deduct_cart(again, u).items.empty());  // an empty cart takes nothing
}

TEST_P(ShopStore, DeductCart_AShortLine_NamesItsProduct_AndRollingBackKeepsEverything) {
  std::string u = user(), plenty = product(50), scarce = product(2);
  orders::OrderStore order_store;
  auto lease = db_->acquire();
  ASSERT_TRUE(carts_.add(lease, u, plenty, 4, 1000, 1));
  ASSERT_TRUE(carts_.add(lease, u, scarce, 2, 1000, 2));
  products_.return_stock(lease, scarce, -1);  // someone bought one meanwhile
  {
    Transaction tx(lease, TxMode::write);
    orders::CartDeduction taken = order_store.deduct_cart(tx, u);
    EXPECT_TRUE(taken.came_short);
    EXPECT_EQ(taken.short_product_name, "Mug");
  }  // rolled back
  EXPECT_EQ(products_.find(lease, plenty)->stock, 50);
  EXPECT_EQ(products_.find(lease, scarce)->stock, 1);
  EXPECT_EQ(carts_.lines(lease, u).size(), 2u);
}

TEST_P(ShopStore, DeductCart_ALineAddedWhileTheOrderIsWritten_StaysInTheCart) {
  std::string u = user(), ordered = product(5), added_meanwhile = product(5);
  orders::OrderStore order_store;
  auto second = open({.pool_size = 1});
  auto lease = db_->acquire();
  ASSERT_TRUE(carts_.add(lease, u, ordered, 1, 1000, 1));
  Transaction tx(lease, TxMode::write);
  orders::CartDeduction taken = order_store.deduct_cart(tx, u);
  ASSERT_EQ(taken.items.size(), 1u);
  // Another request adds a product the checkout did not take. PostgreSQL runs it now; SQLite
  // makes it wait for the checkout's commit (one writer at a time).
  auto add = std::async(std::launch::async, [&] {
    auto other = second->acquire();
    return carts_.add(other, u, added_meanwhile, 1, 1000, 2).has_value();
  });
  add.wait_for(std::chrono::milliseconds(500));
  orders::Order order;
  order.id = new_id();
  order.user_id = u;
  order.items = taken.items;
  order.total = 1250;
  order.created_at = order.updated_at = 3;
  order_store.insert(tx, order);
  tx.commit();
  EXPECT_TRUE(add.get());
  auto left = carts_.lines(lease, u);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].product_id, added_meanwhile);
  auto stored = order_store.find(lease, order.id);
  ASSERT_TRUE(stored);
  ASSERT_EQ(stored->items.size(), 1u);
  EXPECT_EQ(stored->items[0].product_id, ordered);
  EXPECT_EQ(stored->status, orders::OrderStatus::placed);
}

// The media folder and the references, with a product table to refer from.
class MediaRefs : public ShopStore {
 protected:
  void SetUp() override {
    ShopStore::SetUp();
    if (IsSkipped()) return;
    store_ = std::make_unique<media::MediaStore>(dir_.path() / "media");
    refs_ = std::make_unique<media::MediaReferences>(*db_, *store_, clock_, log_);
  }
  // A stored file with these bytes; returns its name.
  std::string stored(const std::string& bytes) {
    return store_->put(bytes, media::ImageFormat::jpeg);
  }
  bool on_disk(const std::string& name) {
    return std::filesystem::exists(dir_.path() / "media" / name);
  }

  SystemClock clock_;
  spdlog::logger log_{"test", std::make_shared<spdlog::sinks::null_sink_mt>()};
  std::unique_ptr<media::MediaStore> store_;
  std::unique_ptr<media::MediaReferences> refs_;
};

TEST_P(MediaRefs, Release_DeletesOnlyFilesNothingUses) {
  std::string used = stored("used"), unused = stored("unused");
  product(1, used);
  refs_->release({used, unused, "not-a-media-name"});
  EXPECT_TRUE(on_disk(used));
  EXPECT_FALSE(on_disk(unused));
  auto lease = db_->acquire();
  EXPECT_EQ(lease.execute("SELECT COUNT(*) FROM media_files").front().get_int(0), 1)
      << "only the lock row of the file still in use is left";
}

TEST_P(MediaRefs, AReservedFileIsNotDeleted_UntilTheUploadFailsOrItsRowGoes) {
  std::string name = media::MediaStore::name_for("picture", media::ImageFormat::jpeg);
  {
    media::Reservation held = refs_->reserve({name});
    EXPECT_EQ(stored("picture"), name);
    refs_->release({name});  // e.g. a product that used the same bytes was deleted meanwhile
    EXPECT_TRUE(on_disk(name)) << "deleted under an upload in progress";
  }  // the upload failed: its reservation goes, and so does the file nothing uses
  EXPECT_FALSE(on_disk(name));

  media::Reservation kept = refs_->reserve({name});
  stored("picture");
  std::string id = product(1);
  storage::with_transaction(*db_, TxMode::write, [&](Transaction& tx) {
    products_.update(tx, id, {.image = ProductChanges::Image{name, name}}, 2);
    kept.settle(tx);
  });
  kept.settled();
  refs_->release({name});
  EXPECT_TRUE(on_disk(name));  // the product uses it
  {
    auto lease = db_->acquire();
    products_.remove(lease, id);
  }
  refs_->release({name});
  EXPECT_FALSE(on_disk(name));
}

TEST_P(MediaRefs, AnUploadOfAFileBeingDeleted_WaitsForTheDeletion) {
  std::string name = stored("twice");
  // A deletion marked the file (it is between its commit and the unlink).
  {
    auto lease = db_->acquire();
    lease.execute("INSERT INTO media_files (name, deleting_since) VALUES ($1, $2)",
                  {name, epoch_ms(clock_.now())});
  }
  std::atomic<bool> reserved{false};
  std::thread upload([&] {
    media::Reservation r = refs_->reserve({name});
    reserved = true;
    r.settled();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(reserved.load()) << "reserved a file while its deletion was under way";
  {
    // The deletion ends: the file is gone and so is the mark.
    auto lease = db_->acquire();
    store_->remove(name);
    lease.execute("DELETE FROM media_files WHERE name = $1", {name});
  }
  upload.join();
  EXPECT_TRUE(reserved.load());
}

TEST_P(MediaRefs, AStaleDeletionMark_IsTakenOver) {
  std::string name = stored("stale");
  {
    auto lease = db_->acquire();
    lease.execute("INSERT INTO media_files (name, deleting_since) VALUES ($1, 1)", {name});
  }
  media::Reservation r = refs_->reserve({name});  // the process that marked it died long ago
  r.settled();
  EXPECT_EQ(refs_->sweep(std::chrono::hours(1)), 0);  // the reservation is fresh
  EXPECT_TRUE(on_disk(name));
}

TEST_P(MediaRefs, Sweep_DropsReservationsOfDeadUploads_AndDeletesTheirFiles) {
  std::string name = stored("orphan");
  {
    auto lease = db_->acquire();
    lease.execute("INSERT INTO media_reservations (token, name, created_at) VALUES ('dead', $1, 1)",
                  {name});
  }
  refs_->release({name});
  EXPECT_TRUE(on_disk(name));  // reserved
  EXPECT_EQ(refs_->sweep(std::chrono::hours(1)), 1);
  EXPECT_FALSE(on_disk(name));
}

TEST_P(MediaRefs, ReleasesAndReservationsAtOnce_NeverLoseAFileInUse) {
  // One side keeps deleting a file nothing uses while the other keeps uploading the same bytes
  // for a product: every product that was committed finds its file on disk.
  auto second = open({.pool_size = 8});
  media::MediaReferences other(*second, *store_, clock_, log_);
  std::string name = media::MediaStore::name_for("shared", media::ImageFormat::jpeg);
  std::atomic<bool> done{false};
  std::thread deleter([&] {
    while (!done.load())
      other.release({name});
  });
  struct StopDeleter {  // also when a round throws, so the test fails instead of aborting
    std::atomic<bool>& done;
    std::thread& deleter;
    ~StopDeleter() {
      done = true;
      if (deleter.joinable()) deleter.join();
    }
  } stop{done, deleter};
  for (int i = 0; i < 40; ++i) {
    media::Reservation r = refs_->reserve({name});
    store_->put("shared", media::ImageFormat::jpeg);
    std::string id = product(1);
    storage::with_transaction(*db_, TxMode::write, [&](Transaction& tx) {
      products_.update(tx, id, {.image = ProductChanges::Image{name, name}}, 2);
      r.settle(tx);
    });
    r.settled();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_TRUE(on_disk(name)) << "round " << i;
    auto lease = db_->acquire();
    products_.remove(lease, id);
  }
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Backends, ShopStore, ::testing::ValuesIn(test::backend_names()),
                         [](const auto& info) { return info.param; });
INSTANTIATE_TEST_SUITE_P(Backends, MediaRefs, ::testing::ValuesIn(test::backend_names()),
                         [](const auto& info) { return info.param; });

}  // namespace shop::storage::store_test
