#include "storage/postgres/postgres_database.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <poll.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <stdexcept>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "storage/postgres/postgres_connection.hpp"

namespace shop::storage::postgres {
namespace {

using Clock = std::chrono::steady_clock;

// Waits until the socket is ready for reading (or writing); false at the deadline.
bool wait_socket(int fd, bool for_write, Clock::time_point deadline) {
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left));
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) return false;
  }
}

// Connects without blocking past the deadline; nullptr on failure (the reason is logged).
pg_conn* connect_before(const PostgresUrl& url, Clock::time_point deadline) {
  const auto keywords = connection_keywords(url, 2);
  std::vector<const char*> keys, values;
  for (const auto& [key, value] : keywords) {
    keys.push_back(key.c_str());
    values.push_back(value.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* conn = PQconnectStartParams(keys.data(), values.data(), /*expand_dbname=*/1);
  auto fail = [&](std::string_view why) -> pg_conn* {
    spdlog::debug("postgres ping cannot connect: {}", why);
    PQfinish(conn);
    return nullptr;
  };
  if (conn == nullptr) return fail("out of memory");
  PostgresPollingStatusType status = PGRES_POLLING_WRITING;
  for (;;) {
    if (PQstatus(conn) == CONNECTION_BAD || status == PGRES_POLLING_FAILED) {
      return fail(one_line_message(PQerrorMessage(conn), url.password));
    }
    if (status == PGRES_POLLING_OK) return conn;
    if (!wait_socket(PQsocket(conn), status == PGRES_POLLING_WRITING, deadline)) {
      return fail("timed out");
    }
    status = PQconnectPoll(conn);
  }
}

// Runs SELECT 1 without blocking past the deadline.
bool select_one_before(pg_conn* conn, Clock::time_point deadline) {
  if (PQsendQuery(conn, "SELECT 1") == 0) return false;
  bool ok = false;
  for (;;) {
    while (PQisBusy(conn)) {
      if (!wait_socket(PQsocket(conn), false, deadline) || PQconsumeInput(conn) == 0) return false;
    }
    PGresult* result = PQgetResult(conn);
    if (result == nullptr) return ok;
    ok = PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) == 1 &&
         std::string_view(PQgetvalue(result, 0, 0)) == "1";
    PQclear(result);
  }
}

}  // namespace

PostgresDatabase::PostgresDatabase(std::string_view url, const DatabaseOptions& options)
    : url_(parse_postgres_url(url)),
      pool_size_(options.pool_size),
      pool_([this] { return open_connection(); }, options.pool_size, options.acquire_timeout) {
  // The first connection checks URL, password and reachability now; it stays in the pool.
  auto lease = pool_.acquire();
  description_ = fmt::format("postgres {}",
                             static_cast<const PostgresConnection&>(lease.connection()).location());
  started_ = true;
}

PostgresDatabase::~PostgresDatabase() {
  PQfinish(probe_);
}

std::unique_ptr<Connection> PostgresDatabase::open_connection() {
  try {
    return std::make_unique<PostgresConnection>(url_, kConnectTimeoutSeconds);
  } catch (const std::runtime_error& e) {
    if (!started_) throw;  // start-up: the caller prints this line and stops
    spdlog::warn("{}", e.what());
    throw Error{ErrorCode::unavailable, "Database unavailable"};
  }
}

ConnectionLease PostgresDatabase::acquire() {
  // Idle connections the server closed are dropped here (their lease returns them unhealthy);
  // each retry takes another idle one or opens a new one.
  for (std::size_t attempt = 0; attempt <= pool_size_; ++attempt) {
    auto lease = pool_.acquire();
    if (static_cast<PostgresConnection&>(lease.connection()).check_alive()) return lease;
  }
  throw Error{ErrorCode::unavailable, "Database unavailable"};
}

bool PostgresDatabase::ping() noexcept {
  const auto deadline = Clock::now() + kPingTimeout;
  {
    std::unique_lock lock(probe_mutex_);
    if (!probe_done_.wait_until(lock, deadline, [this] { return !probing_; }))
      return false;  // another ping is still waiting
    probing_ = true;
  }
  struct Done {
    PostgresDatabase& db;
    ~Done() {
      {
        std::lock_guard lock(db.probe_mutex_);
        db.probing_ = false;
      }
      db.probe_done_.notify_one();
    }
  } done{*this};
  bool ok = false;
  try {
    ok = probe(deadline);
  } catch (const std::exception& e) {
    spdlog::debug("postgres ping failed: {}", e.what());
  }
  if (!ok) {
    PQfinish(probe_);
    probe_ = nullptr;
  }
  if (ok != last_ping_ok_) {
    if (ok) {
      spdlog::info("database {} is reachable again", url_.location());
    } else {
      spdlog::warn("database {} is unreachable", url_.location());
    }
    last_ping_ok_ = ok;
  }
  return ok;
}

bool PostgresDatabase::probe(Clock::time_point deadline) {
  if (probe_ != nullptr && !idle_connection_is_alive(probe_)) {
    PQfinish(probe_);
    probe_ = nullptr;
  }
  if (probe_ == nullptr) probe_ = connect_before(url_, deadline);
  return probe_ != nullptr && select_one_before(probe_, deadline);
}

}  // namespace shop::storage::postgres
