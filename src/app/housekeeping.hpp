#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace shop {
class Clock;
}

namespace shop::storage {
class Database;
}

namespace shop::media {
class MediaStore;
class MediaReferences;
}  // namespace shop::media

namespace shop::app {

// What housekeeping removed: in one run, or in all runs of this process.
struct Swept {
  std::int64_t refresh_tokens = 0;
  std::int64_t idempotency_keys = 0;
  std::int64_t media_temp_files = 0;
  std::int64_t media_reservations = 0;
};

// Removes what nothing will read again: refresh tokens expired for over a day, expired
// idempotency keys, temporary media files (and reservations) that uploads cut off by a crash left
// for over an hour, and the files those reservations held when nothing else uses them. A
// background job: the Scheduler runs it on one instance of the cluster at a time.
class Housekeeping {
 public:
  static constexpr std::chrono::hours kRefreshTokenGrace{24};
  static constexpr std::chrono::hours kDeadUpload{1};
  static constexpr std::int64_t kBatch = 1000;  // rows per statement

  Housekeeping(storage::Database& db, media::MediaStore& media, media::MediaReferences& refs,
               const Clock& clock)
      : db_(db), media_(media), refs_(refs), clock_(clock) {}

  Swept run_once();
  Swept totals() const;
  std::int64_t runs() const { return runs_.load(); }

 private:
  storage::Database& db_;
  media::MediaStore& media_;
  media::MediaReferences& refs_;
  const Clock& clock_;
  std::atomic<std::int64_t> refresh_tokens_{0}, idempotency_keys_{0}, media_temp_files_{0},
      media_reservations_{0}, runs_{0};
};

}  // namespace shop::app
