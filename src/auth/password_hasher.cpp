#include "auth/password_hasher.hpp"

#include <sodium.h>

#include <future>
#include <stdexcept>

#include "core/error.hpp"

namespace shop::auth {
namespace {

// Hashing yields the CPU to the I/O and worker threads when both want it.
constexpr int kHashingNice = 10;

}  // namespace

PasswordHasher::PasswordHasher(std::size_t threads, std::size_t max_in_flight, Argon2Cost cost)
    : cost_(cost), max_in_flight_(max_in_flight), pool_(threads, max_in_flight, kHashingNice) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialize");
}

template <class F>
auto PasswordHasher::run(F&& fn) -> decltype(fn()) {
  using R = decltype(fn());
  if (in_flight_.fetch_add(1) >= max_in_flight_) {
    in_flight_.fetch_sub(1);
    throw Error(ErrorCode::unavailable, "Server is busy, try again");
  }
  struct Release {
    std::atomic<std::size_t>& n;
    ~Release() { n.fetch_sub(1); }
  } release{in_flight_};
  auto task = std::make_shared<std::packaged_task<R()>>(std::forward<F>(fn));
  std::future<R> result = task->get_future();
  if (!pool_.try_post([task] { (*task)(); }))
    throw Error(ErrorCode::unavailable, "Server is busy, try again");
  return result.get();
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
