#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

namespace shop::cache {

// De-duplicates concurrent loads of one key within the process, so a burst of misses on one key
// runs one database query instead of one per request.
class SingleFlight {
 public:
  SingleFlight();
  ~SingleFlight();
  SingleFlight(const SingleFlight&) = delete;
  SingleFlight& operator=(const SingleFlight&) = delete;

  // Runs load() for key unless a load of the same key is already running, in which case it waits
  // for that one and returns its result (or rethrows its exception). Returns {value, shared}:
  // shared is true when the value came from another caller's load. load must not call run() for
  // the same key (it would wait for itself).
  std::pair<std::string, bool> run(const std::string& key,
                                   const std::function<std::string()>& load);

  // Loads running now (0 when idle: finished loads leave nothing behind).
  std::size_t in_flight() const;

 private:
  struct Flight;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Flight>> flights_;
};

}  // namespace shop::cache
