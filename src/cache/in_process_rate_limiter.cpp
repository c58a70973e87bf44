#include "cache/in_process_rate_limiter.hpp"

#include <algorithm>
#include <vector>

namespace shop::cache {

RateDecision InProcessRateLimiter::hit(std::string_view key, std::uint32_t limit,
                                       std::chrono::seconds window) {
  auto now = clock_.steady_now();
  Shard& shard = shards_[Hash{}(key) % shards_.size()];
  std::lock_guard lock(shard.mutex);
  auto it = shard.windows.find(key);
  if (it == shard.windows.end()) {
    if (shard.windows.size() >= shard.next_sweep || shard.windows.size() >= max_keys_)
      sweep(shard, now);
    it = shard.windows.emplace(std::string(key), Window{now + window, 0}).first;
  } else if (it->second.ends <= now) {
    it->second = Window{now + window, 0};
  }
  Window& w = it->second;
  if (w.count < UINT32_MAX) ++w.count;
  RateDecision d;
  d.limit = limit;
  d.allowed = w.count <= limit;
  d.remaining = d.allowed ? limit - w.count : 0;
  auto left = std::chrono::ceil<std::chrono::seconds>(w.ends - now);
  d.reset = std::max(left, std::chrono::seconds(1));
  return d;
}

RateDecision InProcessRateLimiter::peek(std::string_view key, std::uint32_t limit,
                                        std::chrono::seconds window) {
  auto now = clock_.steady_now();
  Shard& shard = shards_[Hash{}(key) % shards_.size()];
  std::lock_guard lock(shard.mutex);
  RateDecision d;
  d.limit = limit;
  auto it = shard.windows.find(key);
  std::uint32_t count = it != shard.windows.end() && it->second.ends > now ? it->second.count : 0;
  d.allowed = count < limit;
  d.remaining = d.allowed ? limit - count : 0;
  d.reset = count == 0 ? window
                       : std::max(std::chrono::ceil<std::chrono::seconds>(it->second.ends - now),
                                  std::chrono::seconds(1));
  return d;
}

void InProcessRateLimiter::refund(std::string_view key) {
  auto now = clock_.steady_now();
  Shard& shard = shards_[Hash{}(key) % shards_.size()];
  std::lock_guard lock(shard.mutex);
  auto it = shard.windows.find(key);
  if (it != shard.windows.end() && it->second.ends > now && it->second.count > 0)
    --it->second.count;
}

void InProcessRateLimiter::sweep(Shard& shard, std::chrono::steady_clock::time_point now) {
  std::erase_if(shard.windows, [&](const auto& kv) { return kv.second.ends <= now; });
  if (shard.windows.size() >= max_keys_) {
    // Still full of live windows: drop the half that ends soonest.
    std::vector<std::chrono::steady_clock::time_point> ends;
    ends.reserve(shard.windows.size());
    for (const auto& kv : shard.windows)
      ends.push_back(kv.second.ends);
    auto mid = ends.begin() + static_cast<std::ptrdiff_t>(ends.size() / 2);
    std::nth_element(ends.begin(), mid, ends.end());
    auto cutoff = *mid;
    std::erase_if(shard.windows, [&](const auto& kv) { return kv.second.ends <= cutoff; });
  }
  shard.next_sweep = std::max<std::size_t>(1024, shard.windows.size() * 2);
}

std::size_t InProcessRateLimiter::size() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    n += s.windows.size();
  }
  return n;
}

}  // namespace shop::cache
