#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace spdlog {
class logger;
}

namespace shop {
class Clock;
}

namespace shop::storage {
class Database;
class Executor;
}  // namespace shop::storage

namespace shop::media {

class MediaStore;
class MediaReferences;

// An upload's hold on its file names, from before its files are written until the transaction
// that writes the rows using them. Destroyed before settled(): the upload failed, so the hold is
// dropped and the files are deleted unless something else uses them.
class Reservation {
 public:
  Reservation(MediaReferences& refs, std::string token, std::vector<std::string> names)
      : refs_(&refs), token_(std::move(token)), names_(std::move(names)) {}
  Reservation(Reservation&& other) noexcept;
  Reservation& operator=(Reservation&&) = delete;
  Reservation(const Reservation&) = delete;
  ~Reservation();

  // Ends the hold inside the transaction that writes the rows referring to the files.
  void settle(storage::Executor& tx) const;
  // Call after that transaction committed: nothing is left to undo.
  void settled() noexcept { refs_ = nullptr; }

 private:
  MediaReferences* refs_;
  std::string token_;
  std::vector<std::string> names_;
};

// Decides when a media file may be deleted. Files are named by content, so products and avatars
// may share one, and an upload may be about to use a file that a deletion finds unused. Both
// sides lock the file's row in media_files: an upload reserves its names (committed) before it
// writes the files; a deletion checks, in one statement after taking the lock, that no product,
// no user and no reservation uses the file, marks the row, commits, and only then deletes the
// file (never inside a transaction). An upload of a file being deleted waits for the deletion.
class MediaReferences {
 public:
  static constexpr std::chrono::seconds kStaleDeletion{60};   // the deleting process died
  static constexpr std::chrono::seconds kWaitForDeletion{5};  // then Error{unavailable}

  MediaReferences(storage::Database& db, MediaStore& store, const Clock& clock,
                  spdlog::logger& log);

  // Holds `names` for an upload (see Reservation). Waits while a deletion of one of them is under
  // way, at most kWaitForDeletion, then throws Error{unavailable}.
  Reservation reserve(std::vector<std::string> names);

  // Deletes those of `names` that nothing uses (after the commit that dropped the last use).
  // Failures are logged, never thrown: the change that dropped them already happened.
  void release(const std::vector<std::string>& names) noexcept;

  // Housekeeping: drops reservations older than `older_than` (their upload died), retries
  // deletions marked that long ago, and deletes the files nothing uses then. Returns how many
  // reservations were dropped.
  std::int64_t sweep(std::chrono::milliseconds older_than);

 private:
  friend class Reservation;
  void settle(storage::Executor& tx, std::string_view token) const;
  void cancel(std::string_view token, const std::vector<std::string>& names) noexcept;
  // Deletes one file if nothing uses it; false when it is still in use.
  bool release_one(const std::string& name);
  std::int64_t now_ms() const;

  storage::Database& db_;
  MediaStore& store_;
  const Clock& clock_;
  spdlog::logger& log_;
};

}  // namespace shop::media
