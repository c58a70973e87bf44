#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/analytics_store.hpp"
#include "core/time_zone.hpp"

namespace shop {
class Clock;
}

namespace shop::analytics {

inline constexpr std::int64_t kDefaultDays = 30;
inline constexpr std::int64_t kMaxDays = 366;
inline constexpr std::int64_t kDefaultLowStock = 5;
inline constexpr std::int64_t kTopProducts = 5;
inline constexpr std::int64_t kLowStockRows = 50;

// What a report covers: local days from..to, both included, in a time zone.
struct ReportQuery {
  CivilDate from{};
  CivilDate to{};
  TimeZone tz = TimeZone::utc();
  std::int64_t low_stock = kDefaultLowStock;

  std::int64_t days() const { return days_from_civil(to) - days_from_civil(from) + 1; }
};

// A time zone by its IANA name, or nullopt for an unknown or malformed name.
using ZoneLookup = std::function<std::optional<TimeZone>(std::string_view name)>;

// The query string of GET /api/admin/analytics (from, to, tz, lowStock) as a ReportQuery. "Today"
// is the date at `now_ms` in the requested zone (UTC by default). Throws Error{invalid_input}
// with one field error per bad parameter. Defaults: the 30 days that end today; `from` alone
// runs to today (or 30 days if today is before it), `to` alone covers the 30 days that end then.
ReportQuery read_report_query(std::string_view query, std::int64_t now_ms, const ZoneLookup& zones);

struct DaySales {
  CivilDate date{};
  SalesTotals totals;
};

struct Report {
  ReportQuery query;
  CivilDate previous_from{};  // the period of the same length just before
  CivilDate previous_to{};
  SalesTotals current;
  SalesTotals previous;
  std::int64_t units_sold = 0;
  std::int64_t new_customers = 0;
  std::vector<DaySales> daily;  // every day of the range, in order
  std::vector<ProductSales> top_products;
  std::array<std::int64_t, 5> orders_by_status{};  // by orders::OrderStatus
  std::vector<LowStockProduct> low_stock;
};

// Exact money: the mean order value in minor units, rounded half up; 0 without orders.
Cents average_order_value(const SalesTotals& t);
// The change from `previous` to `current` in percent, rounded half away from zero to one
// decimal, as tenths of a percent (125 = 12.5 %); nullopt when there is nothing to compare with.
std::optional<std::int64_t> growth_tenths(std::int64_t previous, std::int64_t current);

// The admin sales report. Every figure is an SQL aggregate, all of them read in one read
// transaction (one snapshot). Cancelled orders count in orders_by_status only.
class AnalyticsService {
 public:
  AnalyticsService(storage::Database& db, const Clock& clock);

  // The query string of a request, read with this service's clock and time-zone cache.
  ReportQuery read_query(std::string_view query);
  Report report(const ReportQuery& query);

 private:
  std::optional<TimeZone> zone(std::string_view name);

  storage::Database& db_;
  const Clock& clock_;
  AnalyticsStore store_;
  std::mutex zones_mutex_;
  std::map<std::string, TimeZone, std::less<>> zones_;  // loaded zones, by name
};

}  // namespace shop::analytics
