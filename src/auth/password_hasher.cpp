#include "auth/password_hasher.hpp"

#include <sodium.h>

#include <algorithm>
#include <future>
#include <optional>
#include <stdexcept>

#include "core/error.hpp"

namespace shop::auth {
namespace {

// Hashing yields the CPU to the I/O and worker threads when both want it.
constexpr int kHashingNice = 10;
// The pool's own bound, far beyond what admission lets in (HashQueueLimits::max_wait).
constexpr std::size_t kMaxQueue = 4096;

}  // namespace

PasswordHasher::PasswordHasher(std::size_t threads, HashQueueLimits limits, Argon2Cost cost)
    : cost_(cost),
      limits_(limits),
      threads_(std::max<std::size_t>(1, threads)),
      estimate_us_(std::chrono::microseconds(limits.first_estimate).count()),
      pool_(threads_, kMaxQueue, kHashingNice) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialize");
}

std::chrono::milliseconds PasswordHasher::wait_behind(std::size_t ahead) const {
  // Ahead of a new hash: the ones waiting and the ones running, served `threads_` at a time.
  std::int64_t us = estimate_us_.load(std::memory_order_relaxed) *
                    static_cast<std::int64_t>(ahead) / static_cast<std::int64_t>(threads_);
  return std::chrono::milliseconds((us + 999) / 1000);
}

void PasswordHasher::record(std::chrono::steady_clock::duration took) {
  std::int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(took).count();
  // The first measurement replaces the guess; then a moving average follows the machine's load.
  if (!measured_.exchange(true)) {
    estimate_us_.store(us, std::memory_order_relaxed);
    return;
  }
  std::int64_t old = estimate_us_.load(std::memory_order_relaxed);
  estimate_us_.store((old * 4 + us) / 5, std::memory_order_relaxed);
}

namespace {

// The refusal of a hash that would wait `over` beyond the admitted wait.
Error busy(std::chrono::milliseconds over) {
  auto seconds = std::chrono::ceil<std::chrono::seconds>(over);
  return Error(ErrorCode::unavailable, "Server is busy, try again")
      .with_retry_after(std::max(seconds, std::chrono::seconds(1)));
}

}  // namespace

void PasswordHasher::refuse_if_saturated() const {
  std::chrono::milliseconds expected = expected_wait();
  if (expected > limits_.max_wait) throw busy(expected - limits_.max_wait);
}

template <class F>
auto PasswordHasher::run(F&& fn) -> decltype(fn()) {
  using R = decltype(fn());
  using steady = std::chrono::steady_clock;
  struct Release {
    std::atomic<std::size_t>& n;
    ~Release() { n.fetch_sub(1); }
  } release{in_flight_};
  std::chrono::milliseconds expected = wait_behind(in_flight_.fetch_add(1));
  if (expected > limits_.max_wait) throw busy(expected - limits_.max_wait);
  const steady::time_point queued_at = steady::now();
  auto task = std::make_shared<std::packaged_task<std::optional<R>()>>(
      [this, &fn, queued_at]() -> std::optional<R> {
        const steady::time_point started = steady::now();
        if (started - queued_at > limits_.deadline) return std::nullopt;
        R result = fn();
        record(steady::now() - started);
        return result;
      });
  std::future<std::optional<R>> result = task->get_future();
  if (!pool_.try_post([task] { (*task)(); })) throw busy(limits_.max_wait);
  std::optional<R> value = result.get();
  if (!value) throw busy(limits_.max_wait);
  return std::move(*value);
}

std::string PasswordHasher::hash(std::string_view password) {
  return run([this, password] {
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, password.data(), password.size(), cost_.passes,
                              cost_.memory_bytes, crypto_pwhash_ALG_ARGON2ID13) != 0)
      throw std::runtime_error("password hashing ran out of memory");
    return std::string(out);
  });
}

bool PasswordHasher::verify(std::string_view password, std::string_view stored_hash) {
  std::string stored(stored_hash);  // libsodium wants a NUL-terminated string
  return run([&] {
    return crypto_pwhash_str_verify(stored.c_str(), password.data(), password.size()) == 0;
  });
}

void PasswordHasher::verify_unknown(std::string_view password) {
  verify(password, dummy_hash());
}

bool PasswordHasher::needs_rehash(std::string_view stored_hash) const {
  std::string stored(stored_hash);
  return crypto_pwhash_str_needs_rehash(stored.c_str(), cost_.passes, cost_.memory_bytes) != 0;
}

const std::string& PasswordHasher::dummy_hash() {
  std::call_once(dummy_once_, [this] {
    unsigned char random[16];
    randombytes_buf(random, sizeof random);
    dummy_hash_ = hash(std::string_view(reinterpret_cast<const char*>(random), sizeof random));
  });
  return dummy_hash_;
}

}  // namespace shop::auth
