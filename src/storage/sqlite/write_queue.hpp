#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

namespace shop::storage::sqlite {

// The writers of one SQLite file in this process, with a bound on how long one waits.
//
// SQLite lets one writer in at a time and makes the others poll: a waiting writer sleeps 1, 2, 5,
// 10 ... up to 100 ms between tries, while a writer that arrives as the lock comes free takes it at
// once. Under a steady stream of writes one request could lose every try, wait out its whole busy
// timeout and fail (a 503 for a checkout). Here the writers of a file wait in line and poll the
// same way, which keeps the one that is running running (handing each turn to a sleeping thread
// costs a context switch per write, about 40% of checkouts per second on two cores). But once the
// first in line has waited `patience`, nobody goes past the line any more: each turn goes to the
// first in line, woken the moment the file is free, until nobody waiting is overdue.
// SQLite's own lock still guards the file against other processes (the CLI, a second server).
class WriteQueue {
 public:
  static constexpr std::chrono::milliseconds kPatience{250};

  explicit WriteQueue(std::chrono::milliseconds patience = kPatience) : patience_(patience) {}

  // The queue shared by every connection of this process to `path` (":memory:" has none: its one
  // connection is its database). Paths are compared after resolving them to one absolute form.
  static std::shared_ptr<WriteQueue> for_file(const std::string& path);

  // Waits for this caller's turn until `deadline`; false when the deadline passed first, and then
  // the caller is out of the line.
  bool enter(std::chrono::steady_clock::time_point deadline);
  // Ends the turn of the caller that entered; the first in line is woken.
  void leave();

  // Callers waiting for their turn (for tests).
  std::size_t waiting() const;

 private:
  struct Waiter {
    std::chrono::steady_clock::time_point since;
    std::condition_variable turn;
  };
  // The caller holds mutex_ for all three.
  bool first_is_overdue(std::chrono::steady_clock::time_point now) const;
  void set_in_order(bool in_order);
  void leave_line(Waiter& waiter);

  const std::chrono::milliseconds patience_;
  mutable std::mutex mutex_;
  std::deque<Waiter*> line_;  // the callers waiting, oldest first; each lives on its own stack
  bool taken_ = false;
  bool in_order_ = false;  // the first in line is overdue: the file goes to it, and only to it
};

}  // namespace shop::storage::sqlite
