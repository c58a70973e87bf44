#include "storage/sqlite/sqlite_connection.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <charconv>
#include <cstring>
#include <stdexcept>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace shop::storage::sqlite {
namespace {

constexpr std::size_t kStatementCacheSize = 64;
constexpr std::size_t kSqlInMessages = 200;  // characters of SQL quoted in error messages

std::string_view shorten(std::string_view sql) {
  return sql.substr(0, kSqlInMessages);
}

ConstraintKind constraint_kind(int extended_code) {
  switch (extended_code) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_ROWID:
      return ConstraintKind::unique;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return ConstraintKind::foreign_key;
    case SQLITE_CONSTRAINT_CHECK:
      return ConstraintKind::check;
    case SQLITE_CONSTRAINT_NOTNULL:
      return ConstraintKind::not_null;
    default:
      return ConstraintKind::other;
  }
}

// "UNIQUE constraint failed: items.name" -> "items.name"; "" when SQLite names nothing.
std::string constraint_text(std::string_view message) {
  constexpr std::string_view kMarker = "failed: ";
  const auto at = message.find(kMarker);
  return at == std::string_view::npos ? std::string()
                                      : std::string(message.substr(at + kMarker.size()));
}

// Turns the connection's last error into the exception the Executor contract promises.
[[noreturn]] void throw_sqlite_error(sqlite3* db, std::string_view sql) {
  const int code = sqlite3_extended_errcode(db);
  const std::string message = sqlite3_errmsg(db);
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      // Clients only learn it was busy; the log keeps what SQLite said.
      spdlog::warn("sqlite busy after timeout: {} (code {}) in: {}", message, code, shorten(sql));
      throw Error{ErrorCode::unavailable, "Database is busy, try again"};
    case SQLITE_CONSTRAINT:
      throw ConstraintViolation(constraint_kind(code), constraint_text(message),
                                "sqlite: " + message);
    default:
      throw std::runtime_error(
          fmt::format("sqlite: {} (code {}) in: {}", message, code, shorten(sql)));
  }
}

// "$7" -> 7; 0 for any other placeholder style.
std::size_t placeholder_number(const char* name) {
  if (name == nullptr || name[0] != '$' || name[1] < '1' || name[1] > '9') return 0;
  const char* end = name + std::strlen(name);
  std::size_t number = 0;
  const auto [ptr, ec] = std::from_chars(name + 1, end, number);
  return (ec == std::errc() && ptr == end) ? number : 0;
}

void bind_value(sqlite3* db, sqlite3_stmt* statement, int index, const Value& value,
                std::string_view sql) {
  int rc = SQLITE_OK;
  if (std::holds_alternative<std::nullptr_t>(value)) {
    rc = sqlite3_bind_null(statement, index);
  } else if (const auto* n = std::get_if<std::int64_t>(&value)) {
    rc = sqlite3_bind_int64(statement, index, *n);
  } else if (const auto* d = std::get_if<double>(&value)) {
    rc = sqlite3_bind_double(statement, index, *d);
  } else {
    // Static is safe: the bindings are cleared before execute_params returns.
    const auto& text = std::get<std::string>(value);
    rc =
        sqlite3_bind_text64(statement, index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8);
  }
  if (rc != SQLITE_OK) throw_sqlite_error(db, sql);
}

// Binds params[k-1] to the placeholder named "$k"; placeholders and params must match exactly.
void bind_params(sqlite3* db, sqlite3_stmt* statement, std::span<const Value> params,
                 std::string_view sql) {
  const int count = sqlite3_bind_parameter_count(statement);
  for (int i = 1; i <= count; ++i) {
    const char* name = sqlite3_bind_parameter_name(statement, i);
    const std::size_t number = placeholder_number(name);
    if (number == 0) {
      throw std::logic_error(fmt::format("SQL must use $1..$n placeholders, found {} in: {}",
                                         name ? name : "?", shorten(sql)));
    }
    if (number > params.size()) {
      throw std::logic_error(fmt::format("SQL uses ${} but {} parameters were given: {}", number,
                                         params.size(), shorten(sql)));
    }
  }
  for (std::size_t k = 1; k <= params.size(); ++k) {
    const std::string name = fmt::format("${}", k);
    const int index = sqlite3_bind_parameter_index(statement, name.c_str());
    if (index == 0) {
      throw std::logic_error(fmt::format("parameter {} was given but the SQL does not use it: {}",
                                         name, shorten(sql)));
    }
    bind_value(db, statement, index, params[k - 1], sql);
  }
}

Value column_value(sqlite3_stmt* statement, int i) {
  switch (sqlite3_column_type(statement, i)) {
    case SQLITE_NULL:
      return nullptr;
    case SQLITE_INTEGER:
      return static_cast<std::int64_t>(sqlite3_column_int64(statement, i));
    case SQLITE_FLOAT:
      return sqlite3_column_double(statement, i);
    case SQLITE_BLOB: {
      const auto* bytes = static_cast<const char*>(sqlite3_column_blob(statement, i));
      const auto size = static_cast<std::size_t>(sqlite3_column_bytes(statement, i));
      return bytes ? std::string(bytes, size) : std::string();
    }
    default: {
      // Text first, then its length: the documented order for a stable size.
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, i));
      const auto size = static_cast<std::size_t>(sqlite3_column_bytes(statement, i));
      return text ? std::string(text, size) : std::string();
    }
  }
}

// Resets a cached statement when execution ends, however it ends, so it holds no read lock.
class StatementReset {
 public:
  explicit StatementReset(sqlite3_stmt* statement) : statement_(statement) {}
  StatementReset(const StatementReset&) = delete;
  StatementReset& operator=(const StatementReset&) = delete;
  ~StatementReset() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }

 private:
  sqlite3_stmt* statement_;
};

}  // namespace

SqliteConnection::SqliteConnection(const std::string& path, std::chrono::milliseconds busy_timeout,
                                   std::shared_ptr<WriteQueue> writers)
    : busy_timeout_(busy_timeout), writers_(std::move(writers)) {
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string reason = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error(fmt::format("cannot open SQLite database {}: {}", path, reason));
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, static_cast<int>(busy_timeout.count()));
  try {
    if (path != kMemoryPath) {
      // WAL lets readers run beside the one writer; it is also where a non-database file fails.
      const auto mode = execute("PRAGMA journal_mode = WAL");
      if (mode.empty() || mode.front().get_text(0) != "wal") {
        spdlog::warn("sqlite database {} could not switch to WAL journal mode", path);
      }
    }
    execute_script(
        "PRAGMA foreign_keys = ON;"
        "PRAGMA synchronous = FULL;"  // a committed order survives power loss
        // Reads map the file instead of a read() call per page: every connection shares the
        // OS page cache, and a list query costs no system calls. Writes still go through WAL.
        "PRAGMA mmap_size = 268435456;"
        // A checkpoint runs inside the committing writer and syncs the main file: with the
        // default (every 1000 pages, ~100 checkouts) it stalls every writer behind it too often.
        "PRAGMA wal_autocheckpoint = 10000;");
  } catch (const std::exception& e) {
    for (auto& cached : statements_)
      sqlite3_finalize(cached.statement);
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error(fmt::format("cannot open SQLite database {}: {}", path, e.what()));
  }
}

SqliteConnection::~SqliteConnection() {
  end_turn();
  for (auto& cached : statements_)
    sqlite3_finalize(cached.statement);
  sqlite3_close(db_);
}

sqlite3_stmt* SqliteConnection::prepare_cached(std::string_view sql) {
  if (auto found = by_sql_.find(sql); found != by_sql_.end()) {
    statements_.splice(statements_.begin(), statements_, found->second);  // mark most recent
    return found->second->statement;
  }
  sqlite3_stmt* statement = nullptr;
  const char* tail = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &statement, &tail) != SQLITE_OK) {
    throw_sqlite_error(db_, sql);
  }
  if (statement == nullptr) throw std::logic_error("empty SQL statement");
  // Anything after the first statement other than blanks and comments is a second statement.
  const auto rest = sql.substr(static_cast<std::size_t>(tail - sql.data()));
  sqlite3_stmt* extra = nullptr;
  const int rest_rc =
      sqlite3_prepare_v3(db_, rest.data(), static_cast<int>(rest.size()), 0, &extra, nullptr);
  if (rest_rc != SQLITE_OK || extra != nullptr) {
    sqlite3_finalize(extra);
    sqlite3_finalize(statement);
    throw std::logic_error(
        fmt::format("execute() runs one statement; use execute_script for: {}", shorten(sql)));
  }
  if (statements_.size() >= kStatementCacheSize) {
    by_sql_.erase(statements_.back().sql);
    sqlite3_finalize(statements_.back().statement);
    statements_.pop_back();
  }
  statements_.push_front(CachedStatement{std::string(sql), statement});
  by_sql_.emplace(statements_.front().sql, statements_.begin());
  return statement;
}

Result SqliteConnection::execute_params(std::string_view sql, std::span<const Value> params) {
  sqlite3_stmt* statement = prepare_cached(sql);
  // A write outside a transaction is a transaction of its own: it queues like one, and its turn
  // ends after the reset below has finished the statement.
  const bool own_turn = !has_turn_ && !in_transaction() && sqlite3_stmt_readonly(statement) == 0;
  if (own_turn) take_turn();
  struct TurnEnd {
    SqliteConnection* self;
    bool active;
    ~TurnEnd() {
      if (active) self->end_turn();
    }
  } turn_end{this, own_turn};
  StatementReset reset(statement);
  bind_params(db_, statement, params, sql);

  // sqlite3_changes64 keeps the last DML's count across other statements; only trust it when
  // this statement changed something.
  const auto total_before = sqlite3_total_changes64(db_);
  int rc = sqlite3_step(statement);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) throw_sqlite_error(db_, sql);

  // Columns are read after the first step: a schema change re-prepares the statement there, which
  // can change what `SELECT *` returns.
  const int column_count = sqlite3_column_count(statement);
  std::vector<std::string> columns;
  columns.reserve(static_cast<std::size_t>(column_count));
  for (int i = 0; i < column_count; ++i) {
    const char* name = sqlite3_column_name(statement, i);
    columns.emplace_back(name ? name : "");
  }
  std::vector<Row> rows;
  for (; rc == SQLITE_ROW; rc = sqlite3_step(statement)) {
    std::vector<Value> values;
    values.reserve(static_cast<std::size_t>(column_count));
    for (int i = 0; i < column_count; ++i)
      values.push_back(column_value(statement, i));
    rows.emplace_back(std::move(values));
  }
  if (rc != SQLITE_DONE) throw_sqlite_error(db_, sql);
  const std::int64_t affected =
      sqlite3_total_changes64(db_) == total_before ? 0 : sqlite3_changes64(db_);
  return Result(std::move(columns), std::move(rows), affected);
}

void SqliteConnection::execute_script(std::string_view sql) {
  const std::string text(sql);  // sqlite3_exec wants a NUL-terminated string
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    throw_sqlite_error(db_, sql);
  }
}

void SqliteConnection::begin(TxMode mode) {
  if (in_transaction()) throw std::logic_error("a transaction is already open on this connection");
  // The durability level is per connection and cannot change inside a transaction: lower it
  // just for this one and restore it when it ends.
  if (mode == TxMode::write_relaxed) {
    execute("PRAGMA synchronous = NORMAL");
    relaxed_ = true;
  }
  // IMMEDIATE takes the write lock up front (waiting up to busy_timeout), so two writers never
  // deadlock upgrading a read lock. Writers of this process wait their turn before it.
  const bool writes = mode != TxMode::read && mode != TxMode::snapshot;
  try {
    if (writes) take_turn();
    execute(writes ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
  } catch (...) {
    end_turn();
    restore_durability();
    throw;
  }
}

void SqliteConnection::commit() {
  execute("COMMIT");  // on failure the transaction stays open and rollback() follows
  end_turn();
  restore_durability();
}

void SqliteConnection::rollback() {
  // SQLite may already have rolled back by itself (e.g. after SQLITE_FULL).
  try {
    if (in_transaction()) execute("ROLLBACK");
  } catch (...) {
    if (!in_transaction()) end_turn();
    throw;
  }
  end_turn();
  restore_durability();
}

void SqliteConnection::take_turn() {
  if (!writers_ || has_turn_) return;
  if (!writers_->enter(std::chrono::steady_clock::now() + busy_timeout_)) {
    spdlog::warn("sqlite busy: no turn among this process's writers within {} ms",
                 busy_timeout_.count());
    throw Error{ErrorCode::unavailable, "Database is busy, try again"};
  }
  has_turn_ = true;
}

void SqliteConnection::end_turn() noexcept {
  if (!has_turn_) return;
  has_turn_ = false;
  writers_->leave();
}

void SqliteConnection::restore_durability() {
  if (!relaxed_) return;
  execute("PRAGMA synchronous = FULL");
  relaxed_ = false;
}

bool SqliteConnection::in_transaction() const noexcept {
  return sqlite3_get_autocommit(db_) == 0;
}

}  // namespace shop::storage::sqlite
