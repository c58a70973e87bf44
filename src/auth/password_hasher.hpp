#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "core/thread_pool.hpp"

namespace shop::auth {

// Argon2id cost; the defaults are the OWASP minimum (19 MiB, 2 passes, 1 lane).
struct Argon2Cost {
  unsigned long long passes = 2;
  std::size_t memory_bytes = 19 * 1024 * 1024;
};

// How long a hash may wait for its turn.
struct HashQueueLimits {
  // A hash is admitted while the wait it can expect (hashes ahead × the measured time of one ÷
  // threads) stays under this; beyond, it is refused at once with a Retry-After.
  std::chrono::milliseconds max_wait{3000};
  // One that waited longer than this anyway (the estimate was wrong) is refused when its turn
  // comes, rather than answered after the client gave up.
  std::chrono::milliseconds deadline{6000};
  // The time of one hash until one was measured.
  std::chrono::milliseconds first_estimate{150};
};

// Hashes and verifies passwords with Argon2id (libsodium) on a pool of its own, at low
// priority, in arrival order: a sign-up rush queues, a flood beyond what the pool can serve in
// HashQueueLimits::max_wait is refused with Error{unavailable} and a Retry-After.
class PasswordHasher {
 public:
  // threads: how many hashes run at once.
  explicit PasswordHasher(std::size_t threads, HashQueueLimits limits = {}, Argon2Cost cost = {});

  // The encoded hash ($argon2id$...) of the whole password (no truncation). Blocks the caller.
  std::string hash(std::string_view password);
  // True when password matches the stored hash. Blocks the caller.
  bool verify(std::string_view password, std::string_view stored_hash);
  // Costs what verify() costs, for an email that has no account, so timing reveals nothing.
  void verify_unknown(std::string_view password);
  // True when a stored hash was made with another cost or algorithm.
  bool needs_rehash(std::string_view stored_hash) const;
  // The wait a hash asked for now can expect.
  std::chrono::milliseconds expected_wait() const { return wait_behind(in_flight_.load()); }
  // Throws the Error{unavailable} (with Retry-After) that a hash asked for now would get, so
  // callers can refuse before doing other work.
  void refuse_if_saturated() const;
  const HashQueueLimits& limits() const { return limits_; }
  // The measured time of one hash (an average of the recent ones).
  std::chrono::microseconds hash_time() const {
    return std::chrono::microseconds(estimate_us_.load(std::memory_order_relaxed));
  }

 private:
  // Runs fn on the hashing pool and waits for it; throws Error{unavailable} when refused.
  template <class F>
  auto run(F&& fn) -> decltype(fn());
  std::chrono::milliseconds wait_behind(std::size_t ahead) const;
  void record(std::chrono::steady_clock::duration took);
  const std::string& dummy_hash();

  Argon2Cost cost_;
  HashQueueLimits limits_;
  std::size_t threads_;
  std::atomic<std::size_t> in_flight_{0};  // waiting + running
  std::atomic<std::int64_t> estimate_us_;
  std::atomic<bool> measured_{false};
  std::once_flag dummy_once_;
  std::string dummy_hash_;
  ThreadPool pool_;
};

}  // namespace shop::auth
