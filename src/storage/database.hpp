#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "storage/value.hpp"

namespace shop::storage {

// The SQL dialect of a backend; stores pick between side-by-side SQL texts with it.
enum class Dialect { sqlite, postgres };

// "sqlite" or "postgres", as used by migration folders and URLs.
std::string_view dialect_name(Dialect dialect);

// What a transaction is for. SQLite: read = BEGIN DEFERRED, write and serializable = BEGIN
// IMMEDIATE (SQLite is always serializable). PostgreSQL maps them to isolation levels; only
// serializable transactions may fail with SerializationFailure, which with_transaction retries.
// write_relaxed: a write whose loss in a power failure is acceptable (a cart line, never an
// order). It is still atomic and survives a crash of shopd; it only does not wait for the disk:
// SQLite commits it with synchronous=NORMAL (WAL), PostgreSQL with synchronous_commit off.
// snapshot: a read of several statements that must agree with each other (a report): SQLite
// BEGIN DEFERRED (a WAL read transaction is one snapshot), PostgreSQL REPEATABLE READ READ ONLY
// (one snapshot for the whole transaction; a read-only one never fails to serialize).
enum class TxMode { read, write, serializable, write_relaxed, snapshot };

// How a constraint violation happened, so services can turn `unique` into a 409.
enum class ConstraintKind { unique, foreign_key, check, not_null, other };

// A statement broke a constraint. constraint() is the backend's name for it: SQLite gives
// "table.column" for unique/not-null and the constraint name for named CHECKs; PostgreSQL gives
// the constraint name. Name constraints so a column name appears in both.
class ConstraintViolation : public std::runtime_error {
 public:
  ConstraintViolation(ConstraintKind kind, std::string constraint, const std::string& message)
      : std::runtime_error(message), kind_(kind), constraint_(std::move(constraint)) {}

  ConstraintKind kind() const noexcept { return kind_; }
  const std::string& constraint() const noexcept { return constraint_; }

 private:
  ConstraintKind kind_;
  std::string constraint_;
};

// A transaction lost a serialization race (PostgreSQL 40001/40P01) and may be retried as a whole.
// SQLite never throws it: BEGIN IMMEDIATE serializes writers instead.
class SerializationFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Something that runs SQL: a leased connection or a transaction. Stores take an Executor& so one
// store method works inside and outside a transaction.
class Executor {
 public:
  virtual ~Executor() = default;

  virtual Dialect dialect() const = 0;

  // Runs one statement with $1..$n placeholders and returns its rows. Throws std::logic_error
  // when the parameters do not match the placeholders, ConstraintViolation, shop::Error
  // {unavailable} when the database stays busy, std::runtime_error for anything else.
  virtual Result execute_params(std::string_view sql, std::span<const Value> params) = 0;

  // Runs several statements without parameters (migrations).
  virtual void execute_script(std::string_view sql) = 0;

  Result execute(std::string_view sql, std::initializer_list<Value> params = {}) {
    return execute_params(sql, std::span<const Value>(params.begin(), params.size()));
  }
  Result execute(std::string_view sql, std::span<const Value> params) {
    return execute_params(sql, params);
  }
};

// One open database connection, used by one thread at a time (through a ConnectionLease).
class Connection : public Executor {
 public:
  // Transaction control, used by Transaction; begin() throws std::logic_error if one is open.
  virtual void begin(TxMode mode) = 0;
  virtual void commit() = 0;
  // Rolls back the open transaction, if any.
  virtual void rollback() = 0;
  virtual bool in_transaction() const noexcept = 0;
  // False once the connection cannot be used any more (e.g. the server closed it); the pool then
  // drops it instead of handing it out again.
  virtual bool is_healthy() const noexcept { return true; }
};

class ConnectionPool;

// A connection borrowed from a pool; returning it is automatic. The pool must outlive the lease.
class ConnectionLease final : public Executor {
 public:
  ConnectionLease(ConnectionPool& pool, std::unique_ptr<Connection> connection);
  ConnectionLease(ConnectionLease&& other) noexcept;
  ConnectionLease& operator=(ConnectionLease&& other) noexcept;
  ~ConnectionLease() override;

  Connection& connection() const;
  Connection* operator->() const { return &connection(); }

  Dialect dialect() const override { return connection().dialect(); }
  Result execute_params(std::string_view sql, std::span<const Value> params) override {
    return connection().execute_params(sql, params);
  }
  void execute_script(std::string_view sql) override { connection().execute_script(sql); }

  // Gives the connection back now; the lease is empty afterwards.
  void release() noexcept;

 private:
  ConnectionPool* pool_;
  std::unique_ptr<Connection> connection_;
};

// Pool use, for /metrics.
struct PoolStats {
  std::size_t size = 0;            // most connections the pool opens
  std::size_t open = 0;            // connections open now
  std::size_t in_use = 0;          // leased now
  std::size_t waiting = 0;         // threads waiting for a connection now
  std::uint64_t acquisitions = 0;  // leases handed out, ever
  std::uint64_t waited = 0;        // of those, how many had to wait
  std::uint64_t timeouts = 0;      // acquire() calls that gave up
};

// Tuning that applies to every backend.
struct DatabaseOptions {
  std::size_t pool_size = 8;                        // DATABASE_POOL_SIZE
  std::chrono::milliseconds acquire_timeout{5000};  // wait for a free connection
  std::chrono::milliseconds busy_timeout{5000};     // SQLite: wait for another writer's lock
};

// A database with a bounded pool of connections.
class Database {
 public:
  virtual ~Database() = default;

  virtual Dialect dialect() const = 0;
  // Waits up to DatabaseOptions::acquire_timeout for a free connection, then throws
  // shop::Error{unavailable}.
  virtual ConnectionLease acquire() = 0;
  virtual PoolStats stats() const = 0;
  // Backend and location for logs, e.g. "sqlite ./data/shopd.db"; never a password.
  virtual std::string describe() const = 0;
  // True when a trivial query works; never throws.
  virtual bool ping() noexcept;
};

}  // namespace shop::storage
