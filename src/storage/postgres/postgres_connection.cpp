#include "storage/postgres/postgres_connection.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <poll.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "storage/postgres/postgres_values.hpp"

namespace shop::storage::postgres {
namespace {

constexpr std::size_t kStatementCacheSize = 64;
constexpr std::size_t kSqlInMessages = 200;  // characters of SQL quoted in error messages

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

ResultPtr own(PGresult* result) {
  return ResultPtr(result, &PQclear);
}

std::string_view shorten(std::string_view sql) {
  return sql.substr(0, kSqlInMessages);
}

std::string_view field(const PGresult* result, int code) {
  const char* value = result != nullptr ? PQresultErrorField(result, code) : nullptr;
  return value != nullptr ? std::string_view(value) : std::string_view();
}

bool succeeded(const PGresult* result) {
  if (result == nullptr) return false;
  const auto status = PQresultStatus(result);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY;
}

ConstraintKind constraint_kind(std::string_view sqlstate) {
  if (sqlstate == "23505") return ConstraintKind::unique;
  if (sqlstate == "23503") return ConstraintKind::foreign_key;
  if (sqlstate == "23514") return ConstraintKind::check;
  if (sqlstate == "23502") return ConstraintKind::not_null;
  return ConstraintKind::other;
}

// Errors after which the session is gone: connection exceptions and server shutdown.
bool means_connection_lost(std::string_view sqlstate) {
  return sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" ||
         sqlstate == "57P03";
}

// Errors that say "busy, try later": statement timeout, lock timeout, too many connections.
bool means_busy(std::string_view sqlstate) {
  return sqlstate == "57014" || sqlstate == "55P03" || sqlstate == "53300";
}

// Rows changed by the statement itself; PQcmdTuples also counts rows a SELECT returned.
std::int64_t affected_rows(const PGresult* result) {
  const std::string_view tag = PQcmdStatus(const_cast<PGresult*>(result));
  const bool changes_rows = tag.starts_with("INSERT ") || tag.starts_with("UPDATE ") ||
                            tag.starts_with("DELETE ") || tag.starts_with("MERGE ");
  if (!changes_rows) return 0;
  const std::string_view count = PQcmdTuples(const_cast<PGresult*>(result));
  std::int64_t n = 0;
  std::from_chars(count.data(), count.data() + count.size(), n);
  return n;
}

Result to_result(const PGresult* result) {
  const int column_count = PQnfields(result);
  const int row_count = PQntuples(result);
  std::vector<std::string> columns;
  std::vector<unsigned int> types;
  columns.reserve(static_cast<std::size_t>(column_count));
  types.reserve(static_cast<std::size_t>(column_count));
  for (int c = 0; c < column_count; ++c) {
    columns.emplace_back(PQfname(result, c));
    types.push_back(PQftype(result, c));
  }
  std::vector<Row> rows;
  rows.reserve(static_cast<std::size_t>(row_count));
  for (int r = 0; r < row_count; ++r) {
    std::vector<Value> values;
    values.reserve(static_cast<std::size_t>(column_count));
    for (int c = 0; c < column_count; ++c) {
      if (PQgetisnull(result, r, c)) {
        values.emplace_back(nullptr);
      } else {
        const std::string_view text(PQgetvalue(result, r, c),
                                    static_cast<std::size_t>(PQgetlength(result, r, c)));
        values.push_back(column_value(types[static_cast<std::size_t>(c)], text));
      }
    }
    rows.emplace_back(std::move(values));
  }
  return Result(std::move(columns), std::move(rows), affected_rows(result));
}

// The types to prepare with when the server cannot infer them: int8, float8, text, unknown.
std::vector<Oid> value_types(std::span<const Value> params) {
  std::vector<Oid> types;
  types.reserve(params.size());
  for (const auto& param : params) {
    switch (param.index()) {
      case 1:
        types.push_back(20);
        break;
      case 2:
        types.push_back(701);
        break;
      case 3:
        types.push_back(25);
        break;
      default:
        types.push_back(0);
    }
  }
  return types;
}

// A cached statement the server can no longer run as prepared: its result columns changed, or
// it was deallocated behind our back (DISCARD ALL). Nothing ran.
bool is_stale_statement(const PGresult* result) {
  const auto sqlstate = field(result, PG_DIAG_SQLSTATE);
  return sqlstate == "26000" ||
         (sqlstate == "0A000" &&
          field(result, PG_DIAG_MESSAGE_PRIMARY) == "cached plan must not change result type");
}

// Server notices (e.g. "relation already exists, skipping") go to the debug log, not stderr.
void log_notice(void*, const PGresult* result) {
  spdlog::debug("postgres notice: {}", field(result, PG_DIAG_MESSAGE_PRIMARY));
}

}  // namespace

bool idle_connection_is_alive(pg_conn* connection) noexcept {
  if (connection == nullptr || PQstatus(connection) != CONNECTION_OK) return false;
  const int fd = PQsocket(connection);
  if (fd < 0) return false;
  pollfd p{fd, POLLIN, 0};
  // Nothing is owed to an idle client: anything readable is an error, a close, or both.
  return ::poll(&p, 1, 0) == 0;
}

PostgresConnection::PostgresConnection(const PostgresUrl& url, int connect_timeout_seconds)
    : password_(url.password) {
  const auto keywords = connection_keywords(url, connect_timeout_seconds);
  std::vector<const char*> keys, values;
  for (const auto& [key, value] : keywords) {
    keys.push_back(key.c_str());
    values.push_back(value.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  conn_ = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
  if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) {
    const std::string reason =
        conn_ != nullptr ? one_line_message(PQerrorMessage(conn_), password_) : "out of memory";
    PQfinish(conn_);
    conn_ = nullptr;
    throw std::runtime_error(
        fmt::format("cannot connect to PostgreSQL at {}: {}", url.location(), reason));
  }
  PQsetNoticeReceiver(conn_, &log_notice, nullptr);
  try {
    // Set only when nobody else did (URL options, ALTER ROLE/DATABASE ... SET).
    run_simple(
        fmt::format("SELECT set_config('statement_timeout', '{}', false)"
                    " WHERE current_setting('statement_timeout') = '0'",
                    kDefaultStatementTimeout));
  } catch (const std::exception& e) {
    PQfinish(conn_);
    conn_ = nullptr;
    throw std::runtime_error(
        fmt::format("cannot set up a PostgreSQL session at {}: {}", url.location(), e.what()));
  }
}

PostgresConnection::~PostgresConnection() {
  PQfinish(conn_);
}

std::string PostgresConnection::location() const {
  const char* host = PQhost(conn_);
  const char* port = PQport(conn_);
  const char* db = PQdb(conn_);
  return fmt::format("{}:{}/{}", host ? host : "", port ? port : "", db ? db : "");
}

int PostgresConnection::backend_pid() const noexcept {
  return PQbackendPID(conn_);
}

bool PostgresConnection::is_healthy() const noexcept {
  return !broken_ && PQstatus(conn_) == CONNECTION_OK;
}

bool PostgresConnection::check_alive() noexcept {
  if (broken_) return false;
  if (PQtransactionStatus(conn_) == PQTRANS_IDLE && idle_connection_is_alive(conn_)) return true;
  broken_ = true;
  spdlog::info("dropping a PostgreSQL connection the server closed");
  return false;
}

bool PostgresConnection::in_transaction() const noexcept {
  if (broken_) return false;
  const auto status = PQtransactionStatus(conn_);
  return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
}

void PostgresConnection::require_usable() {
  if (!is_healthy()) {
    broken_ = true;
    throw Error{ErrorCode::unavailable, "Database unavailable"};
  }
}

[[noreturn]] void PostgresConnection::throw_error(pg_result* raw_result, std::string_view sql) {
  const auto result = own(raw_result);
  const std::string sqlstate(field(result.get(), PG_DIAG_SQLSTATE));
  std::string message(field(result.get(), PG_DIAG_MESSAGE_PRIMARY));
  if (message.empty()) message = one_line_message(PQerrorMessage(conn_), password_);

  if (PQstatus(conn_) != CONNECTION_OK || means_connection_lost(sqlstate)) {
    broken_ = true;  // the pool drops it when the lease returns
    spdlog::warn("postgres connection lost: {}{}", message,
                 sqlstate.empty() ? "" : fmt::format(" (SQLSTATE {})", sqlstate));
    throw Error{ErrorCode::unavailable, "Database unavailable"};
  }
  if (sqlstate.starts_with("23")) {
    std::string constraint(field(result.get(), PG_DIAG_CONSTRAINT_NAME));
    if (constraint.empty()) {
      // NOT NULL has no constraint name here; "table.column" matches what SQLite reports.
      const auto table = field(result.get(), PG_DIAG_TABLE_NAME);
      const auto column = field(result.get(), PG_DIAG_COLUMN_NAME);
      if (!column.empty())
        constraint = table.empty() ? std::string(column) : fmt::format("{}.{}", table, column);
    }
    throw ConstraintViolation(constraint_kind(sqlstate), std::move(constraint),
                              fmt::format("postgres: {}", message));
  }
  if (sqlstate == "40001" || sqlstate == "40P01") {
    throw SerializationFailure(fmt::format("postgres: {} (SQLSTATE {})", message, sqlstate));
  }
  if (means_busy(sqlstate)) {
    // Clients only learn it was busy; the log keeps what the server said.
    spdlog::warn("postgres busy: {} (SQLSTATE {}) in: {}", message, sqlstate, shorten(sql));
    throw Error{ErrorCode::unavailable, "Database is busy, try again"};
  }
  if (message == "cannot insert multiple commands into a prepared statement") {
    throw std::logic_error(
        fmt::format("execute() runs one statement; use execute_script for: {}", shorten(sql)));
  }
  throw std::runtime_error(
      fmt::format("postgres: {} (SQLSTATE {}) in: {}", message, sqlstate, shorten(sql)));
}

std::string PostgresConnection::run_simple(std::string_view sql) {
  require_usable();
  const std::string text(sql);
  PGresult* result = PQexec(conn_, text.c_str());
  if (!succeeded(result)) throw_error(result, sql);
  std::string tag = PQcmdStatus(result);
  PQclear(result);
  return tag;
}

const PostgresConnection::CachedStatement& PostgresConnection::prepare_cached(
    std::string_view sql, std::span<const Value> params) {
  if (auto found = by_sql_.find(sql); found != by_sql_.end()) {
    statements_.splice(statements_.begin(), statements_, found->second);  // mark most recent
    return *found->second;
  }
  const std::string text(sql);
  const std::string name = fmt::format("shopd_{}", ++next_statement_id_);
  // A failed prepare would end an open transaction: a savepoint keeps it alive for the retry.
  const bool guarded = PQtransactionStatus(conn_) == PQTRANS_INTRANS;
  if (guarded) run_simple("SAVEPOINT shopd_prepare");
  // The server infers every parameter's type from the SQL; values are sent as text.
  PGresult* prepared = PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr);
  const auto sqlstate = field(prepared, PG_DIAG_SQLSTATE);
  if (!succeeded(prepared) && (sqlstate == "42P08" || sqlstate == "42P18")) {
    // It could not (one $n in an INTEGER and a BIGINT place, or SELECT $1): type them by value.
    PQclear(prepared);
    if (guarded) run_simple("ROLLBACK TO SAVEPOINT shopd_prepare");
    const auto types = value_types(params);
    prepared =
        PQprepare(conn_, name.c_str(), text.c_str(), static_cast<int>(types.size()), types.data());
  }
  if (!succeeded(prepared)) throw_error(prepared, sql);
  PQclear(prepared);
  if (guarded) run_simple("RELEASE SAVEPOINT shopd_prepare");
  statements_.push_front(CachedStatement{text, name, 0});
  by_sql_.emplace(statements_.front().sql, statements_.begin());

  PGresult* described = PQdescribePrepared(conn_, name.c_str());
  if (!succeeded(described)) {
    forget_statement(statements_.begin());
    throw_error(described, sql);
  }
  statements_.front().param_count = static_cast<std::size_t>(PQnparams(described));
  PQclear(described);

  if (statements_.size() > kStatementCacheSize) forget_statement(std::prev(statements_.end()));
  return statements_.front();
}

void PostgresConnection::forget_statement(StatementList::iterator statement) noexcept {
  if (is_healthy() && PQtransactionStatus(conn_) != PQTRANS_INERROR) {
    // A statement that stays on the server only costs memory there; its name is never reused.
    PQclear(PQexec(conn_, fmt::format("DEALLOCATE {}", statement->name).c_str()));
  }
  by_sql_.erase(statement->sql);
  statements_.erase(statement);
}

Result PostgresConnection::execute_params(std::string_view sql, std::span<const Value> params) {
  require_usable();
  for (int attempt = 1;; ++attempt) {
    const auto& statement = prepare_cached(sql, params);
    if (params.size() != statement.param_count) {
      throw std::logic_error(fmt::format("SQL uses {} parameters but {} were given: {}",
                                         statement.param_count, params.size(), shorten(sql)));
    }
    std::vector<std::optional<std::string>> texts;
    texts.reserve(params.size());
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& param : params) {
      texts.push_back(param_text(param));
      values.push_back(texts.back() ? texts.back()->c_str() : nullptr);
    }
    PGresult* result =
        PQexecPrepared(conn_, statement.name.c_str(), static_cast<int>(values.size()),
                       values.data(), nullptr, nullptr, /*resultFormat=*/0);
    if (succeeded(result)) {
      const auto owned = own(result);
      return to_result(owned.get());
    }
    if (!is_stale_statement(result)) throw_error(result, sql);
    // E.g. a migration added a column under a cached SELECT *: prepare it afresh, run it again.
    PQclear(result);
    forget_statement(by_sql_.at(sql));
    if (in_transaction()) {
      // The transaction is spoiled; with_transaction runs it again as a whole.
      throw SerializationFailure(
          fmt::format("postgres: a cached statement went stale: {}", shorten(sql)));
    }
    if (attempt >= 2)
      throw std::runtime_error(
          fmt::format("postgres: statement keeps going stale: {}", shorten(sql)));
  }
}

void PostgresConnection::execute_script(std::string_view sql) {
  run_simple(sql);
}

void PostgresConnection::begin(TxMode mode) {
  if (in_transaction()) throw std::logic_error("a transaction is already open on this connection");
  switch (mode) {
    case TxMode::read:
      run_simple("BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY");
      break;
    case TxMode::write:
      run_simple("BEGIN ISOLATION LEVEL READ COMMITTED");
      break;
    case TxMode::serializable:
      run_simple("BEGIN ISOLATION LEVEL SERIALIZABLE");
      break;
    case TxMode::write_relaxed:
      run_simple("BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL synchronous_commit = off");
      break;
    case TxMode::snapshot:
      run_simple("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      break;
  }
}

void PostgresConnection::commit() {
  // COMMIT of a transaction that already failed succeeds as a ROLLBACK: report it as the failure
  // it is.
  if (run_simple("COMMIT") == "ROLLBACK") {
    throw std::runtime_error(
        "postgres: the transaction was rolled back because a statement in it had failed");
  }
}

void PostgresConnection::rollback() {
  if (in_transaction()) run_simple("ROLLBACK");
}

}  // namespace shop::storage::postgres
