#include "auth/password_hasher.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <mutex>
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
  PasswordHasher hasher(1);
  std::string h = hasher.hash("correct horse battery staple");
  EXPECT_EQ(h.rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << h;
  EXPECT_TRUE(hasher.verify("correct horse battery staple", h));
  EXPECT_FALSE(hasher.needs_rehash(h));
}

TEST(PasswordHasher, VerifiesOnlyTheSamePassword) {
  PasswordHasher hasher(1, {}, kCheap);
  std::string h = hasher.hash("s3cret-pass");
  EXPECT_TRUE(hasher.verify("s3cret-pass", h));
  EXPECT_FALSE(hasher.verify("s3cret-pasS", h));
  EXPECT_FALSE(hasher.verify("", h));
  EXPECT_NE(hasher.hash("s3cret-pass"), h);  // salted
}

TEST(PasswordHasher, WholePasswordCountsNoTruncation) {
  PasswordHasher hasher(1, {}, kCheap);
  std::string long_a(127, 'p'), long_b(127, 'p');
  long_a += 'a';
  long_b += 'b';
  EXPECT_FALSE(hasher.verify(long_b, hasher.hash(long_a)));
  std::string with_nul("abc\0def", 7);
  EXPECT_FALSE(hasher.verify("abc", hasher.hash(with_nul)));
}

TEST(PasswordHasher, AnyUnicode) {
  PasswordHasher hasher(1, {}, kCheap);
  std::string pw = "pässwörd-密码-🔑";
  EXPECT_TRUE(hasher.verify(pw, hasher.hash(pw)));
}

TEST(PasswordHasher, GarbageStoredHashIsFalseNotACrash) {
  PasswordHasher hasher(1, {}, kCheap);
  EXPECT_FALSE(hasher.verify("x", "not a hash"));
  EXPECT_FALSE(hasher.verify("x", ""));
  EXPECT_TRUE(hasher.needs_rehash("$2b$10$bcryptstyle"));
}

TEST(PasswordHasher, UnknownEmailStillDoesTheWork) {
  PasswordHasher hasher(1, {}, kCheap);
  hasher.verify_unknown("whatever");  // hashes once, then verifies like a real account
  hasher.verify_unknown("whatever else");
}

// Everyone asks at the same moment, each on a thread of its own; returns {done, refused}, and
// the Retry-After of every refusal.
struct Rush {
  int done = 0;
  int refused = 0;
  std::vector<std::chrono::seconds> retry_after;
};
Rush rush(PasswordHasher& hasher, int callers) {
  Rush r;
  std::mutex m;
  std::latch start(callers);
  std::vector<std::thread> threads;
  for (int i = 0; i < callers; ++i)
    threads.emplace_back([&] {
      start.arrive_and_wait();
      try {
        hasher.hash("pw");
        std::lock_guard lock(m);
        ++r.done;
      } catch (const Error& e) {
        std::lock_guard lock(m);
        EXPECT_EQ(e.code(), ErrorCode::unavailable);
        ++r.refused;
        r.retry_after.push_back(e.retry_after().value_or(std::chrono::seconds(0)));
      }
    });
  for (auto& t : threads)
    t.join();
  return r;
}

TEST(PasswordHasher, ARushQueuesInOrder_WhileTheExpectedWaitStaysUnderTheBound) {
  // Real cost (about 0.1 s a hash), one thread: ten at once expect at most ~1.5 s: all served.
  PasswordHasher hasher(1);
  Rush r = rush(hasher, 10);
  EXPECT_EQ(r.done, 10);
  EXPECT_EQ(r.refused, 0);
  EXPECT_GT(hasher.hash_time(), std::chrono::milliseconds(1));  // measured, not the guess
}

TEST(PasswordHasher, BeyondTheExpectedWait_RefusesAtOnceWithRetryAfter) {
  // A hash is guessed at 100 ms, one thread, 300 ms of wait allowed: of eight at once, those
  // with at most three ahead are admitted, the others refused at once.
  PasswordHasher hasher(1, {.max_wait = std::chrono::milliseconds(300),
                            .deadline = std::chrono::seconds(30),
                            .first_estimate = std::chrono::milliseconds(100)});
  Rush r = rush(hasher, 8);
  EXPECT_GE(r.done, 4);     // more only if a straggler arrived after the first hashes ended
  EXPECT_GE(r.refused, 2);  // normally 4
  EXPECT_EQ(r.done + r.refused, 8);
  for (auto after : r.retry_after)
    EXPECT_GE(after, std::chrono::seconds(1));
}

TEST(PasswordHasher, OneThatWaitedPastItsDeadline_IsRefusedWhenItsTurnComes) {
  // Everything is admitted (the guess is 1 ms), but a real hash takes tens of milliseconds:
  // those still waiting after 5 ms are refused rather than served late.
  PasswordHasher hasher(1, {.max_wait = std::chrono::seconds(10),
                            .deadline = std::chrono::milliseconds(5),
                            .first_estimate = std::chrono::milliseconds(1)});
  Rush r = rush(hasher, 6);
  EXPECT_GE(r.done, 1);
  EXPECT_GE(r.refused, 2);
  EXPECT_EQ(r.done + r.refused, 6);
}

}  // namespace
}  // namespace shop::auth
