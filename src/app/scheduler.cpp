#include "app/scheduler.hpp"

#include <spdlog/logger.h>

#include <algorithm>

#include "core/ids.hpp"

namespace shop::app {

Scheduler::Scheduler(storage::Database& db, const Clock& clock, spdlog::logger& log)
    : db_(db), clock_(clock), log_(log), holder_(new_id()) {}

Scheduler::~Scheduler() {
  stop();
}

void Scheduler::add(std::string name, std::chrono::milliseconds interval,
                    std::function<void()> run) {
  auto job = std::make_unique<Job>(
      Job{name, interval, std::move(run), storage::JobLease(db_, name, holder_, clock_), {}});
  jobs_.push_back(std::move(job));
}

void Scheduler::start() {
  if (jobs_.empty()) return;
  auto now = std::chrono::steady_clock::now();
  for (auto& job : jobs_)
    job->next = now + job->interval;  // not at start: a restart loop must not hammer the database
  thread_ = std::thread([this] { loop(); });
}

void Scheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
    for (auto& job : jobs_)
      job->lease.release();
  }
}

void Scheduler::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    auto next = std::chrono::steady_clock::time_point::max();
    for (const auto& job : jobs_)
      next = std::min(next, job->next);
    if (wake_.wait_until(lock, next, [this] { return stopping_; })) return;
    auto now = std::chrono::steady_clock::now();
    for (auto& job : jobs_) {
      if (job->next > now) continue;
      job->next = now + job->interval;
      lock.unlock();
      try {
        if (job->lease.acquire(job->interval * 3)) job->run();
      } catch (const std::exception& e) {
        log_.warn("background job {} failed: {}", job->name, e.what());
      }
      lock.lock();
      if (stopping_) return;
    }
  }
}

}  // namespace shop::app
