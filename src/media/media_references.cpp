#include "media/media_references.hpp"

#include <spdlog/logger.h>

#include <algorithm>
#include <thread>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/time.hpp"
#include "media/media_store.hpp"
#include "storage/transaction.hpp"

namespace shop::media {
namespace {

using storage::to_value;
using storage::TxMode;

// Takes the file's lock row (creating it) and says whether a deletion is under way. Safe: the
// upsert locks the row until the transaction ends, so the checks after it cannot interleave
// with another deletion or a reservation of the same name.
constexpr std::string_view kLockName =
    "INSERT INTO media_files (name) VALUES ($1) ON CONFLICT (name) "
    "DO UPDATE SET deleting_since = media_files.deleting_since RETURNING deleting_since";
// Holds a name for an upload unless a live deletion has it ($2: older marks are stale). Safe:
// the upsert waits for a deletion holding the row, then re-checks the mark it committed.
constexpr std::string_view kHoldName =
    "INSERT INTO media_files (name) VALUES ($1) ON CONFLICT (name) "
    "DO UPDATE SET deleting_since = NULL "
    "WHERE media_files.deleting_since IS NULL OR media_files.deleting_since < $2 RETURNING name";
// Safe: a new row of its own (a random token), under the lock row taken by kHoldName.
constexpr std::string_view kInsertReservation =
    "INSERT INTO media_reservations (token, name, created_at) VALUES ($1, $2, $3) "
    "ON CONFLICT (token, name) DO NOTHING";
// Safe: deletes only this upload's own rows.
constexpr std::string_view kDropReservation = "DELETE FROM media_reservations WHERE token = $1";
// One statement, so one snapshot: an upload that settles (drops its reservation and writes its
// row in one transaction) is seen either by its reservation or by its row, never by neither.
constexpr std::string_view kInUse =
    "SELECT 1 FROM media_reservations WHERE name = $1 "
    "UNION ALL SELECT 1 FROM products WHERE image_list = $1 OR image_detail = $1 "
    "UNION ALL SELECT 1 FROM users WHERE avatar_url = $1 LIMIT 1";
// Safe: written under the lock row taken by kLockName in the same transaction.
constexpr std::string_view kMarkDeleting =
    "UPDATE media_files SET deleting_since = $2 WHERE name = $1";
// After the file is gone. Safe: only this deletion's own mark is removed; an upload that took
// over a stale mark changed it.
constexpr std::string_view kForget =
    "DELETE FROM media_files WHERE name = $1 AND deleting_since = $2";
// Housekeeping. Safe: each is one statement; what they return is released through the lock.
constexpr std::string_view kDropStaleReservations =
    "DELETE FROM media_reservations WHERE created_at < $1 RETURNING name";
constexpr std::string_view kStaleDeletions =
    "SELECT name FROM media_files WHERE deleting_since < $1";

std::int64_t ms(std::chrono::milliseconds d) {
  return d.count();
}

}  // namespace

Reservation::Reservation(Reservation&& other) noexcept
    : refs_(std::exchange(other.refs_, nullptr)),
      token_(std::move(other.token_)),
      names_(std::move(other.names_)) {}

Reservation::~Reservation() {
  if (refs_ != nullptr) refs_->cancel(token_, names_);
}

void Reservation::settle(storage::Executor& tx) const {
  if (refs_ != nullptr) refs_->settle(tx, token_);
}

MediaReferences::MediaReferences(storage::Database& db, MediaStore& store, const Clock& clock,
                                 spdlog::logger& log)
    : db_(db), store_(store), clock_(clock), log_(log) {}

std::int64_t MediaReferences::now_ms() const {
  return epoch_ms(clock_.now());
}

Reservation MediaReferences::reserve(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());  // lock rows in one order: no deadlock cycles
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string token = random_hex(16);
  auto give_up = std::chrono::steady_clock::now() + kWaitForDeletion;
  for (;;) {
    bool held = storage::with_transaction(db_, TxMode::write, [&](storage::Transaction& tx) {
      std::int64_t now = now_ms();
      for (const auto& name : names)
        if (tx.execute(kHoldName, {to_value(name), now - ms(kStaleDeletion)}).empty())
          return false;  // being deleted: try again once the deletion ended
      for (const auto& name : names)
        tx.execute(kInsertReservation, {to_value(token), to_value(name), now});
      return true;
    });
    if (held) return Reservation(*this, std::move(token), std::move(names));
    if (std::chrono::steady_clock::now() >= give_up)
      throw Error(ErrorCode::unavailable, "Media storage is busy, try again")
          .with_retry_after(std::chrono::seconds(1));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void MediaReferences::settle(storage::Executor& tx, std::string_view token) const {
  tx.execute(kDropReservation, {to_value(token)});
}

void MediaReferences::cancel(std::string_view token,
                             const std::vector<std::string>& names) noexcept {
  try {
    auto lease = db_.acquire();
    lease.execute(kDropReservation, {to_value(token)});
  } catch (const std::exception& e) {
    // Housekeeping drops it within the hour; until then its files are kept.
    log_.warn("could not drop a media reservation: {}", e.what());
    return;
  }
  release(names);
}

void MediaReferences::release(const std::vector<std::string>& names) noexcept {
  for (const auto& name : names) {
    try {
      release_one(name);
    } catch (const std::exception& e) {
      log_.warn("could not delete unused media file {}: {}", name, e.what());
    }
  }
}

bool MediaReferences::release_one(const std::string& name) {
  if (!MediaStore::valid_name(name)) return false;
  std::int64_t mark = 0;
  bool unused = storage::with_transaction(db_, TxMode::write, [&](storage::Transaction& tx) {
    std::int64_t now = now_ms();
    auto since = tx.execute(kLockName, {to_value(name)}).front().get_opt_int(0);
    // A live deletion of this file is under way: it deletes the file.
    if (since && *since >= now - ms(kStaleDeletion)) return false;
    if (!tx.execute(kInUse, {to_value(name)}).empty()) return false;
    mark = std::max(now, since.value_or(0) + 1);
    tx.execute(kMarkDeleting, {to_value(name), mark});
    return true;
  });
  if (!unused) return false;
  store_.remove(name);  // after the commit: no outside call inside a transaction
  auto lease = db_.acquire();
  lease.execute(kForget, {to_value(name), mark});
  return true;
}

std::int64_t MediaReferences::sweep(std::chrono::milliseconds older_than) {
  std::int64_t cutoff = now_ms() - older_than.count();
  std::vector<std::string> names;
  std::int64_t dropped = 0;
  {
    auto lease = db_.acquire();
    for (const auto& row : lease.execute(kDropStaleReservations, {cutoff}).rows()) {
      names.push_back(row.get_text(0));
      ++dropped;
    }
    for (const auto& row : lease.execute(kStaleDeletions, {cutoff}).rows())
      names.push_back(row.get_text(0));
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  release(names);
  return dropped;
}

}  // namespace shop::media
