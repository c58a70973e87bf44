#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct redisContext;

namespace spdlog {
class logger;
}

namespace shop::cache {

// Where a Redis server is: redis://[[user]:password@]host[:port][/db].
struct RedisEndpoint {
  std::string host;
  std::uint16_t port = 6379;
  std::string username;  // "" for the default user
  std::string password;  // "" for none
  int db = 0;
};

// Parses a REDIS_URL; throws std::invalid_argument saying what is wrong (never echoing the
// password).
RedisEndpoint parse_redis_url(std::string_view url);

// A failed call: Redis unreachable, too slow, refusing the command, or failing fast after one
// of those. Callers treat it as "do without Redis this time".
class RedisError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One reply, copied out of hiredis.
struct RedisReply {
  enum class Type { nil, string, integer, array, status };
  Type type = Type::nil;
  std::string str;  // string and status replies
  long long integer = 0;
  std::vector<RedisReply> elements;

  bool is_nil() const { return type == Type::nil; }
};

struct RedisOptions {
  RedisEndpoint endpoint;
  std::size_t pool_size = 8;
  std::chrono::milliseconds timeout{250};       // to connect, and for each command
  std::chrono::milliseconds retry_after{1000};  // after a connection failure, calls fail fast
  std::chrono::seconds log_interval{60};        // at most one error line per interval
};

// A small pool of blocking hiredis connections with timeouts and a circuit breaker: after a
// connection failure every call fails fast (RedisError, no I/O) for retry_after; then a single
// call probes the server while the others keep failing fast, and the first success closes the
// breaker again. Errors are logged once when Redis goes away, then at most once per interval,
// and once more when it is back. Safe from many threads.
class RedisClient {
 public:
  RedisClient(RedisOptions options, spdlog::logger& log);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Runs one command (binary-safe arguments); throws RedisError, also for an error reply.
  RedisReply command(const std::vector<std::string_view>& args);
  // Sends several commands in one write and returns their replies in order (one round trip; not
  // a transaction); throws RedisError if any fails.
  std::vector<RedisReply> pipeline(const std::vector<std::vector<std::string_view>>& commands);
  // EVAL of a short Lua script (the server caches it by its hash, so sending the text costs
  // only its bytes, and a restarted or flushed server needs no reloading).
  RedisReply eval(std::string_view script, const std::vector<std::string_view>& keys,
                  const std::vector<std::string_view>& args);

  // False while calls fail fast (Redis went away and has not answered since).
  bool available() const { return !down_.load(std::memory_order_acquire); }
  // PING; false when it fails.
  bool ping() noexcept;
  // "redis://host:port/db" (never the password).
  std::string describe() const;
  // Calls that failed on the network or were refused by Redis (not those refused at once while
  // the breaker is open), for /metrics.
  std::uint64_t errors() const { return errors_.load(std::memory_order_relaxed); }

 private:
  struct Connection {
    redisContext* context = nullptr;
    std::uint64_t epoch = 0;
    bool reused = false;  // taken from the idle list (the server may have closed it meanwhile)
  };
  Connection acquire();
  void release(Connection c, bool broken);
  Connection connect(std::uint64_t epoch);
  // Throws while the breaker is open; true when this call is the one probing a server that went
  // away.
  bool admit();
  bool should_log();
  void discard_idle();  // closes idle connections; leased ones are closed when released
  void connection_failed(const std::string& reason);
  void command_refused(const std::string& reason);
  void succeeded();

  RedisOptions options_;
  spdlog::logger& log_;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<Connection> idle_;
  std::size_t open_ = 0;
  std::uint64_t epoch_ = 0;  // bumped when Redis goes away: older connections are closed

  std::atomic<bool> down_{false};
  std::atomic<bool> probing_{false};
  std::atomic<std::int64_t> retry_at_ms_{0};
  std::atomic<std::int64_t> last_log_ms_{INT64_MIN / 2};
  std::atomic<std::uint64_t> errors_{0};
};

}  // namespace shop::cache
