#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace shop {

// A day of the proleptic Gregorian calendar.
struct CivilDate {
  int year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31

  friend bool operator==(const CivilDate&, const CivilDate&) = default;
};

// "2026-03-29": zero-padded, as the analytics query string writes dates.
std::string to_string(CivilDate d);

// Parses exactly "YYYY-MM-DD", a real calendar date with year 1970..9999; nullopt otherwise.
std::optional<CivilDate> parse_civil_date(std::string_view text);

// Days since 1970-01-01 (negative before it) of a valid date.
std::int64_t days_from_civil(CivilDate d);

// The date `days` after 1970-01-01; clamped to the years an int can hold.
CivilDate civil_from_days(std::int64_t days);

// Where the system keeps its TZif files (Debian package tzdata).
inline constexpr std::string_view kSystemZoneinfoDir = "/usr/share/zoneinfo";

// An IANA time zone read from a TZif file (RFC 8536). Immutable once loaded, so one instance may
// be used from many threads; copies share the parsed data.
class TimeZone {
 public:
  // Coordinated Universal Time, needing no files.
  static TimeZone utc();

  // Loads an IANA zone such as "Europe/Berlin" or "Etc/GMT+5" from `zoneinfo_dir`. nullopt when
  // the name is malformed (1..64 chars of [A-Za-z0-9_+-/], no empty, "." or ".." segment, no
  // leading '/'), when no valid TZif file of at most 1 MiB exists for it, when the file is a
  // symlink leading out of `zoneinfo_dir`, or when it counts leap seconds ("right/" zones).
  // "UTC" always succeeds, without reading files.
  static std::optional<TimeZone> load(
      std::string_view name,
      const std::filesystem::path& zoneinfo_dir = std::filesystem::path(kSystemZoneinfoDir));

  // The name it was loaded under.
  const std::string& name() const;

  // Seconds east of UTC in effect at the instant `utc_seconds` (seconds since the epoch).
  std::int32_t offset_at(std::int64_t utc_seconds) const;

  // The first UTC instant (seconds since the epoch) whose local time is at or after midnight
  // starting `d`: local midnight, or the end of the DST gap when midnight is skipped, or the
  // earlier midnight when it happens twice. A day skipped entirely starts where the next begins.
  std::int64_t day_start(CivilDate d) const;

  // The local calendar date at the instant `utc_seconds`.
  CivilDate local_date(std::int64_t utc_seconds) const;

 private:
  struct Data;

  explicit TimeZone(std::shared_ptr<const Data> data) : data_(std::move(data)) {}

  std::shared_ptr<const Data> data_;
};

}  // namespace shop
