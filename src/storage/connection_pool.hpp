#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "storage/database.hpp"

namespace shop::storage {

// A bounded pool of connections shared by every backend. Connections are opened on demand up to
// `size`; a caller that finds none free waits up to `acquire_timeout`, then gets
// shop::Error{unavailable}.
class ConnectionPool {
 public:
  using Factory = std::function<std::unique_ptr<Connection>()>;

  ConnectionPool(Factory open_connection, std::size_t size,
                 std::chrono::milliseconds acquire_timeout);
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  ConnectionLease acquire();
  PoolStats stats() const;

 private:
  friend class ConnectionLease;
  // Takes a connection back from a lease; never throws.
  void give_back(std::unique_ptr<Connection> connection) noexcept;

  Factory open_connection_;
  const std::size_t size_;
  const std::chrono::milliseconds acquire_timeout_;

  mutable std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_ = 0;  // idle + leased + being opened
  std::size_t in_use_ = 0;
  std::size_t waiting_ = 0;
  std::uint64_t acquisitions_ = 0;
  std::uint64_t waited_ = 0;
  std::uint64_t timeouts_ = 0;
};

}  // namespace shop::storage
