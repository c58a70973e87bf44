#include "storage/sqlite/write_queue.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <system_error>

namespace shop::storage::sqlite {

std::shared_ptr<WriteQueue> WriteQueue::for_file(const std::string& path) {
  static std::mutex registry_mutex;
  static std::map<std::string, std::weak_ptr<WriteQueue>> registry;
  // One spelling per file; a path that cannot be resolved (no working folder) stays as written.
  std::error_code ec;
  auto resolved = std::filesystem::absolute(path, ec);
  if (!ec) resolved = std::filesystem::weakly_canonical(resolved, ec);
  const std::string key = ec ? path : resolved.string();
  std::lock_guard lock(registry_mutex);
  // Forget files nobody has open any more, so a process that opens many (tests) stays small.
  std::erase_if(registry, [](const auto& entry) { return entry.second.expired(); });
  auto& slot = registry[key];
  auto queue = slot.lock();
  if (!queue) {
    queue = std::make_shared<WriteQueue>();
    slot = queue;
  }
  return queue;
}

namespace {

// SQLite's own pauses between tries for the lock.
constexpr std::chrono::milliseconds kPolls[] = {
    std::chrono::milliseconds(1),  std::chrono::milliseconds(2),  std::chrono::milliseconds(5),
    std::chrono::milliseconds(10), std::chrono::milliseconds(15), std::chrono::milliseconds(20),
    std::chrono::milliseconds(25)};

}  // namespace

bool WriteQueue::enter(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  if (!taken_ && !in_order_) {
    taken_ = true;
    return true;
  }
  Waiter me{std::chrono::steady_clock::now(), {}};
  line_.push_back(&me);
  for (std::size_t tries = 0;; ++tries) {
    const auto now = std::chrono::steady_clock::now();
    const bool first = line_.front() == &me;
    if (first && first_is_overdue(now)) set_in_order(true);
    if (!taken_ && (first || !in_order_)) break;
    if (now >= deadline) {
      leave_line(me);
      return false;
    }
    auto until = deadline;  // in order, the first is woken by leave() and the others by their turn
    if (!in_order_) {
      until = std::min(deadline, now + kPolls[std::min(tries, std::size(kPolls) - 1)]);
      if (first) until = std::min(until, me.since + patience_);
    }
    me.turn.wait_until(lock, until);
  }
  taken_ = true;
  leave_line(me);
  return true;
}

void WriteQueue::leave() {
  std::lock_guard lock(mutex_);
  taken_ = false;
  if (in_order_) line_.front()->turn.notify_one();
}

bool WriteQueue::first_is_overdue(std::chrono::steady_clock::time_point now) const {
  return !line_.empty() && now - line_.front()->since >= patience_;
}

void WriteQueue::set_in_order(bool in_order) {
  // Out of order again: the waiters asleep until their turn go back to polling.
  if (in_order_ && !in_order)
    for (Waiter* waiter : line_)
      waiter->turn.notify_one();
  in_order_ = in_order;
}

void WriteQueue::leave_line(Waiter& waiter) {
  line_.erase(std::find(line_.begin(), line_.end(), &waiter));
  set_in_order(first_is_overdue(std::chrono::steady_clock::now()));
  // A new first in line, overdue too, waits for a turn that may already be free.
  if (in_order_ && !taken_) line_.front()->turn.notify_one();
}

std::size_t WriteQueue::waiting() const {
  std::lock_guard lock(mutex_);
  return line_.size();
}

}  // namespace shop::storage::sqlite
