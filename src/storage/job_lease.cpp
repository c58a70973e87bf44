#include "storage/job_lease.hpp"

#include "core/clock.hpp"
#include "core/time.hpp"
#include "storage/database.hpp"

namespace shop::storage {
namespace {

// Safe: one statement, under the row's lock: a lease changes hands only when the one stored at
// that moment is this holder's or has expired ($4 is now).
constexpr std::string_view kAcquire =
    "INSERT INTO job_leases (name, holder, expires_at) VALUES ($1, $2, $3) "
    "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at "
    "WHERE job_leases.holder = excluded.holder OR job_leases.expires_at < $4 RETURNING holder";
// Safe: removes the lease only while this holder has it.
constexpr std::string_view kRelease = "DELETE FROM job_leases WHERE name = $1 AND holder = $2";

}  // namespace

bool JobLease::acquire(std::chrono::milliseconds ttl) {
  std::int64_t now = epoch_ms(clock_.now());
  auto lease = db_.acquire();
  return !lease.execute(kAcquire, {to_value(job_), to_value(holder_), now + ttl.count(), now})
              .empty();
}

void JobLease::release() noexcept {
  try {
    auto lease = db_.acquire();
    lease.execute(kRelease, {to_value(job_), to_value(holder_)});
  } catch (const std::exception&) {
    // It expires by itself.
  }
}

}  // namespace shop::storage
