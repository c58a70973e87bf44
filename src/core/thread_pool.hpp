#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace shop {

// A fixed set of threads with a bounded queue: when the queue is full, try_post refuses the task
// so the caller can answer 503 instead of piling up work without bound.
class ThreadPool {
 public:
  // nice > 0 lowers the threads' scheduling priority (Linux), for work that must yield the CPU
  // to latency-sensitive threads, such as password hashing.
  ThreadPool(std::size_t threads, std::size_t max_queue, int nice = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Queues the task; false when the queue is full or the pool is stopping.
  bool try_post(std::function<void()> task);

  // Lets running tasks finish, drops queued ones, and joins the threads. Idempotent.
  void stop();

  std::size_t threads() const { return threads_.size(); }
  std::size_t busy() const { return busy_.load(std::memory_order_relaxed); }
  std::size_t queued() const;

 private:
  void run(int nice);

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  std::size_t max_queue_;
  bool stopping_ = false;
  std::atomic<std::size_t> busy_{0};
  std::vector<std::thread> threads_;
};

}  // namespace shop
