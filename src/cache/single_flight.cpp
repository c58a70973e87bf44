#include "cache/single_flight.hpp"

#include <exception>
#include <future>

namespace shop::cache {

struct SingleFlight::Flight {
  std::shared_future<std::string> result;
};

SingleFlight::SingleFlight() = default;

SingleFlight::~SingleFlight() = default;

std::pair<std::string, bool> SingleFlight::run(const std::string& key,
                                               const std::function<std::string()>& load) {
  std::promise<std::string> promise;
  {
    std::unique_lock lock(mutex_);
    if (auto found = flights_.find(key); found != flights_.end()) {
      std::shared_ptr<Flight> flight = found->second;
      lock.unlock();
      return {flight->result.get(), true};
    }
    flights_.emplace(key, std::make_shared<Flight>(Flight{promise.get_future().share()}));
  }
  // The entry goes before the result is published, so a caller arriving after this load
  // finished starts a fresh one (e.g. a retry after an exception).
  auto finish = [&] {
    std::lock_guard lock(mutex_);
    flights_.erase(key);
  };
  std::string value;
  try {
    value = load();
  } catch (...) {
    finish();
    promise.set_exception(std::current_exception());
    throw;
  }
  finish();
  promise.set_value(value);
  return {std::move(value), false};
}

std::size_t SingleFlight::in_flight() const {
  std::lock_guard lock(mutex_);
  return flights_.size();
}

}  // namespace shop::cache
