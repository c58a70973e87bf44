#include "http/metrics.hpp"

#include <fmt/format.h>

#include "http/router.hpp"

namespace shop::http {
namespace {

// Label values may not contain a raw quote, backslash or newline.
std::string escape_label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

Metrics::Metrics(const Router& router) : router_(router) {}

Metrics::~Metrics() = default;

const std::vector<std::unique_ptr<Metrics::Series>>& Metrics::series() const {
  std::call_once(series_made_, [this] {
    for (const auto& r : router_.routes()) {
      auto s = std::make_unique<Series>();
      s->method = std::string(method_name(r->method));
      s->route = escape_label(r->pattern);
      series_.push_back(std::move(s));
    }
    auto none = std::make_unique<Series>();
    none->method = "any";
    none->route = "unmatched";
    series_.push_back(std::move(none));
  });
  return series_;
}

void Metrics::record(std::size_t route_index, int status, std::chrono::microseconds duration) {
  const auto& all = series();
  Series& s = *all[route_index < all.size() ? route_index : all.size() - 1];
  if (status >= 100 && status < 600)
    s.by_status[status - 100].fetch_add(1, std::memory_order_relaxed);
  double seconds = static_cast<double>(duration.count()) / 1e6;
  std::size_t b = 0;
  while (b < kBuckets.size() && seconds > kBuckets[b])
    ++b;
  s.buckets[b].fetch_add(1, std::memory_order_relaxed);
  s.sum_us.fetch_add(static_cast<std::uint64_t>(duration.count()), std::memory_order_relaxed);
  s.count.fetch_add(1, std::memory_order_relaxed);
}

void Metrics::add_gauge(std::string name, std::string help, std::string type,
                        std::function<double()> read) {
  std::lock_guard lock(gauges_mutex_);
  gauges_.push_back(Gauge{std::move(name), std::move(help), std::move(type), std::move(read)});
}

std::string Metrics::render() const {
  fmt::memory_buffer out;
  auto it = std::back_inserter(out);
  fmt::format_to(it,
                 "# HELP shopd_http_requests_total HTTP requests by route and status.\n"
                 "# TYPE shopd_http_requests_total counter\n");
  const auto& all = series();
  for (const auto& s : all)
    for (std::size_t i = 0; i < s->by_status.size(); ++i)
      if (auto n = s->by_status[i].load(std::memory_order_relaxed))
        fmt::format_to(it,
                       "shopd_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}\n",
                       s->method, s->route, i + 100, n);
  fmt::format_to(
      it,
      "# HELP shopd_http_request_duration_seconds Time from parsed request to response.\n"
      "# TYPE shopd_http_request_duration_seconds histogram\n");
  for (const auto& s : all) {
    std::uint64_t count = s->count.load(std::memory_order_relaxed);
    if (count == 0) continue;
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b <= kBuckets.size(); ++b) {
      cumulative += s->buckets[b].load(std::memory_order_relaxed);
      std::string le = b < kBuckets.size() ? fmt::format("{}", kBuckets[b]) : "+Inf";
      fmt::format_to(
          it,
          "shopd_http_request_duration_seconds_bucket{{method=\"{}\",route=\"{}\",le=\"{}\"}} {}\n",
          s->method, s->route, le, cumulative);
    }
    fmt::format_to(it, "shopd_http_request_duration_seconds_sum{{method=\"{}\",route=\"{}\"}} {}\n",
                   s->method, s->route,
                   static_cast<double>(s->sum_us.load(std::memory_order_relaxed)) / 1e6);
    fmt::format_to(it,
                   "shopd_http_request_duration_seconds_count{{method=\"{}\",route=\"{}\"}} {}\n",
                   s->method, s->route, count);
  }
  std::lock_guard lock(gauges_mutex_);
  for (const auto& g : gauges_)
    fmt::format_to(it, "# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", g.name, g.help, g.type,
                   g.read());
  return fmt::to_string(out);
}

}  // namespace shop::http
