#include "auth/password_hasher.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <thread>

#include "core/error.hpp"

namespace shop::auth {
namespace {

// Cheap parameters keep the tests fast; the production default is checked separately.
const Argon2Cost kCheap{1, 64 * 1024};

TEST(PasswordHasher, DefaultCostIsAtLeastTheOwaspMinimum) {
  Argon2Cost c;
  EXPECT_GE(c.passes, 2u);
  EXPECT_GE(c.memory_bytes, 19u * 1024 * 1024);
  PasswordHasher hasher(1, 4);
  std::string h = hasher.hash("correct horse battery staple");
  EXPECT_EQ(h.rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << h;
  EXPECT_TRUE(hasher.verify("correct horse battery staple", h));
  EXPECT_FALSE(hasher.needs_rehash(h));
}

TEST(PasswordHasher, VerifiesOnlyTheSamePassword) {
  PasswordHasher hasher(1, 4, kCheap);
  std::string h = hasher.hash("s3cret-pass");
  EXPECT_TRUE(hasher.verify("s3cret-pass", h));
  EXPECT_FALSE(hasher.verify("s3cret-pasS", h));
  EXPECT_FALSE(hasher.verify("", h));
  EXPECT_NE(hasher.hash("s3cret-pass"), h);  // salted
}

TEST(PasswordHasher, WholePasswordCountsNoTruncation) {
  PasswordHasher hasher(1, 4, kCheap);
  std::string long_a(127, 'p'), long_b(127, 'p');
  long_a += 'a';
  long_b += 'b';
  EXPECT_FALSE(hasher.verify(long_b, hasher.hash(long_a)));
  std::string with_nul("abc\0def", 7);
  EXPECT_FALSE(hasher.verify("abc", hasher.hash(with_nul)));
}

TEST(PasswordHasher, AnyUnicode) {
  PasswordHasher hasher(1, 4, kCheap);
  std::string pw = "pässwörd-密码-🔑";
  EXPECT_TRUE(hasher.verify(pw, hasher.hash(pw)));
}

TEST(PasswordHasher, GarbageStoredHashIsFalseNotACrash) {
  PasswordHasher hasher(1, 4, kCheap);
  EXPECT_FALSE(hasher.verify("x", "not a hash"));
  EXPECT_FALSE(hasher.verify("x", ""));
  EXPECT_TRUE(hasher.needs_rehash("$2b$10$bcryptstyle"));
}

TEST(PasswordHasher, UnknownEmailStillDoesTheWork) {
  PasswordHasher hasher(1, 4, kCheap);
  hasher.verify_unknown("whatever");  // hashes once, then verifies like a real account
  hasher.verify_unknown("whatever else");
}

TEST(PasswordHasher, RefusesBeyondItsBoundInsteadOfQueueingForever) {
  // Real cost so calls overlap; 1 thread and room for 2 in flight.
  PasswordHasher hasher(1, 2);
  std::atomic<int> done{0}, refused{0};
  std::vector<std::thread> callers;
  std::latch start(8);
  for (int i = 0; i < 8; ++i)
    callers.emplace_back([&] {
      start.arrive_and_wait();  // all eight ask at the same moment
      try {
        hasher.hash("pw");
        ++done;
      } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::unavailable);
        ++refused;
      }
    });
  for (auto& t : callers)
    t.join();
  EXPECT_GE(done.load(), 1);
  EXPECT_GE(refused.load(), 1);
  EXPECT_EQ(done.load() + refused.load(), 8);
}

}  // namespace
}  // namespace shop::auth
