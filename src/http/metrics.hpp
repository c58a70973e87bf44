#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace shop::http {

class Router;

// Prometheus counters and histograms for requests, plus gauges that other parts register.
// Recording is lock-free; rendering reads the atomics.
class Metrics {
 public:
  // One series per route of the router, plus one for requests that matched no route. The
  // router may still be filled after this: the series are made from it on the first record or
  // render, once every route is in (the server starts after all routes are added).
  explicit Metrics(const Router& router);
  ~Metrics();

  // route_index is Route::index, or unmatched() for 404/405 answers.
  void record(std::size_t route_index, int status, std::chrono::microseconds duration);
  std::size_t unmatched() const { return series().size() - 1; }

  // Adds lines to the output: a gauge or counter read at scrape time (help, type, value).
  void add_gauge(std::string name, std::string help, std::string type,
                 std::function<double()> read);

  // The Prometheus text exposition format.
  std::string render() const;

 private:
  static constexpr std::array<double, 14> kBuckets = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0};
  struct Series {
    std::string method, route;
    std::array<std::atomic<std::uint64_t>, 500> by_status{};  // index = status - 100
    std::array<std::atomic<std::uint64_t>, kBuckets.size() + 1> buckets{};
    std::atomic<std::uint64_t> sum_us{0};
    std::atomic<std::uint64_t> count{0};
  };
  struct Gauge {
    std::string name, help, type;
    std::function<double()> read;
  };
  const std::vector<std::unique_ptr<Series>>& series() const;

  const Router& router_;
  mutable std::once_flag series_made_;
  mutable std::vector<std::unique_ptr<Series>> series_;
  mutable std::mutex gauges_mutex_;
  std::vector<Gauge> gauges_;
};

}  // namespace shop::http
