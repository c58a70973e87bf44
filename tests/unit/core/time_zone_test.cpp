#include "core/time_zone.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace shop {
namespace {

namespace fs = std::filesystem;

// Seconds since the epoch of a UTC date and time, computed by std::chrono, not by the code under
// test.
std::int64_t utc(int y, unsigned m, unsigned d, int hh = 0, int mm = 0, int ss = 0) {
  const std::chrono::sys_days day{std::chrono::year{y} / std::chrono::month{m} / d};
  return std::int64_t{day.time_since_epoch().count()} * 86400 + hh * 3600 + mm * 60 + ss;
}

bool system_zoneinfo_available() {
  return fs::exists(fs::path(kSystemZoneinfoDir) / "Europe" / "Berlin");
}

TimeZone load_system(const std::string& name) {
  auto zone = TimeZone::load(name);
  EXPECT_TRUE(zone.has_value()) << name;
  return zone ? *zone : TimeZone::utc();
}

#define REQUIRE_SYSTEM_ZONEINFO() \
  if (!system_zoneinfo_available()) GTEST_SKIP() << "no tzdata in " << kSystemZoneinfoDir

// A fresh folder per test for hand-made zoneinfo trees.
class TimeZoneFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("shop_time_zone_test_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& name, const std::string& bytes) {
    const fs::path path = dir_ / name;
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }

  fs::path dir_;
};

std::string read_system_file(const std::string& name) {
  std::ifstream in(fs::path(kSystemZoneinfoDir) / name, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Builds TZif files (RFC 8536) with one designation per type, for cases no system file has.
struct TzifType {
  std::int32_t offset;
  bool is_dst;
};

struct TzifTransition {
  std::int64_t at;
  std::uint8_t type;
};

void put_be(std::string& out, std::uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i)
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

void put_block(std::string& out, char version, int time_size, const std::vector<TzifType>& types,
               const std::vector<TzifTransition>& transitions) {
  out += "TZif";
  out.push_back(version);
  out.append(15, '\0');
  for (std::size_t count : {types.size(), types.size(), std::size_t{0}, transitions.size(),
                            types.size(), types.size() * 4}) {
    put_be(out, count, 4);  // isutcnt isstdcnt leapcnt timecnt typecnt charcnt
  }
  for (const auto& t : transitions)
    put_be(out, static_cast<std::uint64_t>(t.at), time_size);
  for (const auto& t : transitions)
    out.push_back(static_cast<char>(t.type));
  for (std::size_t i = 0; i < types.size(); ++i) {
    put_be(out, static_cast<std::uint32_t>(types[i].offset), 4);
    out.push_back(types[i].is_dst ? 1 : 0);
    out.push_back(static_cast<char>(i * 4));
  }
  for (std::size_t i = 0; i < types.size(); ++i)
    out.append("ZZZ", 4);
  out.append(types.size() * 2, '\0');  // isstd, isut
}

std::string tzif_v1(const std::vector<TzifType>& types,
                    const std::vector<TzifTransition>& transitions) {
  std::string out;
  put_block(out, '\0', 4, types, transitions);
  return out;
}

// A "slim" file as zic -b slim writes it: a minimal 32-bit block, the data, then the footer.
std::string tzif_v2(char version, const std::vector<TzifType>& types,
                    const std::vector<TzifTransition>& transitions, const std::string& footer) {
  std::string out;
  put_block(out, version, 4, {{0, false}}, {});
  put_block(out, version, 8, types, transitions);
  return out + "\n" + footer + "\n";
}

// ---- Civil dates ----

TEST(CivilDate, ParsesRealDates) {
  EXPECT_EQ(parse_civil_date("2026-01-05"), (CivilDate{2026, 1, 5}));
  EXPECT_EQ(parse_civil_date("1970-01-01"), (CivilDate{1970, 1, 1}));
  EXPECT_EQ(parse_civil_date("9999-12-31"), (CivilDate{9999, 12, 31}));
  EXPECT_EQ(parse_civil_date("2026-04-30"), (CivilDate{2026, 4, 30}));
  EXPECT_EQ(parse_civil_date("2026-04-31"), std::nullopt);
}

TEST(CivilDate, LeapDaysFollowGregorianRules) {
  EXPECT_EQ(parse_civil_date("2024-02-29"), (CivilDate{2024, 2, 29}));
  EXPECT_EQ(parse_civil_date("2000-02-29"), (CivilDate{2000, 2, 29}));
  EXPECT_EQ(parse_civil_date("2023-02-29"), std::nullopt);
  EXPECT_EQ(parse_civil_date("2100-02-29"), std::nullopt);
  EXPECT_EQ(parse_civil_date("2024-02-30"), std::nullopt);
}

TEST(CivilDate, RejectsBadFormats) {
  for (const char* text :
       {"2026-1-05", "2026-01-5", "2026-01-05x", " 2026-01-05", "", "abcd-ef-gh", "2026-13-01",
        "2026-00-10", "2026-01-00", "2026-01-32", "1969-12-31", "0000-01-01", "2026/01/05",
        "+026-01-05", "2026-+1-05", "2026-01--5", "20260105", "2026-01-05T00:00"}) {
    EXPECT_EQ(parse_civil_date(text), std::nullopt) << '"' << text << '"';
  }
}

TEST(CivilDate, FormatsZeroPadded) {
  EXPECT_EQ(to_string(CivilDate{2026, 3, 9}), "2026-03-09");
  EXPECT_EQ(to_string(CivilDate{970, 12, 31}), "0970-12-31");
  EXPECT_EQ(to_string(CivilDate{-1, 1, 1}), "-0001-01-01");
}

TEST(CivilDate, DaysMatchStdChronoAndRoundTrip) {
  EXPECT_EQ(days_from_civil({1970, 1, 1}), 0);
  EXPECT_EQ(days_from_civil({1969, 12, 31}), -1);
  EXPECT_EQ(days_from_civil({2000, 3, 1}), 11017);
  // Every day of 1600..2500, and every 97th day of the years std::chrono knows (+-32767).
  const auto check = [](std::int64_t days) {
    const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{days}}};
    const CivilDate expected{static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                             static_cast<unsigned>(ymd.day())};
    const CivilDate date = civil_from_days(days);
    ASSERT_EQ(date, expected) << days;
    ASSERT_EQ(days_from_civil(date), days) << to_string(date);
  };
  for (std::int64_t d = days_from_civil({1600, 1, 1}); d <= days_from_civil({2500, 12, 31}); ++d) {
    check(d);
  }
  for (std::int64_t d = -11000000; d <= 11000000; d += 97)
    check(d);
  // Beyond that, the round trip alone.
  for (std::int64_t d = -700000000000; d <= 700000000000; d += 9999999937) {
    ASSERT_EQ(days_from_civil(civil_from_days(d)), d) << d;
  }
}

TEST(CivilDate, ExtremeDaysClampInsteadOfOverflowing) {
  const CivilDate last = civil_from_days(std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(last, (CivilDate{std::numeric_limits<int>::max(), 12, 31}));
  const CivilDate first = civil_from_days(std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(first, (CivilDate{std::numeric_limits<int>::min(), 1, 1}));
  EXPECT_EQ(days_from_civil(civil_from_days(days_from_civil(last))), days_from_civil(last));
}

// ---- Real zones, against values from zdump ----

TEST(TimeZone, UtcNeedsNoFiles) {
  const auto zone = TimeZone::load("UTC", "no/such/dir");
  ASSERT_TRUE(zone.has_value());
  EXPECT_EQ(zone->name(), "UTC");
  EXPECT_EQ(zone->offset_at(utc(2026, 7, 1)), 0);
  EXPECT_EQ(zone->day_start({2026, 3, 29}), utc(2026, 3, 29));
  EXPECT_EQ(zone->local_date(utc(2026, 3, 29, 23, 59, 59)), (CivilDate{2026, 3, 29}));
  EXPECT_EQ(TimeZone::utc().day_start({1970, 1, 1}), 0);
}

TEST(TimeZone, BerlinDstDaysAre23And25Hours) {
  REQUIRE_SYSTEM_ZONEINFO();
  const TimeZone berlin = load_system("Europe/Berlin");
  EXPECT_EQ(berlin.name(), "Europe/Berlin");
  EXPECT_EQ(berlin.offset_at(utc(2026, 1, 15)), 3600);
  EXPECT_EQ(berlin.offset_at(utc(2026, 3, 29, 0, 59, 59)), 3600);
  EXPECT_EQ(berlin.offset_at(utc(2026, 3, 29, 1)), 7200);
  EXPECT_EQ(berlin.offset_at(utc(2026, 10, 25, 0, 59, 59)), 7200);
  EXPECT_EQ(berlin.offset_at(utc(2026, 10, 25, 1)), 3600);

  EXPECT_EQ(berlin.day_start({2026, 3, 29}), utc(2026, 3, 28, 23));
  EXPECT_EQ(berlin.day_start({2026, 3, 30}) - berlin.day_start({2026, 3, 29}), 23 * 3600);
  EXPECT_EQ(berlin.day_start({2026, 10, 25}), utc(2026, 10, 24, 22));
  EXPECT_EQ(berlin.day_start({2026, 10, 26}) - berlin.day_start({2026, 10, 25}), 25 * 3600);

  EXPECT_EQ(berlin.local_date(utc(2026, 10, 24, 21, 59, 59)), (CivilDate{2026, 10, 24}));
  EXPECT_EQ(berlin.local_date(utc(2026, 10, 24, 22)), (CivilDate{2026, 10, 25}));
}

TEST(TimeZone, BerlinFarFutureComesFromFooterRule) {
  REQUIRE_SYSTEM_ZONEINFO();
  const TimeZone berlin = load_system("Europe/Berlin");
  EXPECT_EQ(berlin.offset_at(utc(2090, 3, 26, 0, 59, 59)), 3600);
  EXPECT_EQ(berlin.offset_at(utc(2090, 3, 26, 1)), 7200);
  EXPECT_EQ(berlin.offset_at(utc(2090, 10, 29, 1)), 3600);
  EXPECT_EQ(berlin.day_start({2090, 10, 29}), utc(2090, 10, 28, 22));
  // Far beyond any table: the 400-year cycle of the rule.
  EXPECT_EQ(berlin.offset_at(utc(9990, 7, 1)), 7200);
  EXPECT_EQ(berlin.offset_at(utc(9990, 12, 1)), 3600);
}

TEST(TimeZone, NewYork) {
  REQUIRE_SYSTEM_ZONEINFO();
  const TimeZone ny = load_system("America/New_York");
  EXPECT_EQ(ny.offset_at(utc(2026, 1, 15)), -5 * 3600);
  EXPECT_EQ(ny.offset_at(utc(2026, 3, 8, 6, 59, 59)), -5 * 3600);
  EXPECT_EQ(ny.offset_at(utc(2026, 3, 8, 7)), -4 * 3600);
  EXPECT_EQ(ny.offset_at(utc(2026, 11, 1, 6)), -5 * 3600);
  EXPECT_EQ(ny.day_start({2026, 3, 8}), utc(2026, 3, 8, 5));
  EXPECT_EQ(ny.day_start({2026, 3, 9}), utc(2026, 3, 9, 4));
  EXPECT_EQ(ny.day_start({2026, 11, 1}), utc(2026, 11, 1, 4));
  EXPECT_EQ(ny.day_start({2026, 11, 2}), utc(2026, 11, 2, 5));
  EXPECT_EQ(ny.local_date(utc(2026, 7, 1, 3, 59, 59)), (CivilDate{2026, 6, 30}));
}

TEST(TimeZone, HalfAndQuarterHourOffsets) {
  REQUIRE_SYSTEM_ZONEINFO();
  const TimeZone kolkata = load_system("Asia/Kolkata");
  EXPECT_EQ(kolkata.offset_at(utc(2026, 6, 1)), 5 * 3600 + 1800);
  EXPECT_EQ(kolkata.day_start({2026, 1, 1}), utc(2025, 12, 31, 18, 30));

  const TimeZone kathmandu = load_system("Asia/Kathmandu");
  EXPECT_EQ(kathmandu.offset_at(utc(2026, 6, 1)), 5 * 3600 + 45 * 60);
  EXPECT_EQ(kathmandu.day_start({2026, 1, 1}), utc(2025, 12, 31, 18, 15));
  EXPECT_EQ(kathmandu.offset_at(utc(1985, 6, 1)), 5 * 3600 + 1800);
  // 1986 began at 00:15: midnight was skipped.
  EXPECT_EQ(kathmandu.day_start({1986, 1, 1}), utc(1985, 12, 31, 18, 30));
  EXPECT_EQ(kathmandu.day_start({1985, 12, 31}), utc(1985, 12, 30, 18, 30));
}

TEST(TimeZone, LordHoweHasHalfHourDst) {
  REQUIRE_SYSTEM_ZONEINFO();
  const TimeZone lord_howe = load_system("Australia/Lord_Howe");
  EXPECT_EQ(lord_howe.offset_at(utc(2026, 1, 15)), 11 * 3600);
  EXPECT_EQ(lord_howe.offset_at(utc(2026, 7, 1)), 10 * 3600 + 1800);
  EXPECT_EQ(lord_howe.offset_at(utc(2026, 4, 4, 14, 59, 59)), 11 * 3600);
  EXPECT_EQ(lord_howe.offset_at(utc(2026, 4, 4, 15)), 10 * 3600 + 1800);
  EXPECT_EQ(lord_howe.day_start({2026, 4, 5}), utc(2026, 4, 4, 13));
  EXPECT_EQ(lord_howe.day_start({2026, 4, 6}) - lord_howe.day_start({2026, 4, 5}),
            24 * 3600 + 1800);
  EXPECT_EQ(lord_howe.day_start({2026, 10, 5}) - lord_howe.day_start({2026, 10, 4}),
            23 * 3600 + 1800);
}

TEST(TimeZone, SantiagoDayStartsAtOneWhenMidnightIsSkipped) {
  REQUIRE_SYSTEM_ZONEINFO();
  const TimeZone santiago = load_system("America/Santiago");
  // Saturday 2026-09-05 24:00 -04 became Sunday 01:00 -03.
  EXPECT_EQ(santiago.offset_at(utc(2026, 9, 6, 3, 59, 59)), -4 * 3600);
  EXPECT_EQ(santiago.offset_at(utc(2026, 9, 6, 4)), -3 * 3600);
  EXPECT_EQ(santiago.day_start({2026, 9, 5}), utc(2026, 9, 5, 4));
  EXPECT_EQ(santiago.day_start({2026, 9, 6}), utc(2026, 9, 6, 4));
  EXPECT_EQ(santiago.day_start({2026, 9, 7}), utc(2026, 9, 7, 3));
  EXPECT_EQ(santiago.local_date(utc(2026, 9, 6, 3, 59, 59)), (CivilDate{2026, 9, 5}));
  EXPECT_EQ(santiago.local_date(utc(2026, 9, 6, 4)), (CivilDate{2026, 9, 6}));
  // Autumn: Saturday 2026-04-04 24:00 -03 went back to 23:00 -04, so Saturday has 25 hours.
  EXPECT_EQ(santiago.day_start({2026, 4, 5}) - santiago.day_start({2026, 4, 4}), 25 * 3600);
}

TEST(TimeZone, HavanaSkippedAndRepeatedMidnight) {
  REQUIRE_SYSTEM_ZONEINFO();
  const TimeZone havana = load_system("America/Havana");
  // 2026-03-08 00:00 CST became 01:00 CDT: the day starts at 05:00Z, not at 04:00Z.
  EXPECT_EQ(havana.day_start({2026, 3, 8}), utc(2026, 3, 8, 5));
  EXPECT_EQ(havana.day_start({2026, 3, 9}), utc(2026, 3, 9, 4));
  // 2026-11-01 01:00 CDT went back to 00:00 CST: the day starts at the first midnight.
  EXPECT_EQ(havana.day_start({2026, 11, 1}), utc(2026, 11, 1, 4));
  EXPECT_EQ(havana.day_start({2026, 11, 2}), utc(2026, 11, 2, 5));
}

TEST(TimeZone, DatelineZonesAndSkippedDays) {
  REQUIRE_SYSTEM_ZONEINFO();
  const TimeZone apia = load_system("Pacific/Apia");
  EXPECT_EQ(apia.offset_at(utc(2026, 6, 1)), 13 * 3600);
  EXPECT_EQ(apia.day_start({2026, 6, 1}), utc(2026, 5, 31, 11));
  // Samoa skipped 2011-12-30: that day is empty and starts where the 31st starts.
  EXPECT_EQ(apia.offset_at(utc(2011, 12, 30, 9, 59, 59)), -10 * 3600);
  EXPECT_EQ(apia.offset_at(utc(2011, 12, 30, 10)), 14 * 3600);
  EXPECT_EQ(apia.day_start({2011, 12, 30}), utc(2011, 12, 30, 10));
  EXPECT_EQ(apia.day_start({2011, 12, 31}), utc(2011, 12, 30, 10));
  EXPECT_EQ(apia.day_start({2011, 12, 29}), utc(2011, 12, 29, 10));
  EXPECT_EQ(apia.local_date(utc(2011, 12, 30, 10)), (CivilDate{2011, 12, 31}));

  const TimeZone kiritimati = load_system("Pacific/Kiritimati");
  EXPECT_EQ(kiritimati.offset_at(utc(2026, 6, 1)), 14 * 3600);
  EXPECT_EQ(kiritimati.day_start({2026, 6, 1}), utc(2026, 5, 31, 10));
  EXPECT_EQ(kiritimati.day_start({1994, 12, 31}), utc(1994, 12, 31, 10));
  EXPECT_EQ(kiritimati.day_start({1995, 1, 1}), utc(1994, 12, 31, 10));
}

TEST(TimeZone, EtcGmtSignIsPosixStyle) {
  REQUIRE_SYSTEM_ZONEINFO();
  const TimeZone minus_five = load_system("Etc/GMT+5");
  EXPECT_EQ(minus_five.offset_at(utc(2026, 6, 1)), -5 * 3600);
  EXPECT_EQ(minus_five.day_start({2026, 1, 1}), utc(2026, 1, 1, 5));
  const TimeZone plus_fourteen = load_system("Etc/GMT-14");
  EXPECT_EQ(plus_fourteen.offset_at(utc(2026, 6, 1)), 14 * 3600);
  const TimeZone etc_utc = load_system("Etc/UTC");
  EXPECT_EQ(etc_utc.offset_at(utc(2026, 6, 1)), 0);
}

TEST(TimeZone, NegativeAndLongRuleTimesInFooter) {
  REQUIRE_SYSTEM_ZONEINFO();
  // "<-02>2<-01>,M3.5.0/-1,M10.5.0/0": changes at -01:00, i.e. Saturday 23:00 local.
  const TimeZone nuuk = load_system("America/Nuuk");
  EXPECT_EQ(nuuk.offset_at(utc(2090, 3, 26, 0, 59, 59)), -2 * 3600);
  EXPECT_EQ(nuuk.offset_at(utc(2090, 3, 26, 1)), -1 * 3600);
  EXPECT_EQ(nuuk.offset_at(utc(2090, 10, 29, 0, 59, 59)), -1 * 3600);
  EXPECT_EQ(nuuk.offset_at(utc(2090, 10, 29, 1)), -2 * 3600);
  // "IST-2IDT,M3.4.4/26,M10.5.0": Thursday 26:00 is Friday 02:00.
  const TimeZone jerusalem = load_system("Asia/Jerusalem");
  EXPECT_EQ(jerusalem.offset_at(utc(2090, 3, 23, 23, 59, 59)), 2 * 3600);
  EXPECT_EQ(jerusalem.offset_at(utc(2090, 3, 24)), 3 * 3600);
}

TEST(TimeZone, DayStartIsFirstInstantOfTheLocalDay) {
  REQUIRE_SYSTEM_ZONEINFO();
  for (const char* name : {"Europe/Berlin", "America/Havana", "America/Santiago", "Pacific/Apia",
                           "Australia/Lord_Howe", "Asia/Kathmandu", "Africa/Cairo"}) {
    const TimeZone zone = load_system(name);
    const auto local_seconds = [&](std::int64_t t) { return t + zone.offset_at(t); };
    for (std::int64_t day = days_from_civil({1970, 1, 2}); day <= days_from_civil({2060, 1, 1});
         ++day) {
      const std::int64_t start = zone.day_start(civil_from_days(day));
      ASSERT_GE(local_seconds(start), day * 86400)
          << name << ' ' << to_string(civil_from_days(day));
      ASSERT_LT(local_seconds(start - 1), day * 86400)
          << name << ' ' << to_string(civil_from_days(day));
      ASSERT_LE(zone.day_start(civil_from_days(day - 1)), start) << name;
    }
  }
}

TEST(TimeZone, CopiesShareDataAcrossThreads) {
  REQUIRE_SYSTEM_ZONEINFO();
  const TimeZone berlin = load_system("Europe/Berlin");
  std::vector<std::thread> threads;
  std::vector<std::int64_t> sums(4, 0);
  for (std::size_t i = 0; i < sums.size(); ++i) {
    threads.emplace_back([zone = berlin, &sum = sums[i]] {
      for (int day = 0; day < 20000; ++day)
        sum += zone.day_start(civil_from_days(day)) % 7919;
    });
  }
  for (auto& t : threads)
    t.join();
  for (std::int64_t sum : sums)
    EXPECT_EQ(sum, sums[0]);
}

// ---- Against glibc ----

// Our offsets vs. glibc's localtime_r under TZ=":<zone>" at random instants of 1970..2100, on a
// roughly daily grid, and one second either side of every change we find; returns the
// mismatches. Changes TZ for the process, so single-threaded tests only.
struct GlibcComparison {
  std::size_t instants = 0;
  std::size_t mismatches = 0;
  std::string first_mismatch;
};

GlibcComparison compare_with_glibc(const TimeZone& zone, const std::string& tz_value,
                                   bool daily_grid, std::size_t random_instants) {
  ::setenv("TZ", tz_value.c_str(), 1);
  ::tzset();
  GlibcComparison result;
  const auto check = [&](std::int64_t t) {
    const std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    ::localtime_r(&tt, &tm);
    ++result.instants;
    if (tm.tm_gmtoff != zone.offset_at(t)) {
      if (result.mismatches++ == 0) {
        result.first_mismatch = zone.name() + " at " + std::to_string(t) + ": ours " +
                                std::to_string(zone.offset_at(t)) + ", glibc " +
                                std::to_string(tm.tm_gmtoff);
      }
    }
  };
  const std::int64_t begin = utc(1970, 1, 1);
  const std::int64_t end = utc(2101, 1, 1);
  std::mt19937_64 random(20260329);
  std::uniform_int_distribution<std::int64_t> instant(begin, end - 1);
  for (std::size_t i = 0; i < random_instants; ++i)
    check(instant(random));
  // A step of a day and 1 h 37 min 13 s samples every hour of the day over the years.
  constexpr std::int64_t kStep = 86400 + 5833;
  for (std::int64_t t = begin; t + kStep < end; t += kStep) {
    if (daily_grid) check(t);
    if (zone.offset_at(t) == zone.offset_at(t + kStep)) continue;
    std::int64_t lo = t;  // offset_at(lo) differs from offset_at(hi)
    std::int64_t hi = t + kStep;
    while (hi - lo > 1) {
      const std::int64_t mid = lo + (hi - lo) / 2;
      (zone.offset_at(mid) == zone.offset_at(lo) ? lo : hi) = mid;
    }
    check(lo);
    check(hi);
  }
  return result;
}

class TzEnvironment {
 public:
  TzEnvironment() {
    if (const char* tz = std::getenv("TZ")) saved_ = tz;
  }
  ~TzEnvironment() {
    if (saved_) {
      ::setenv("TZ", saved_->c_str(), 1);
    } else {
      ::unsetenv("TZ");
    }
    ::tzset();
  }

 private:
  std::optional<std::string> saved_;
};

TEST(TimeZone, MatchesGlibcForSelectedZones) {
  REQUIRE_SYSTEM_ZONEINFO();
  const TzEnvironment restore_tz;
  std::size_t instants = 0;
  for (const char* name :
       {"Europe/Berlin",      "Europe/London",       "Europe/Dublin",       "Europe/Lisbon",
        "Europe/Moscow",      "Europe/Chisinau",     "Atlantic/Azores",     "America/New_York",
        "America/Chicago",    "America/Denver",      "America/Phoenix",     "America/Los_Angeles",
        "America/Anchorage",  "America/St_Johns",    "America/Havana",      "America/Santiago",
        "America/Nuuk",       "America/Sao_Paulo",   "America/Mexico_City", "America/Miquelon",
        "Pacific/Easter",     "Asia/Kolkata",        "Asia/Kathmandu",      "Asia/Tehran",
        "Asia/Jerusalem",     "Asia/Gaza",           "Asia/Beirut",         "Africa/Cairo",
        "Africa/Casablanca",  "Asia/Tokyo",          "Asia/Shanghai",       "Australia/Sydney",
        "Australia/Adelaide", "Australia/Lord_Howe", "Australia/Eucla",     "Pacific/Auckland",
        "Pacific/Chatham",    "Pacific/Apia",        "Pacific/Kiritimati",  "Pacific/Norfolk",
        "Antarctica/Troll",   "Etc/GMT+5",           "Etc/GMT-14",          "UTC"}) {
    const TimeZone zone = load_system(name);
    const GlibcComparison result =
        compare_with_glibc(zone, std::string(":") + name, /*daily_grid=*/true, 3000);
    EXPECT_EQ(result.mismatches, 0u) << result.first_mismatch;
    instants += result.instants;
  }
  RecordProperty("instants", std::to_string(instants));
  std::printf("[          ] compared %zu instants with glibc\n", instants);
}

TEST(TimeZone, MatchesGlibcForEverySystemZone) {
  REQUIRE_SYSTEM_ZONEINFO();
  const TzEnvironment restore_tz;
  const fs::path root(kSystemZoneinfoDir);
  std::size_t zones = 0;
  std::size_t instants = 0;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    const std::string name = fs::relative(it->path(), root).generic_string();
    if (it->is_directory() && (name == "posix" || name == "right")) {
      it.disable_recursion_pending();  // copies of the main tree; "right" counts leap seconds
      continue;
    }
    if (!it->is_regular_file() || name == "localtime") continue;
    const auto zone = TimeZone::load(name);
    if (!zone) continue;  // zone.tab, tzdata.zi, leapseconds, ...
    ++zones;
    const GlibcComparison result = compare_with_glibc(*zone, ":" + name, /*daily_grid=*/false, 500);
    EXPECT_EQ(result.mismatches, 0u) << result.first_mismatch;
    instants += result.instants;
  }
  EXPECT_GT(zones, 300u);
  std::printf("[          ] compared %zu zones, %zu instants with glibc\n", zones, instants);
}

// ---- Hand-made files ----

TEST_F(TimeZoneFiles, FooterRuleFormsMatchGlibc) {
  const TzEnvironment restore_tz;
  struct Case {
    const char* footer;
    std::int32_t first_offset;
  };
  // Slim files: one transition in 1960 and the footer for everything after. Each case gets its
  // own file, as glibc keeps a file it has read while name, inode and mtime stay the same.
  int file_number = 0;
  for (const Case& c : std::vector<Case>{
           {"CET-1CEST,M3.5.0,M10.5.0/3", 3600},
           {"EST5EDT,M3.2.0,M11.1.0", -18000},
           {"<+0330>-3:30", 12600},
           {"XXX3YYY,J60/1:30,J300", -10800},            // Jn never counts Feb 29
           {"XXX3YYY,59/1:30,300/0", -10800},            // n counts it
           {"<-02>2<-01>,M3.5.0/-1,M10.5.0/0", -7200},   // negative time
           {"EET-2EEST,M3.4.4/50,M10.4.4/50", 7200},     // beyond 24 h
           {"AAA-10BBB-11:30,M10.1.0,M4.1.0/3", 36000},  // southern, 90-minute DST
           {"IST-1GMT0,M10.5.0,M3.5.0/1", 3600},         // negative DST, as Europe/Dublin
           {"<+00>0<+02>-2,M3.5.0/1,M10.5.0/3", 0},      // 2-hour DST, as Antarctica/Troll
           {"AAA-14BBB-13,M5.5.6/-167,M11.1.0/167", 50400},
       }) {
    const std::string name = "Test/Zone" + std::to_string(++file_number);
    write(name,
          tzif_v2('3', {{0, false}, {c.first_offset, false}}, {{utc(1960, 1, 1), 1}}, c.footer));
    const auto zone = TimeZone::load(name, dir_);
    ASSERT_TRUE(zone.has_value()) << c.footer;
    const GlibcComparison result =
        compare_with_glibc(*zone, ":" + (dir_ / name).string(), /*daily_grid=*/true, 1000);
    EXPECT_EQ(result.mismatches, 0u) << c.footer << ": " << result.first_mismatch;
  }
}

TEST_F(TimeZoneFiles, DstAllYearNeverFallsBackToStandardTime) {
  // RFC 8536 §3.3.1's form for permanent DST. glibc disagrees here: it evaluates the rule of the
  // UTC year only, so it shows EST from 00:00Z to 05:00Z every January 1.
  write("Always/Dst", tzif_v2('3', {{-18000, false}}, {}, "EST5EDT,0/0,J365/25"));
  const auto zone = TimeZone::load("Always/Dst", dir_);
  ASSERT_TRUE(zone.has_value());
  for (int year = 1970; year <= 2100; ++year) {
    for (std::int64_t t : {utc(year, 1, 1), utc(year, 1, 1, 4, 59, 59), utc(year, 1, 1, 5),
                           utc(year, 7, 1), utc(year, 12, 31, 23, 59, 59)}) {
      ASSERT_EQ(zone->offset_at(t), -4 * 3600) << t;
    }
    ASSERT_EQ(zone->day_start({year, 1, 1}), utc(year, 1, 1, 4));
  }
}

TEST_F(TimeZoneFiles, JulianAndZeroBasedDaysDifferInLeapYears) {
  write("A/Julian", tzif_v2('2', {{0, false}}, {}, "XXX3YYY,J60/0,J300/0"));
  write("A/Zero", tzif_v2('2', {{0, false}}, {}, "XXX3YYY,59/0,300/0"));
  const auto julian = TimeZone::load("A/Julian", dir_);
  const auto zero = TimeZone::load("A/Zero", dir_);
  ASSERT_TRUE(julian && zero);
  // 2023: both are March 1 (Jn: the 60th day ignoring Feb 29; n: day 59 counting from 0).
  EXPECT_EQ(julian->day_start({2023, 3, 2}) - julian->day_start({2023, 3, 1}), 23 * 3600);
  EXPECT_EQ(zero->day_start({2023, 3, 2}) - zero->day_start({2023, 3, 1}), 23 * 3600);
  // 2024: J60 is still March 1, 59 is Feb 29.
  EXPECT_EQ(julian->day_start({2024, 3, 2}) - julian->day_start({2024, 3, 1}), 23 * 3600);
  EXPECT_EQ(zero->day_start({2024, 3, 1}) - zero->day_start({2024, 2, 29}), 23 * 3600);
  EXPECT_EQ(zero->offset_at(utc(2024, 2, 29, 2, 59, 59)), -3 * 3600);
  EXPECT_EQ(zero->offset_at(utc(2024, 2, 29, 3)), -2 * 3600);
}

TEST_F(TimeZoneFiles, ReadsVersion1Files) {
  // 32-bit data only and no footer: the last transition's type holds forever.
  write("Old/Zone",
        tzif_v1({{-18000, false}, {-14400, true}, {3600, false}},
                {{utc(2000, 4, 2, 7), 1}, {utc(2000, 10, 29, 6), 0}, {utc(2001, 1, 1), 2}}));
  const auto zone = TimeZone::load("Old/Zone", dir_);
  ASSERT_TRUE(zone.has_value());
  EXPECT_EQ(zone->offset_at(utc(1990, 1, 1)), -18000);  // before the first: the first type
  EXPECT_EQ(zone->offset_at(utc(2000, 4, 2, 6, 59, 59)), -18000);
  EXPECT_EQ(zone->offset_at(utc(2000, 4, 2, 7)), -14400);
  EXPECT_EQ(zone->offset_at(utc(2000, 10, 29, 6)), -18000);
  EXPECT_EQ(zone->offset_at(utc(2050, 1, 1)), 3600);
  EXPECT_EQ(zone->day_start({2000, 4, 2}), utc(2000, 4, 2, 5));
}

TEST_F(TimeZoneFiles, BeforeFirstTransitionUsesFirstType) {
  // Type 0 is DST here on purpose: RFC 8536 still says type 0, not the first standard type.
  write("First/Type", tzif_v2('2', {{7200, true}, {3600, false}}, {{utc(2000, 1, 1), 1}}, ""));
  const auto zone = TimeZone::load("First/Type", dir_);
  ASSERT_TRUE(zone.has_value());
  EXPECT_EQ(zone->offset_at(utc(1999, 12, 31, 23, 59, 59)), 7200);
  EXPECT_EQ(zone->offset_at(utc(2000, 1, 1)), 3600);
  EXPECT_EQ(zone->offset_at(utc(2100, 1, 1)), 3600);  // empty footer: the last type
}

TEST(TimeZoneNames, MalformedNamesAreRejected) {
  for (const std::string& name : std::vector<std::string>{
           "../etc/passwd", "/etc/localtime", "Europe//Berlin", "Europe/./Berlin", "Europe/../UTC",
           "Europe/Berlin/", "", ".", "..", "Europe/Berlin\n", "Europe/Ber lin", "Europe\\Berlin",
           std::string(65, 'A'), "Nowhere/City", "Europe", "zone.tab", "right/Europe/Berlin"}) {
    EXPECT_EQ(TimeZone::load(name), std::nullopt) << '"' << name << '"';
  }
  EXPECT_EQ(TimeZone::load(std::string_view("UTC\0", 4)), std::nullopt);
}

TEST_F(TimeZoneFiles, LongestNameIsAccepted) {
  const std::string name = "A/" + std::string(62, 'b');
  write(name, tzif_v2('2', {{3600, false}}, {}, "<+01>-1"));
  EXPECT_TRUE(TimeZone::load(name, dir_).has_value());
  write("A/" + std::string(63, 'b'), tzif_v2('2', {{3600, false}}, {}, "<+01>-1"));
  EXPECT_EQ(TimeZone::load("A/" + std::string(63, 'b'), dir_), std::nullopt);
}

TEST_F(TimeZoneFiles, TruncatedAndGarbageFilesAreRejected) {
  REQUIRE_SYSTEM_ZONEINFO();
  const std::string berlin = read_system_file("Europe/Berlin");
  ASSERT_GT(berlin.size(), 1000u);
  write("Real/Berlin", berlin);
  EXPECT_TRUE(TimeZone::load("Real/Berlin", dir_).has_value());
  write("Bad/Truncated", berlin.substr(0, berlin.size() / 2));
  EXPECT_EQ(TimeZone::load("Bad/Truncated", dir_), std::nullopt);
  write("Bad/Garbage", "TZif2 this is not a time zone file, just some bytes\n");
  EXPECT_EQ(TimeZone::load("Bad/Garbage", dir_), std::nullopt);
  write("Bad/Empty", "");
  EXPECT_EQ(TimeZone::load("Bad/Empty", dir_), std::nullopt);
  std::mt19937 random(7);
  std::string noise(4096, '\0');
  for (char& c : noise)
    c = static_cast<char>(random());
  write("Bad/Noise", noise);
  EXPECT_EQ(TimeZone::load("Bad/Noise", dir_), std::nullopt);
  // Every shorter prefix lacks at least the footer's closing newline. All cuts in the headers and
  // the footer, a sample in between (each is a file write).
  for (std::size_t size = 0; size < berlin.size();
       size += (size < 100 || size + 100 > berlin.size()) ? 1 : 13) {
    write("Bad/Prefix", berlin.substr(0, size));
    ASSERT_EQ(TimeZone::load("Bad/Prefix", dir_), std::nullopt) << size;
  }
}

TEST_F(TimeZoneFiles, CorruptedBytesNeverCrash) {
  REQUIRE_SYSTEM_ZONEINFO();
  const std::string original = read_system_file("America/Santiago");
  std::mt19937 random(11);
  int loaded = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string bytes = original;
    for (int flips = 1 + round % 4; flips > 0; --flips) {
      bytes[random() % bytes.size()] = static_cast<char>(random());
    }
    write("Fuzz/Zone", bytes);
    const auto zone = TimeZone::load("Fuzz/Zone", dir_);
    if (!zone) continue;
    ++loaded;
    // Whatever was accepted must answer within the offset bounds.
    for (std::int64_t t : {std::numeric_limits<std::int64_t>::min(), std::int64_t{0},
                           utc(2026, 9, 6), std::numeric_limits<std::int64_t>::max()}) {
      ASSERT_LE(std::abs(zone->offset_at(t)), 26 * 3600);
      (void)zone->local_date(t);
    }
    ASSERT_LE(zone->day_start({2026, 9, 5}), zone->day_start({2026, 9, 6}));
    (void)zone->day_start({std::numeric_limits<int>::max(), 12, 31});
    (void)zone->day_start({std::numeric_limits<int>::min(), 1, 1});
  }
  EXPECT_GT(loaded, 0);  // many flips land in abbreviations or old transitions
}

TEST_F(TimeZoneFiles, StructurallyInvalidFilesAreRejected) {
  const std::vector<TzifType> one_type = {{3600, false}};
  write("Ok/Zone", tzif_v2('2', one_type, {}, "<+01>-1"));
  EXPECT_TRUE(TimeZone::load("Ok/Zone", dir_).has_value());

  write("Bad/Unsorted", tzif_v2('2', {{0, false}, {3600, false}},
                                {{utc(2001, 1, 1), 1}, {utc(2000, 1, 1), 0}}, ""));
  write("Bad/TypeIndex", tzif_v2('2', one_type, {{utc(2000, 1, 1), 1}}, ""));
  write("Bad/HugeOffset", tzif_v2('2', {{100000, false}}, {}, ""));
  write("Bad/Version", tzif_v2('9', one_type, {}, "<+01>-1"));
  write("Bad/Footer", tzif_v2('2', one_type, {}, "CET-1CEST"));  // DST without rules
  write("Bad/FooterJunk", tzif_v2('2', one_type, {}, "CET-1CEST,M3.5.0,M10.5.0/3x"));
  write("Bad/FooterMonth", tzif_v2('2', one_type, {}, "CET-1CEST,M13.5.0,M10.5.0/3"));
  write("Bad/FooterHours", tzif_v2('2', one_type, {}, "CET-1CEST,M3.5.0/168,M10.5.0"));
  std::string no_newline = tzif_v2('2', one_type, {}, "<+01>-1");
  no_newline.pop_back();
  write("Bad/NoNewline", no_newline);
  std::string leap = tzif_v1(one_type, {});
  leap[31] = 1;                           // leapcnt = 1, as in "right/" files
  leap.insert(leap.size() - 2, 8, '\0');  // the record goes before isstd and isut
  write("Bad/Leap", leap);
  std::string huge_count = tzif_v1(one_type, {});
  huge_count[32] = '\x7F';  // timecnt far beyond the file
  write("Bad/HugeCount", huge_count);
  write("Bad/TooLarge", tzif_v2('2', one_type, {}, "<+01>-1") + std::string(1 << 20, '\n'));
  for (const char* name : {"Bad/Unsorted", "Bad/TypeIndex", "Bad/HugeOffset", "Bad/Version",
                           "Bad/Footer", "Bad/FooterJunk", "Bad/FooterMonth", "Bad/FooterHours",
                           "Bad/NoNewline", "Bad/Leap", "Bad/HugeCount", "Bad/TooLarge"}) {
    EXPECT_EQ(TimeZone::load(name, dir_), std::nullopt) << name;
  }
}

TEST_F(TimeZoneFiles, SymlinksMayNotLeaveTheZoneinfoDir) {
  REQUIRE_SYSTEM_ZONEINFO();
  const fs::path inside = dir_ / "zoneinfo";
  write("outside", read_system_file("Europe/Berlin"));
  write("zoneinfo/Europe/Berlin", read_system_file("Europe/Berlin"));
  fs::create_symlink("Europe/Berlin", inside / "CET");
  fs::create_symlink(dir_ / "outside", inside / "Escape");
  EXPECT_TRUE(TimeZone::load("CET", inside).has_value());
  EXPECT_EQ(TimeZone::load("Escape", inside), std::nullopt);
  EXPECT_TRUE(TimeZone::load("outside", dir_).has_value());
}

}  // namespace
}  // namespace shop
