#include "cache/redis_client.hpp"

#include <hiredis/hiredis.h>
#include <spdlog/logger.h>
#include <sys/time.h>

#include <boost/url/parse.hpp>
#include <cerrno>
#include <charconv>
#include <memory>

namespace shop::cache {
namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

RedisReply copy_reply(const redisReply& r) {
  RedisReply out;
  switch (r.type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::string;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::status;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::integer;
      out.integer = r.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::array;
      out.elements.reserve(r.elements);
      for (std::size_t i = 0; i < r.elements; ++i)
        out.elements.push_back(copy_reply(*r.element[i]));
      break;
    default:
      out.type = RedisReply::Type::nil;
  }
  return out;
}

using ReplyPtr = std::unique_ptr<redisReply, void (*)(void*)>;

bool append(redisContext* context, const std::vector<std::string_view>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (std::string_view a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  return redisAppendCommandArgv(context, static_cast<int>(argv.size()), argv.data(),
                                lengths.data()) == REDIS_OK;
}

ReplyPtr next_reply(redisContext* context) {
  void* reply = nullptr;
  if (redisGetReply(context, &reply) != REDIS_OK) reply = nullptr;
  return ReplyPtr(static_cast<redisReply*>(reply), freeReplyObject);
}

// Sends every command in one write and reads their replies; fewer replies than commands means
// the connection failed (context->err says why).
std::vector<ReplyPtr> send_all(redisContext* context,
                               const std::vector<std::vector<std::string_view>>& commands) {
  std::vector<ReplyPtr> replies;
  for (const auto& args : commands)
    if (!append(context, args)) return replies;
  replies.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    ReplyPtr reply = next_reply(context);
    if (!reply) break;
    replies.push_back(std::move(reply));
  }
  return replies;
}

ReplyPtr send(redisContext* context, const std::vector<std::string_view>& args) {
  if (!append(context, args)) return ReplyPtr(nullptr, freeReplyObject);
  return next_reply(context);
}

std::string context_error(const redisContext* context) {
  if (context == nullptr) return "cannot allocate a connection";
  if (context->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK)) return "timed out";
  return context->errstr[0] != '\0' ? std::string(context->errstr) : "connection lost";
}

// A reused connection the server has closed meanwhile (a restart, its idle timeout).
bool closed_by_server(const redisContext* context) {
  return context->err == REDIS_ERR_EOF ||
         (context->err == REDIS_ERR_IO && (errno == ECONNRESET || errno == EPIPE));
}

}  // namespace

RedisEndpoint parse_redis_url(std::string_view text) {
  auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed) throw std::invalid_argument("REDIS_URL is not a valid URL");
  const auto& url = *parsed;
  if (url.scheme() == "rediss")
    throw std::invalid_argument(
        "REDIS_URL: rediss:// (TLS) is not supported; reach Redis over a private network or "
        "through a TLS tunnel");
  if (url.scheme() != "redis") throw std::invalid_argument("REDIS_URL must start with redis://");
  if (url.has_query() || url.has_fragment())
    throw std::invalid_argument("REDIS_URL takes no query or fragment");
  RedisEndpoint e;
  e.host = url.host_address();
  if (e.host.empty()) throw std::invalid_argument("REDIS_URL has no host");
  if (url.has_port()) {
    std::string_view port = url.port();
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value == 0 ||
        value > 65535)
      throw std::invalid_argument("REDIS_URL has an invalid port");
    e.port = static_cast<std::uint16_t>(value);
  }
  if (url.has_userinfo()) {
    e.username = url.user();
    if (url.has_password()) e.password = url.password();
    if (e.password.empty() && !e.username.empty()) {
      // redis://secret@host: the only part given is the password, as redis-cli reads it.
      e.password = std::move(e.username);
      e.username.clear();
    }
  }
  std::string_view path = url.encoded_path();
  if (!path.empty() && path != "/") {
    path.remove_prefix(1);
    int db = -1;
    auto [end, ec] = std::from_chars(path.data(), path.data() + path.size(), db);
    if (ec != std::errc() || end != path.data() + path.size() || db < 0 || db > 9999)
      throw std::invalid_argument("REDIS_URL: the path must be a database number, e.g. /0");
    e.db = db;
  }
  return e;
}

RedisClient::RedisClient(RedisOptions options, spdlog::logger& log)
    : options_(std::move(options)), log_(log) {
  if (options_.pool_size == 0) options_.pool_size = 1;
}

RedisClient::~RedisClient() {
  std::lock_guard lock(mutex_);
  for (Connection& c : idle_)
    redisFree(c.context);
  idle_.clear();
}

std::string RedisClient::describe() const {
  const RedisEndpoint& e = options_.endpoint;
  std::string host = e.host.find(':') != std::string::npos ? "[" + e.host + "]" : e.host;
  return "redis://" + host + ":" + std::to_string(e.port) + "/" + std::to_string(e.db);
}

bool RedisClient::admit() {
  if (!down_.load(std::memory_order_acquire)) return false;
  if (now_ms() < retry_at_ms_.load(std::memory_order_acquire))
    throw RedisError("Redis unavailable (retrying soon)");
  bool expected = false;
  if (!probing_.compare_exchange_strong(expected, true))
    throw RedisError("Redis unavailable (another call is probing it)");
  return true;
}

RedisReply RedisClient::command(const std::vector<std::string_view>& args) {
  return std::move(pipeline({args}).front());
}

std::vector<RedisReply> RedisClient::pipeline(
    const std::vector<std::vector<std::string_view>>& commands) {
  // Whoever got through while the breaker was open is the probe; the next may try after it.
  struct ProbeDone {
    std::atomic<bool>& probing;
    bool active;
    ~ProbeDone() {
      if (active) probing.store(false, std::memory_order_release);
    }
  } probe_done{probing_, admit()};

  for (int attempt = 0;; ++attempt) {
    Connection c = acquire();
    std::vector<ReplyPtr> replies = send_all(c.context, commands);
    if (replies.size() < commands.size()) {
      std::string reason = context_error(c.context);
      bool retry = attempt == 0 && c.reused && closed_by_server(c.context);
      release(c, true);
      if (retry) {
        // The server closed it (a restart): so it did the other idle ones. Once more, on a new one.
        discard_idle();
        continue;
      }
      connection_failed(reason);
      throw RedisError("Redis: " + reason);
    }
    release(c, false);
    std::vector<RedisReply> out;
    out.reserve(replies.size());
    for (const ReplyPtr& reply : replies) {
      if (reply->type == REDIS_REPLY_ERROR) {
        std::string reason(reply->str, reply->len);
        command_refused(reason);
        throw RedisError("Redis refused the command: " + reason);
      }
      out.push_back(copy_reply(*reply));
    }
    succeeded();
    return out;
  }
}

RedisReply RedisClient::eval(std::string_view script, const std::vector<std::string_view>& keys,
                             const std::vector<std::string_view>& args) {
  std::string key_count = std::to_string(keys.size());
  std::vector<std::string_view> all;
  all.reserve(3 + keys.size() + args.size());
  all.push_back("EVAL");
  all.push_back(script);
  all.push_back(key_count);
  all.insert(all.end(), keys.begin(), keys.end());
  all.insert(all.end(), args.begin(), args.end());
  return command(all);
}

bool RedisClient::ping() noexcept {
  try {
    RedisReply r = command({"PING"});
    return r.type == RedisReply::Type::status && r.str == "PONG";
  } catch (const std::exception&) {
    return false;
  }
}

RedisClient::Connection RedisClient::acquire() {
  std::unique_lock lock(mutex_);
  auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  for (;;) {
    if (!idle_.empty()) {
      Connection c = idle_.back();
      idle_.pop_back();
      c.reused = true;
      return c;
    }
    if (open_ < options_.pool_size) {
      ++open_;
      std::uint64_t epoch = epoch_;
      lock.unlock();
      try {
        return connect(epoch);
      } catch (...) {
        lock.lock();
        --open_;
        freed_.notify_one();
        throw;
      }
    }
    if (freed_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= options_.pool_size)
      throw RedisError("Redis: no connection became free in time");
  }
}

RedisClient::Connection RedisClient::connect(std::uint64_t epoch) {
  const RedisEndpoint& e = options_.endpoint;
  redisContext* context =
      redisConnectWithTimeout(e.host.c_str(), e.port, to_timeval(options_.timeout));
  if (context == nullptr || context->err != 0) {
    std::string reason = context_error(context);
    if (context != nullptr) redisFree(context);
    connection_failed(reason);
    throw RedisError("Redis: " + reason);
  }
  std::unique_ptr<redisContext, void (*)(redisContext*)> owned(context, redisFree);
  redisSetTimeout(context, to_timeval(options_.timeout));
  redisEnableKeepAlive(context);

  auto setup = [&](const std::vector<std::string_view>& args, std::string_view what) {
    ReplyPtr reply = send(context, args);
    std::string reason;
    if (!reply)
      reason = context_error(context);
    else if (reply->type == REDIS_REPLY_ERROR)
      reason = std::string(what) + " failed: " + std::string(reply->str, reply->len);
    else
      return;
    connection_failed(reason);
    throw RedisError("Redis: " + reason);
  };
  if (!e.password.empty()) {
    if (e.username.empty())
      setup({"AUTH", e.password}, "AUTH");
    else
      setup({"AUTH", e.username, e.password}, "AUTH");
  }
  if (e.db != 0) {
    std::string db = std::to_string(e.db);
    setup({"SELECT", db}, "SELECT");
  }
  return Connection{owned.release(), epoch, false};
}

void RedisClient::release(Connection c, bool broken) {
  std::unique_lock lock(mutex_);
  if (broken || c.epoch != epoch_) {
    --open_;
    lock.unlock();
    redisFree(c.context);
  } else {
    idle_.push_back(c);
    lock.unlock();
  }
  freed_.notify_one();
}

bool RedisClient::should_log() {
  std::int64_t now = now_ms();
  std::int64_t last = last_log_ms_.load(std::memory_order_relaxed);
  auto interval = std::chrono::duration_cast<std::chrono::milliseconds>(options_.log_interval);
  return now - last >= interval.count() &&
         last_log_ms_.compare_exchange_strong(last, now, std::memory_order_relaxed);
}

void RedisClient::connection_failed(const std::string& reason) {
  errors_.fetch_add(1, std::memory_order_relaxed);
  retry_at_ms_.store(now_ms() + options_.retry_after.count(), std::memory_order_release);
  bool was_down = down_.exchange(true, std::memory_order_acq_rel);
  discard_idle();
  if (!was_down) {
    last_log_ms_.store(now_ms(), std::memory_order_relaxed);
    log_.error(
        "Redis at {} is unreachable ({}): serving on without it (cache misses, rate limits in "
        "process); retrying every {} ms",
        describe(), reason, options_.retry_after.count());
  } else if (should_log()) {
    log_.error("Redis at {} is still unreachable ({})", describe(), reason);
  }
}

void RedisClient::discard_idle() {
  std::vector<Connection> stale;
  {
    std::lock_guard lock(mutex_);
    ++epoch_;  // connections leased now are closed when they come back
    stale.swap(idle_);
    open_ -= stale.size();
  }
  for (Connection& c : stale)
    redisFree(c.context);
}

void RedisClient::command_refused(const std::string& reason) {
  errors_.fetch_add(1, std::memory_order_relaxed);
  if (should_log()) log_.error("Redis at {} refused a command: {}", describe(), reason);
}

void RedisClient::succeeded() {
  if (down_.load(std::memory_order_acquire) && down_.exchange(false, std::memory_order_acq_rel))
    log_.info("Redis at {} is reachable again", describe());
}

}  // namespace shop::cache
