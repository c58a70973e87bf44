#include "core/time_zone.hpp"

#include <algorithm>
#include <array>
#include <climits>
#include <fstream>
#include <limits>
#include <span>
#include <system_error>
#include <vector>

namespace shop {
namespace {

constexpr std::int64_t kSecondsPerDay = 86400;
constexpr std::int64_t kNoChange = std::numeric_limits<std::int64_t>::max();
// RFC 8536 §3.2 says UT offsets SHOULD lie in this range; anything outside marks a broken file.
constexpr std::int32_t kMinOffset = -89999;
constexpr std::int32_t kMaxOffset = 93599;
constexpr std::uintmax_t kMaxFileSize = 1 << 20;
constexpr std::size_t kMaxNameLength = 64;
// 400 Gregorian years: the calendar and the weekdays repeat, and so do POSIX TZ rules.
constexpr std::int64_t kCycleSeconds = 146097 * kSecondsPerDay;

constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if (a % b != 0 && (a < 0) != (b < 0)) --q;
  return q;
}

constexpr std::int64_t floor_mod(std::int64_t a, std::int64_t b) {
  std::int64_t r = a % b;
  if (r != 0 && (r < 0) != (b < 0)) r += b;
  return r;
}

constexpr bool is_leap_year(std::int64_t y) {
  return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

constexpr unsigned days_in_month(std::int64_t y, unsigned m) {
  constexpr std::array<unsigned, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap_year(y) ? 29 : kDays[m - 1];
}

// Howard Hinnant's days_from_civil, on 64-bit years so that every int year fits.
constexpr std::int64_t days_from_ymd(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * static_cast<std::int64_t>(m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

constexpr std::int64_t kMinDays = days_from_ymd(INT_MIN, 1, 1);
constexpr std::int64_t kMaxDays = days_from_ymd(INT_MAX, 12, 31);

bool is_zone_name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '+' || c == '-';
}

// The name comes from a query string and becomes a path, so it must stay inside the zoneinfo dir.
bool is_valid_zone_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  std::size_t segment_start = 0;
  for (std::size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '/') {
      const std::string_view segment = name.substr(segment_start, i - segment_start);
      if (segment.empty() || segment == "." || segment == "..") return false;
      segment_start = i + 1;
    } else if (!is_zone_name_char(name[i])) {
      return false;
    }
  }
  return true;
}

// ---- POSIX TZ strings (the TZif footer, RFC 8536 §3.3) ----

struct RuleDate {
  enum class Kind : std::uint8_t { julian_no_leap, zero_based, month_week_day };
  Kind kind = Kind::month_week_day;
  int number = 0;  // Jn: 1..365, n: 0..365
  unsigned month = 1;
  unsigned week = 1;     // 1..5, 5 meaning the last
  unsigned weekday = 0;  // 0 is Sunday
};

struct RuleChange {
  RuleDate date;
  std::int32_t local_time = 2 * 3600;  // -167h..167h after local midnight of `date`
};

struct DstRule {
  std::int32_t offset = 0;
  RuleChange start;  // given in standard time
  RuleChange end;    // given in daylight time
};

struct RuleEvent {
  std::int64_t at;
  std::int32_t offset;  // in effect from `at`
};

// The local day (days since the epoch) a rule date falls on in `year`.
std::int64_t rule_day(const RuleDate& date, std::int64_t year) {
  const std::int64_t jan1 = days_from_ymd(year, 1, 1);
  switch (date.kind) {
    case RuleDate::Kind::julian_no_leap:
      return jan1 + date.number - 1 + (is_leap_year(year) && date.number >= 60 ? 1 : 0);
    case RuleDate::Kind::zero_based:
      return jan1 + date.number;
    case RuleDate::Kind::month_week_day:
      break;
  }
  const std::int64_t first = days_from_ymd(year, date.month, 1);
  const std::int64_t first_weekday = floor_mod(first + 4, 7);  // 1970-01-01 was a Thursday
  std::int64_t day = floor_mod(static_cast<std::int64_t>(date.weekday) - first_weekday, 7) +
                     (static_cast<std::int64_t>(date.week) - 1) * 7;
  while (day >= days_in_month(year, date.month))
    day -= 7;
  return first + day;
}

struct PosixRule {
  std::int32_t std_offset = 0;
  std::optional<DstRule> dst;

  std::int32_t offset_at(std::int64_t t) const {
    if (!dst) return std_offset;
    const std::int64_t t0 = floor_mod(t, kCycleSeconds);
    std::int32_t offset = std_offset;
    for (const RuleEvent& e : events_around(t0)) {
      if (e.at <= t0) offset = e.offset;
    }
    return offset;
  }

  // The first instant after `t` at which the offset may change; kNoChange if never.
  std::int64_t next_change_after(std::int64_t t) const {
    if (!dst) return kNoChange;
    const std::int64_t t0 = floor_mod(t, kCycleSeconds);
    const std::int64_t shift = t - t0;
    for (const RuleEvent& e : events_around(t0)) {
      if (e.at > t0) return shift > kNoChange - e.at ? kNoChange : e.at + shift;
    }
    return kNoChange;
  }

  // The changes of the years around `t`, in order. Rule times reach ±167 h, so a year's changes
  // can spill into its neighbours; two years either side always bracket `t`.
  std::array<RuleEvent, 10> events_around(std::int64_t t) const {
    const std::int64_t year = civil_from_days(floor_div(t, kSecondsPerDay)).year;
    std::array<RuleEvent, 10> events{};
    std::size_t n = 0;
    for (std::int64_t y = year - 2; y <= year + 2; ++y) {
      events[n++] = {
          rule_day(dst->start.date, y) * kSecondsPerDay + dst->start.local_time - std_offset,
          dst->offset};
      events[n++] = {
          rule_day(dst->end.date, y) * kSecondsPerDay + dst->end.local_time - dst->offset,
          std_offset};
    }
    // Stable, so that at equal instants the later year wins (DST all year: "J1/0,J365/25").
    std::stable_sort(events.begin(), events.end(),
                     [](const RuleEvent& a, const RuleEvent& b) { return a.at < b.at; });
    return events;
  }
};

class PosixTzParser {
 public:
  explicit PosixTzParser(std::string_view text) : text_(text) {}

  std::optional<PosixRule> parse() {
    PosixRule rule;
    if (!skip_designation()) return std::nullopt;
    const auto std_offset = parse_hms(24);
    if (!std_offset) return std::nullopt;
    rule.std_offset = -*std_offset;  // POSIX counts west of UTC
    if (pos_ == text_.size()) return in_range(rule) ? std::optional(rule) : std::nullopt;

    DstRule dst;
    if (!skip_designation()) return std::nullopt;
    dst.offset = rule.std_offset + 3600;
    if (pos_ < text_.size() && text_[pos_] != ',') {
      const auto dst_offset = parse_hms(24);
      if (!dst_offset) return std::nullopt;
      dst.offset = -*dst_offset;
    }
    // A DST name without rules leaves the rules to the implementation; zic never writes that.
    if (!consume(',')) return std::nullopt;
    const auto start = parse_change();
    if (!start || !consume(',')) return std::nullopt;
    const auto end = parse_change();
    if (!end || pos_ != text_.size()) return std::nullopt;
    dst.start = *start;
    dst.end = *end;
    rule.dst = dst;
    return in_range(rule) ? std::optional(rule) : std::nullopt;
  }

 private:
  static bool in_range(const PosixRule& rule) {
    const auto ok = [](std::int32_t o) { return o >= kMinOffset && o <= kMaxOffset; };
    return ok(rule.std_offset) && (!rule.dst || ok(rule.dst->offset));
  }

  bool consume(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  static bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }

  // "CET", or quoted "<+0330>"; at least three characters either way.
  bool skip_designation() {
    std::size_t length = 0;
    if (consume('<')) {
      while (pos_ < text_.size() && (is_alpha(text_[pos_]) || is_digit(text_[pos_]) ||
                                     text_[pos_] == '+' || text_[pos_] == '-')) {
        ++pos_;
        ++length;
      }
      return consume('>') && length >= 3;
    }
    while (pos_ < text_.size() && is_alpha(text_[pos_])) {
      ++pos_;
      ++length;
    }
    return length >= 3;
  }

  std::optional<int> parse_number(std::size_t max_digits, int max_value) {
    int value = 0;
    std::size_t digits = 0;
    while (pos_ < text_.size() && is_digit(text_[pos_]) && digits < max_digits) {
      value = value * 10 + (text_[pos_] - '0');
      ++pos_;
      ++digits;
    }
    if (digits == 0 || value > max_value) return std::nullopt;
    return value;
  }

  // [+-]hh[:mm[:ss]] in seconds; hours up to `max_hours` (24 for offsets, 167 for rule times).
  std::optional<std::int32_t> parse_hms(int max_hours) {
    int sign = 1;
    if (consume('-')) {
      sign = -1;
    } else {
      consume('+');
    }
    const auto hours = parse_number(3, max_hours);
    if (!hours) return std::nullopt;
    std::int32_t seconds = *hours * 3600;
    if (consume(':')) {
      const auto minutes = parse_number(2, 59);
      if (!minutes) return std::nullopt;
      seconds += *minutes * 60;
      if (consume(':')) {
        const auto secs = parse_number(2, 59);
        if (!secs) return std::nullopt;
        seconds += *secs;
      }
    }
    return sign * seconds;
  }

  // date[/time]: Jn, n or Mm.w.d, with the time 02:00 unless given.
  std::optional<RuleChange> parse_change() {
    RuleChange change;
    if (consume('J')) {
      const auto n = parse_number(3, 365);
      if (!n || *n < 1) return std::nullopt;
      change.date.kind = RuleDate::Kind::julian_no_leap;
      change.date.number = *n;
    } else if (consume('M')) {
      const auto month = parse_number(2, 12);
      if (!month || *month < 1 || !consume('.')) return std::nullopt;
      const auto week = parse_number(1, 5);
      if (!week || *week < 1 || !consume('.')) return std::nullopt;
      const auto weekday = parse_number(1, 6);
      if (!weekday) return std::nullopt;
      change.date.month = static_cast<unsigned>(*month);
      change.date.week = static_cast<unsigned>(*week);
      change.date.weekday = static_cast<unsigned>(*weekday);
    } else {
      const auto n = parse_number(3, 365);
      if (!n) return std::nullopt;
      change.date.kind = RuleDate::Kind::zero_based;
      change.date.number = *n;
    }
    if (consume('/')) {
      const auto time = parse_hms(167);
      if (!time) return std::nullopt;
      change.local_time = *time;
    }
    return change;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

// ---- TZif files (RFC 8536) ----

// Big-endian reads that never run past the end; a short read sets failed() and yields zero.
class ByteReader {
 public:
  explicit ByteReader(std::span<const unsigned char> bytes) : bytes_(bytes) {}

  bool failed() const { return failed_; }
  std::size_t remaining() const { return bytes_.size() - pos_; }

  bool skip(std::uint64_t n) {
    if (n > remaining()) {
      failed_ = true;
      return false;
    }
    pos_ += static_cast<std::size_t>(n);
    return true;
  }

  std::uint64_t read(std::size_t width) {
    if (width > remaining()) {
      failed_ = true;
      return 0;
    }
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < width; ++i)
      value = (value << 8) | bytes_[pos_++];
    return value;
  }

  std::string_view rest() const {
    return {reinterpret_cast<const char*>(bytes_.data() + pos_), remaining()};
  }

 private:
  std::span<const unsigned char> bytes_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

struct TzifHeader {
  unsigned char version = 0;
  std::uint32_t isutcnt = 0;
  std::uint32_t isstdcnt = 0;
  std::uint32_t leapcnt = 0;
  std::uint32_t timecnt = 0;
  std::uint32_t typecnt = 0;
  std::uint32_t charcnt = 0;
};

std::optional<TzifHeader> read_header(ByteReader& r) {
  if (r.read(4) != 0x545A6966) return std::nullopt;  // "TZif"
  TzifHeader h;
  h.version = static_cast<unsigned char>(r.read(1));
  r.skip(15);
  h.isutcnt = static_cast<std::uint32_t>(r.read(4));
  h.isstdcnt = static_cast<std::uint32_t>(r.read(4));
  h.leapcnt = static_cast<std::uint32_t>(r.read(4));
  h.timecnt = static_cast<std::uint32_t>(r.read(4));
  h.typecnt = static_cast<std::uint32_t>(r.read(4));
  h.charcnt = static_cast<std::uint32_t>(r.read(4));
  if (r.failed()) return std::nullopt;
  if (h.version != 0 && h.version != '2' && h.version != '3' && h.version != '4') {
    return std::nullopt;
  }
  return h;
}

std::uint64_t data_block_size(const TzifHeader& h, std::uint64_t time_size) {
  return std::uint64_t{h.timecnt} * (time_size + 1) + std::uint64_t{h.typecnt} * 6 + h.charcnt +
         std::uint64_t{h.leapcnt} * (time_size + 4) + h.isstdcnt + h.isutcnt;
}

// The offsets a zone has had: from `times[i]` on, `offsets[i]`; before `times[0]`,
// `initial_offset`; from the last transition on, the footer's rule when there is one.
struct ZoneRules {
  std::vector<std::int64_t> times;
  std::vector<std::int32_t> offsets;
  std::int32_t initial_offset = 0;
  std::optional<PosixRule> footer;

  std::int32_t offset_at(std::int64_t t) const {
    if (times.empty() || t >= times.back()) {
      if (footer) return footer->offset_at(t);
      return times.empty() ? initial_offset : offsets.back();
    }
    if (t < times.front()) return initial_offset;
    const auto next = std::upper_bound(times.begin(), times.end(), t);
    return offsets[static_cast<std::size_t>(next - times.begin()) - 1];
  }

  std::int64_t next_change_after(std::int64_t t) const {
    if (!times.empty() && t < times.back()) return *std::upper_bound(times.begin(), times.end(), t);
    return footer ? footer->next_change_after(t) : kNoChange;
  }
};

std::optional<ZoneRules> read_data_block(ByteReader& r, const TzifHeader& h,
                                         std::size_t time_size) {
  if (h.typecnt == 0 || h.charcnt == 0) return std::nullopt;
  if ((h.isstdcnt != 0 && h.isstdcnt != h.typecnt) || (h.isutcnt != 0 && h.isutcnt != h.typecnt)) {
    return std::nullopt;
  }
  // Leap-second ("right/") zones count time differently from Unix time; not for civil days.
  if (h.leapcnt != 0) return std::nullopt;
  if (data_block_size(h, time_size) > r.remaining()) return std::nullopt;

  ZoneRules rules;
  rules.times.reserve(h.timecnt);
  for (std::uint32_t i = 0; i < h.timecnt; ++i) {
    const std::uint64_t raw = r.read(time_size);
    const std::int64_t t = time_size == 4 ? std::int64_t{static_cast<std::int32_t>(raw)}
                                          : static_cast<std::int64_t>(raw);
    if (!rules.times.empty() && t <= rules.times.back()) return std::nullopt;
    rules.times.push_back(t);
  }
  std::vector<std::uint8_t> type_of_transition(h.timecnt);
  for (std::uint8_t& type : type_of_transition) {
    type = static_cast<std::uint8_t>(r.read(1));
    if (type >= h.typecnt) return std::nullopt;
  }
  std::vector<std::int32_t> type_offsets(h.typecnt);
  for (std::int32_t& offset : type_offsets) {
    offset = static_cast<std::int32_t>(r.read(4));
    const std::uint64_t is_dst = r.read(1);
    const std::uint64_t designation_index = r.read(1);
    if (offset < kMinOffset || offset > kMaxOffset || is_dst > 1 ||
        designation_index >= h.charcnt) {
      return std::nullopt;
    }
  }
  r.skip(std::uint64_t{h.charcnt} + h.isstdcnt + h.isutcnt);
  if (r.failed()) return std::nullopt;

  rules.initial_offset = type_offsets[0];
  rules.offsets.reserve(h.timecnt);
  for (std::uint8_t type : type_of_transition)
    rules.offsets.push_back(type_offsets[type]);
  return rules;
}

std::optional<ZoneRules> parse_tzif(std::span<const unsigned char> bytes) {
  ByteReader r(bytes);
  const auto v1 = read_header(r);
  if (!v1) return std::nullopt;
  if (v1->version == 0) return read_data_block(r, *v1, 4);

  // Version 2+: skip the 32-bit block, then read the 64-bit one and the footer.
  if (!r.skip(data_block_size(*v1, 4))) return std::nullopt;
  const auto v2 = read_header(r);
  if (!v2 || v2->version == 0) return std::nullopt;
  auto rules = read_data_block(r, *v2, 8);
  if (!rules) return std::nullopt;
  const std::string_view rest = r.rest();
  if (rest.empty() || rest[0] != '\n') return std::nullopt;
  const std::size_t end = rest.find('\n', 1);
  if (end == std::string_view::npos) return std::nullopt;
  const std::string_view footer = rest.substr(1, end - 1);
  if (!footer.empty()) {
    rules->footer = PosixTzParser(footer).parse();
    if (!rules->footer) return std::nullopt;
  }
  return rules;
}

std::optional<std::vector<unsigned char>> read_zone_file(const std::filesystem::path& dir,
                                                         std::string_view name) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path root = fs::canonical(dir, ec);
  if (ec) return std::nullopt;
  const fs::path file = fs::canonical(root / fs::path(name), ec);
  if (ec) return std::nullopt;
  // Symlinks may lead anywhere (Debian's "localtime" points into /etc); stay inside the dir.
  if (std::mismatch(root.begin(), root.end(), file.begin(), file.end()).first != root.end()) {
    return std::nullopt;
  }
  if (!fs::is_regular_file(file, ec)) return std::nullopt;
  const std::uintmax_t size = fs::file_size(file, ec);
  if (ec || size > kMaxFileSize) return std::nullopt;

  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  // One byte more than expected, to notice a file that grew past the cap since file_size.
  std::vector<unsigned char> bytes(static_cast<std::size_t>(size) + 1);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (in.bad()) return std::nullopt;
  const auto got = static_cast<std::size_t>(in.gcount());
  if (got > kMaxFileSize) return std::nullopt;
  bytes.resize(got);
  return bytes;
}

}  // namespace

struct TimeZone::Data {
  std::string name;
  ZoneRules rules;
};

std::string to_string(CivilDate d) {
  std::string year = std::to_string(d.year < 0 ? -static_cast<std::int64_t>(d.year) : d.year);
  if (year.size() < 4) year.insert(0, 4 - year.size(), '0');
  const auto two = [](unsigned v) {
    return std::string{static_cast<char>('0' + v / 10 % 10), static_cast<char>('0' + v % 10)};
  };
  return (d.year < 0 ? "-" : "") + year + "-" + two(d.month) + "-" + two(d.day);
}

std::optional<CivilDate> parse_civil_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const auto number = [&](std::size_t from, std::size_t count) -> std::optional<int> {
    int value = 0;
    for (std::size_t i = from; i < from + count; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  const auto year = number(0, 4);
  const auto month = number(5, 2);
  const auto day = number(8, 2);
  if (!year || !month || !day || *year < 1970 || *month < 1 || *month > 12 || *day < 1) {
    return std::nullopt;
  }
  const CivilDate date{*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day)};
  if (date.day > days_in_month(date.year, date.month)) return std::nullopt;
  return date;
}

std::int64_t days_from_civil(CivilDate d) {
  return days_from_ymd(d.year, d.month, d.day);
}

CivilDate civil_from_days(std::int64_t days) {
  const std::int64_t z = std::clamp(days, kMinDays, kMaxDays) + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const auto day = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
  const auto month = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return {static_cast<int>(year), month, day};
}

TimeZone TimeZone::utc() {
  return TimeZone(std::make_shared<const Data>(Data{"UTC", {}}));
}

std::optional<TimeZone> TimeZone::load(std::string_view name,
                                       const std::filesystem::path& zoneinfo_dir) {
  if (!is_valid_zone_name(name)) return std::nullopt;
  if (name == "UTC") return utc();
  const auto bytes = read_zone_file(zoneinfo_dir, name);
  if (!bytes) return std::nullopt;
  auto rules = parse_tzif(*bytes);
  if (!rules) return std::nullopt;
  return TimeZone(std::make_shared<const Data>(Data{std::string(name), std::move(*rules)}));
}

const std::string& TimeZone::name() const {
  return data_->name;
}

std::int32_t TimeZone::offset_at(std::int64_t utc_seconds) const {
  return data_->rules.offset_at(utc_seconds);
}

std::int64_t TimeZone::day_start(CivilDate d) const {
  const std::int64_t midnight = days_from_civil(d) * kSecondsPerDay;  // in local seconds
  // No instant before this can show a local time at or after midnight, as offsets <= kMaxOffset.
  std::int64_t from = midnight - kMaxOffset - 1;
  // Walk the stretches of constant offset; the first that reaches midnight holds the answer.
  for (;;) {
    const std::int32_t offset = data_->rules.offset_at(from);
    const std::int64_t until = data_->rules.next_change_after(from);
    const std::int64_t candidate = std::max(from, midnight - offset);
    if (candidate < until) return candidate;
    from = until;
  }
}

CivilDate TimeZone::local_date(std::int64_t utc_seconds) const {
  const std::int64_t local_second_of_day =
      floor_mod(utc_seconds, kSecondsPerDay) + offset_at(utc_seconds);
  return civil_from_days(floor_div(utc_seconds, kSecondsPerDay) +
                         floor_div(local_second_of_day, kSecondsPerDay));
}

}  // namespace shop
