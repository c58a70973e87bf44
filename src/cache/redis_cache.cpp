#include "cache/redis_cache.hpp"

#include <charconv>

namespace shop::cache {
namespace {

// A generation key lives a week after its last bump; one that expired or was evicted starts
// again from the server's clock in microseconds, above any value it had.
constexpr std::string_view kGenerationTtlSeconds = "604800";

// Shared by the scripts below: the generation under `key`, created when missing. (Scripts may
// read the server clock: Redis 7 replicates their effects, not the script.)
constexpr std::string_view kGenerationFunction =
    "local function generation(key, ttl)\n"
    "  local g = redis.call('GET', key)\n"
    "  if g then return g end\n"
    "  local t = redis.call('TIME')\n"
    "  g = t[1] .. string.format('%06d', tonumber(t[2]))\n"
    "  if redis.call('SET', key, g, 'NX', 'EX', ttl) then return g end\n"
    "  return redis.call('GET', key)\n"
    "end\n";

std::string script(std::string_view body) {
  return std::string(kGenerationFunction).append(body);
}

// KEYS[1] generation key; ARGV: generation TTL.
const std::string kGenerationScript = script("return generation(KEYS[1], ARGV[1])\n");

// KEYS[1] generation key; ARGV: generation TTL.
const std::string kBumpScript = script(
    "generation(KEYS[1], ARGV[1])\n"
    "local g = redis.call('INCR', KEYS[1])\n"
    "redis.call('EXPIRE', KEYS[1], ARGV[1])\n"
    "return g\n");

std::uint64_t parse_generation(const RedisReply& reply) {
  if (reply.type == RedisReply::Type::integer && reply.integer >= 0)
    return static_cast<std::uint64_t>(reply.integer);
  std::uint64_t value = 0;
  if (reply.type == RedisReply::Type::string) {
    const char* end = reply.str.data() + reply.str.size();
    auto [ptr, ec] = std::from_chars(reply.str.data(), end, value);
    if (ec == std::errc() && ptr == end && !reply.str.empty()) return value;
  }
  throw RedisError("Redis: a generation key holds something that is not a number");
}

// "<ns>:<generation>:<rest>" (cache_key's form) → its parts; nullopt for another form.
struct KeyParts {
  std::string_view ns;
  std::string_view generation;
  std::string_view rest;
};
std::optional<KeyParts> split_key(std::string_view key) {
  auto first = key.find(':');
  if (first == std::string_view::npos) return std::nullopt;
  auto second = key.find(':', first + 1);
  if (second == std::string_view::npos || second == first + 1) return std::nullopt;
  std::string_view generation = key.substr(first + 1, second - first - 1);
  for (char c : generation)
    if (c < '0' || c > '9') return std::nullopt;
  return KeyParts{key.substr(0, first), generation, key.substr(second + 1)};
}

// A stored value under "<prefix>c:<ns>:<rest>" is "<generation>\n<value>": the key holds the
// latest answer for that request, and the generation says whether it is still current.
std::optional<std::string> current_value(RedisReply& stored, std::string_view generation) {
  if (stored.type != RedisReply::Type::string) return std::nullopt;
  std::string_view v = stored.str;
  if (v.size() <= generation.size() || !v.starts_with(generation) || v[generation.size()] != '\n')
    return std::nullopt;
  return stored.str.substr(generation.size() + 1);
}

}  // namespace

RedisCache::RedisCache(RedisClient& client, std::string prefix, std::size_t max_value_bytes)
    : client_(client), prefix_(std::move(prefix)), max_value_bytes_(max_value_bytes) {}

std::string RedisCache::describe() const {
  return client_.describe() + " (keys " + prefix_ + "*)";
}

CacheStats RedisCache::stats() const {
  CacheStats s;
  s.hits = hits_.load(std::memory_order_relaxed);
  s.misses = misses_.load(std::memory_order_relaxed);
  return s;
}

std::uint64_t RedisCache::generation(std::string_view ns) {
  flush_pending_bumps();
  std::string key = prefix_ + "gen:" + std::string(ns);
  return parse_generation(client_.eval(kGenerationScript, {key}, {kGenerationTtlSeconds}));
}

Lookup RedisCache::lookup(std::string_view ns, std::string_view key_rest) {
  flush_pending_bumps();
  // One round trip of two plain GETs (a script would cost Redis some 20 times more per call).
  std::string gen_key = prefix_ + "gen:" + std::string(ns);
  std::string value_key = prefix_ + "c:" + std::string(ns) + ":" + std::string(key_rest);
  auto replies = client_.pipeline({{"GET", gen_key}, {"GET", value_key}});
  Lookup found;
  if (replies[0].is_nil()) {
    found.generation = generation(ns);  // the first read of a namespace, or its key was lost
  } else {
    found.generation = parse_generation(replies[0]);
    found.value = current_value(replies[1], replies[0].str);
  }
  (found.value ? hits_ : misses_).fetch_add(1, std::memory_order_relaxed);
  return found;
}

std::uint64_t RedisCache::bump(std::string_view ns) {
  try {
    flush_pending_bumps();
    return bump_now(ns);
  } catch (const RedisError&) {
    std::lock_guard lock(pending_mutex_);
    pending_bumps_.emplace(ns);
    has_pending_.store(true, std::memory_order_release);
    throw;
  }
}

std::uint64_t RedisCache::bump_now(std::string_view ns) {
  std::string key = prefix_ + "gen:" + std::string(ns);
  return parse_generation(client_.eval(kBumpScript, {key}, {kGenerationTtlSeconds}));
}

void RedisCache::flush_pending_bumps() {
  if (!has_pending_.load(std::memory_order_acquire)) return;
  std::lock_guard lock(pending_mutex_);
  while (!pending_bumps_.empty()) {
    bump_now(*pending_bumps_.begin());  // throws while Redis is still away: the rest stay
    pending_bumps_.erase(pending_bumps_.begin());
  }
  has_pending_.store(false, std::memory_order_release);
}

std::optional<std::string> RedisCache::get(std::string_view key) {
  auto parts = split_key(key);
  std::string full =
      prefix_ +
      "c:" + (parts ? std::string(parts->ns) + ":" + std::string(parts->rest) : std::string(key));
  RedisReply reply = client_.command({"GET", full});
  std::optional<std::string> value;
  if (parts)
    value = current_value(reply, parts->generation);
  else if (reply.type == RedisReply::Type::string)
    value = std::move(reply.str);
  (value ? hits_ : misses_).fetch_add(1, std::memory_order_relaxed);
  return value;
}

void RedisCache::put(std::string_view key, std::string value, std::chrono::seconds ttl) {
  auto parts = split_key(key);
  std::string full =
      prefix_ +
      "c:" + (parts ? std::string(parts->ns) + ":" + std::string(parts->rest) : std::string(key));
  if (ttl.count() <= 0 || value.size() > max_value_bytes_) {
    client_.command({"DEL", full});
    return;
  }
  if (parts) value.insert(0, std::string(parts->generation) + "\n");
  std::string seconds = std::to_string(ttl.count());
  client_.command({"SET", full, value, "EX", seconds});
}

}  // namespace shop::cache
