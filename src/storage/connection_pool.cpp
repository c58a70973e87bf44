#include "storage/connection_pool.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>
#include <utility>

#include "core/error.hpp"

namespace shop::storage {

ConnectionPool::ConnectionPool(Factory open_connection, std::size_t size,
                               std::chrono::milliseconds acquire_timeout)
    : open_connection_(std::move(open_connection)), size_(size), acquire_timeout_(acquire_timeout) {
  if (size_ == 0) throw std::invalid_argument("database pool size must be at least 1");
  idle_.reserve(size_);  // give_back() must not allocate
}

ConnectionLease ConnectionPool::acquire() {
  std::unique_lock lock(mutex_);
  const auto can_take = [this] { return !idle_.empty() || open_ < size_; };
  const bool must_wait = !can_take();
  if (must_wait) {
    ++waiting_;
    const bool got_one = available_.wait_for(lock, acquire_timeout_, can_take);
    --waiting_;
    if (!got_one) {
      ++timeouts_;
      throw Error{ErrorCode::unavailable, "Database is busy, try again"};
    }
    ++waited_;
  }
  ++acquisitions_;
  ++in_use_;
  if (!idle_.empty()) {
    // Most recently used first: its statement cache is warm.
    auto connection = std::move(idle_.back());
    idle_.pop_back();
    return ConnectionLease(*this, std::move(connection));
  }
  // Reserve the slot, then open outside the lock so other callers are not held up.
  ++open_;
  lock.unlock();
  try {
    auto connection = open_connection_();
    if (!connection) throw std::logic_error("connection factory returned null");
    return ConnectionLease(*this, std::move(connection));
  } catch (...) {
    lock.lock();
    --open_;
    --in_use_;
    lock.unlock();
    available_.notify_one();
    throw;
  }
}

PoolStats ConnectionPool::stats() const {
  std::lock_guard lock(mutex_);
  return PoolStats{.size = size_,
                   .open = open_,
                   .in_use = in_use_,
                   .waiting = waiting_,
                   .acquisitions = acquisitions_,
                   .waited = waited_,
                   .timeouts = timeouts_};
}

void ConnectionPool::give_back(std::unique_ptr<Connection> connection) noexcept {
  // Safety net: a transaction left open must not leak into the next lease.
  if (connection && connection->in_transaction()) {
    spdlog::warn("database connection returned inside a transaction; rolling back");
    try {
      connection->rollback();
    } catch (const std::exception& e) {
      spdlog::error("rollback of an abandoned transaction failed, closing connection: {}",
                    e.what());
      connection.reset();
    }
  }
  if (connection && !connection->is_healthy()) connection.reset();  // closed outside the lock
  {
    std::lock_guard lock(mutex_);
    --in_use_;
    if (connection) {
      idle_.push_back(std::move(connection));
    } else {
      --open_;
    }
  }
  available_.notify_one();
}

ConnectionLease::ConnectionLease(ConnectionPool& pool, std::unique_ptr<Connection> connection)
    : pool_(&pool), connection_(std::move(connection)) {}

ConnectionLease::ConnectionLease(ConnectionLease&& other) noexcept
    : pool_(other.pool_), connection_(std::move(other.connection_)) {}

ConnectionLease& ConnectionLease::operator=(ConnectionLease&& other) noexcept {
  if (this != &other) {
    release();
    pool_ = other.pool_;
    connection_ = std::move(other.connection_);
  }
  return *this;
}

ConnectionLease::~ConnectionLease() {
  release();
}

Connection& ConnectionLease::connection() const {
  if (!connection_) throw std::logic_error("database connection lease was already released");
  return *connection_;
}

void ConnectionLease::release() noexcept {
  if (connection_) pool_->give_back(std::move(connection_));
}

}  // namespace shop::storage
