#include "analytics/analytics_service.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/time.hpp"
#include "http/body.hpp"
#include "storage/transaction.hpp"

namespace shop::analytics {
namespace {

constexpr std::int64_t kMaxLowStock = 1'000'000;

CivilDate add_days(CivilDate d, std::int64_t n) {
  return civil_from_days(days_from_civil(d) + n);
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

}  // namespace

ReportQuery read_report_query(std::string_view query, std::int64_t now_ms,
                              const ZoneLookup& zones) {
  std::vector<FieldError> errors;
  std::optional<CivilDate> from;
  std::optional<CivilDate> to;
  ReportQuery q;
  for (auto& [name, value] : http::parse_urlencoded(query)) {
    if (name == "from" || name == "to") {
      auto date = parse_civil_date(value);
      if (!date)
        errors.push_back({name, "must be a date as YYYY-MM-DD"});
      else
        (name == "from" ? from : to) = date;
    } else if (name == "tz") {
      auto zone = zones(value);
      if (!zone)
        errors.push_back({name, "must be an IANA time zone name, such as UTC or Europe/Berlin"});
      else
        q.tz = *zone;
    } else if (name == "lowStock") {
      auto n = http::parse_query_integer(value);
      if (!n || *n < 0 || *n > kMaxLowStock)
        errors.push_back({name, fmt::format("must be an integer from 0 to {}", kMaxLowStock)});
      else
        q.low_stock = *n;
    }
  }
  if (!errors.empty()) throw Error(ErrorCode::invalid_input, "Invalid query", errors);
  CivilDate today = q.tz.local_date(floor_div(now_ms, 1000));
  if (from && to) {
    q.from = *from;
    q.to = *to;
  } else if (from) {
    q.from = *from;
    q.to = days_from_civil(today) >= days_from_civil(*from) ? today
                                                            : add_days(*from, kDefaultDays - 1);
  } else {
    q.to = to.value_or(today);
    q.from = add_days(q.to, -(kDefaultDays - 1));
  }
  if (q.days() < 1)
    throw Error(ErrorCode::invalid_input, "Invalid query", {{"to", "must not be before from"}});
  if (q.days() > kMaxDays)
    throw Error(ErrorCode::invalid_input, "Invalid query",
                {{"from", fmt::format("the range is at most {} days", kMaxDays)}});
  if (q.from.year < 1971 || q.to.year > 9998)
    throw Error(ErrorCode::invalid_input, "Invalid query",
                {{q.from.year < 1971 ? "from" : "to", "must be within the years 1971 to 9998"}});
  return q;
}

Cents average_order_value(const SalesTotals& t) {
  if (t.orders <= 0) return 0;
  return (t.sales + t.orders / 2) / t.orders;
}

std::optional<std::int64_t> growth_tenths(std::int64_t previous, std::int64_t current) {
  if (previous <= 0) return std::nullopt;
  __extension__ using Wide = __int128;
  Wide num = static_cast<Wide>(current - previous) * 1000;
  Wide den = previous;
  Wide q = (2 * (num < 0 ? -num : num) + den) / (2 * den);
  return static_cast<std::int64_t>(num < 0 ? -q : q);
}

AnalyticsService::AnalyticsService(storage::Database& db, const Clock& clock)
    : db_(db), clock_(clock) {}

std::optional<TimeZone> AnalyticsService::zone(std::string_view name) {
  std::lock_guard lock(zones_mutex_);
  if (auto it = zones_.find(name); it != zones_.end()) return it->second;
  auto loaded = TimeZone::load(name);
  // Only zones that exist are kept: at most the few hundred of the system's database.
  if (loaded) zones_.emplace(std::string(name), *loaded);
  return loaded;
}

ReportQuery AnalyticsService::read_query(std::string_view query) {
  return read_report_query(query, epoch_ms(clock_.now()),
                           [this](std::string_view name) { return zone(name); });
}

Report AnalyticsService::report(const ReportQuery& q) {
  Report r;
  r.query = q;
  std::int64_t days = q.days();
  r.previous_from = add_days(q.from, -days);
  r.previous_to = add_days(q.from, -1);
  // The instants at which the local days begin: days + 1 bounds for the range.
  std::vector<std::int64_t> starts;
  starts.reserve(static_cast<std::size_t>(days) + 1);
  for (std::int64_t i = 0; i <= days; ++i)
    starts.push_back(q.tz.day_start(add_days(q.from, i)) * 1000);
  std::int64_t from = starts.front();
  std::int64_t to = starts.back();
  std::int64_t previous_from = q.tz.day_start(r.previous_from) * 1000;

  auto lease = db_.acquire();
  storage::Transaction tx(lease, storage::TxMode::snapshot);
  auto daily = store_.totals_by_span(tx, starts);
  r.daily.reserve(daily.size());
  for (std::size_t i = 0; i < daily.size(); ++i) {
    r.daily.push_back(DaySales{add_days(q.from, static_cast<std::int64_t>(i)), daily[i].sales});
    r.current.orders += daily[i].sales.orders;
    r.current.sales += daily[i].sales.sales;
    for (std::size_t s = 0; s < r.orders_by_status.size(); ++s)
      r.orders_by_status[s] += daily[i].by_status[s];
  }
  r.previous = store_.totals_by_span(tx, {previous_from, from}).front().sales;
  auto sold = store_.product_sales(tx, from, to);
  for (const auto& p : sold)
    r.units_sold += p.units;
  // The best sellers: highest sales first, ties by product id.
  auto best = [](const ProductSales& a, const ProductSales& b) {
    return a.sales != b.sales ? a.sales > b.sales : a.product_id < b.product_id;
  };
  auto top = std::min<std::size_t>(sold.size(), kTopProducts);
  std::partial_sort(sold.begin(), sold.begin() + static_cast<std::ptrdiff_t>(top), sold.end(),
                    best);
  sold.resize(top);
  store_.describe(tx, sold, from, to);
  r.top_products = std::move(sold);
  r.new_customers = store_.new_customers(tx, from, to);
  r.low_stock = store_.low_stock(tx, q.low_stock, kLowStockRows);
  tx.commit();
  return r;
}

}  // namespace shop::analytics
