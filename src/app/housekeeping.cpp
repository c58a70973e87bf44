#include "app/housekeeping.hpp"

#include "auth/refresh_token_store.hpp"
#include "core/clock.hpp"
#include "core/time.hpp"
#include "media/media_references.hpp"
#include "media/media_store.hpp"
#include "orders/idempotency_store.hpp"
#include "storage/database.hpp"

namespace shop::app {
namespace {

// Runs a batched delete until a batch comes back short; returns the rows deleted.
template <class F>
std::int64_t in_batches(F&& delete_batch) {
  std::int64_t total = 0;
  for (;;) {
    std::int64_t n = delete_batch();
    total += n;
    if (n < Housekeeping::kBatch) return total;
  }
}

}  // namespace

Swept Housekeeping::run_once() {
  const std::int64_t now = epoch_ms(clock_.now());
  Swept swept;
  {
    auto lease = db_.acquire();
    const std::int64_t expired_before = now - std::chrono::milliseconds(kRefreshTokenGrace).count();
    swept.refresh_tokens = in_batches(
        [&] { return auth::RefreshTokenStore().delete_expired(lease, expired_before, kBatch); });
    swept.idempotency_keys =
        in_batches([&] { return orders::IdempotencyStore().delete_expired(lease, now, kBatch); });
  }
  swept.media_reservations = refs_.sweep(kDeadUpload);
  swept.media_temp_files = media_.sweep_temporary(kDeadUpload);
  refresh_tokens_ += swept.refresh_tokens;
  idempotency_keys_ += swept.idempotency_keys;
  media_reservations_ += swept.media_reservations;
  media_temp_files_ += swept.media_temp_files;
  ++runs_;
  return swept;
}

Swept Housekeeping::totals() const {
  return Swept{refresh_tokens_.load(), idempotency_keys_.load(), media_temp_files_.load(),
               media_reservations_.load()};
}

}  // namespace shop::app
