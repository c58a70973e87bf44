#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "storage/job_lease.hpp"

namespace spdlog {
class logger;
}

namespace shop::app {

// Runs background jobs on a thread of its own, each every `interval`, on one instance of the
// cluster at a time: a job runs only while this instance holds its JobLease (renewed each run,
// lasting three intervals, so an instance that died hands the job over within that). A failed
// run is logged and tried again at the next interval.
class Scheduler {
 public:
  Scheduler(storage::Database& db, const Clock& clock, spdlog::logger& log);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Before start(). run is the job's run_once.
  void add(std::string name, std::chrono::milliseconds interval, std::function<void()> run);
  void start();
  // Waits for a run in progress to end, then gives the leases up. Idempotent.
  void stop();

 private:
  struct Job {
    std::string name;
    std::chrono::milliseconds interval;
    std::function<void()> run;
    storage::JobLease lease;
    std::chrono::steady_clock::time_point next;
  };
  void loop();

  storage::Database& db_;
  const Clock& clock_;
  spdlog::logger& log_;
  std::string holder_;
  std::vector<std::unique_ptr<Job>> jobs_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace shop::app
