#pragma once

#include <chrono>
#include <string>

namespace shop {
class Clock;
}

namespace shop::storage {

class Database;

// A lease on a background job, in the job_leases table, so that of several instances sharing
// one database exactly one runs the job at a time. The holder renews it each run; a holder that
// dies (kill -9) stops renewing, its lease expires, and another instance takes the job over.
class JobLease {
 public:
  // holder: this instance's name for itself (unique per process).
  JobLease(Database& db, std::string job, std::string holder, const Clock& clock)
      : db_(db), job_(std::move(job)), holder_(std::move(holder)), clock_(clock) {}

  // Takes the lease for `ttl`, or renews it when this holder has it; false while another
  // holder's lease is live.
  bool acquire(std::chrono::milliseconds ttl);
  // Gives the lease up (at shutdown), so another instance need not wait for it to expire.
  void release() noexcept;

  const std::string& holder() const { return holder_; }

 private:
  Database& db_;
  std::string job_;
  std::string holder_;
  const Clock& clock_;
};

}  // namespace shop::storage
