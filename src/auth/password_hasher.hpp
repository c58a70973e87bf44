#pragma once

#include <atomic>
#include <cstddef>
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

// Hashes and verifies passwords with Argon2id (libsodium) on a bounded pool of its own, so a
// flood of logins waits there, or is refused with Error{unavailable}, instead of taking every
// worker thread from the rest of the API.
class PasswordHasher {
 public:
  // threads: how many hashes run at once; max_in_flight: running + waiting, beyond which callers
  // are refused at once.
  PasswordHasher(std::size_t threads, std::size_t max_in_flight, Argon2Cost cost = {});

  // The encoded hash ($argon2id$...) of the whole password (no truncation). Blocks the caller.
  std::string hash(std::string_view password);
  // True when password matches the stored hash. Blocks the caller.
  bool verify(std::string_view password, std::string_view stored_hash);
  // Costs what verify() costs, for an email that has no account, so timing reveals nothing.
  void verify_unknown(std::string_view password);
  // True when a stored hash was made with another cost or algorithm.
  bool needs_rehash(std::string_view stored_hash) const;
  // True when a new hash would be refused now; lets callers refuse before doing other work.
  bool saturated() const { return in_flight_.load() >= max_in_flight_; }

 private:
  // Runs fn on the hashing pool and waits for it; throws Error{unavailable} when full.
  template <class F>
  auto run(F&& fn) -> decltype(fn());
  const std::string& dummy_hash();

  Argon2Cost cost_;
  std::size_t max_in_flight_;
  std::atomic<std::size_t> in_flight_{0};
  std::once_flag dummy_once_;
  std::string dummy_hash_;
  ThreadPool pool_;
};

}  // namespace shop::auth
