#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>

namespace shop {

// One holder at a time per key, within the process: the others wait their turn. For work on
// one key that the second caller can skip once the first has finished (a second sign-up of the
// same address finds it taken before it spends a password hash).
class KeyedTurns {
 public:
  // Held until destroyed.
  class Turn {
   public:
    Turn(Turn&& other) noexcept
        : owner_(std::exchange(other.owner_, nullptr)), key_(std::move(other.key_)) {}
    Turn& operator=(Turn&&) = delete;
    Turn(const Turn&) = delete;
    ~Turn() {
      if (owner_ != nullptr) owner_->release(key_);
    }

   private:
    friend class KeyedTurns;
    Turn(KeyedTurns& owner, std::string key) : owner_(&owner), key_(std::move(key)) {}
    KeyedTurns* owner_;
    std::string key_;
  };

  // Waits until nobody holds `key`, at most `timeout`, and takes it; nullopt on timeout.
  std::optional<Turn> take(const std::string& key, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (!freed_.wait_for(lock, timeout, [&] { return !held_.contains(key); })) return std::nullopt;
    held_.insert(key);
    return Turn(*this, key);
  }

  // How many keys are held now.
  std::size_t held() const {
    std::lock_guard lock(mutex_);
    return held_.size();
  }

 private:
  void release(const std::string& key) {
    {
      std::lock_guard lock(mutex_);
      held_.erase(key);
    }
    freed_.notify_all();
  }

  mutable std::mutex mutex_;
  std::condition_variable freed_;
  std::set<std::string> held_;
};

}  // namespace shop
