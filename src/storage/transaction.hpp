#pragma once

#include <span>
#include <string_view>
#include <type_traits>
#include <utility>

#include "core/error.hpp"
#include "storage/database.hpp"

namespace shop::storage {

// A database transaction that rolls back when destroyed unless commit() was called.
class Transaction final : public Executor {
 public:
  // Begins at once; the connection must outlive the transaction.
  Transaction(Connection& connection, TxMode mode);
  Transaction(ConnectionLease& lease, TxMode mode) : Transaction(lease.connection(), mode) {}
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction() override;  // rolls back if still open; never throws

  Dialect dialect() const override { return connection_.dialect(); }
  // Both throw std::logic_error once the transaction has ended.
  Result execute_params(std::string_view sql, std::span<const Value> params) override;
  void execute_script(std::string_view sql) override;

  void commit();
  void rollback();
  TxMode mode() const noexcept { return mode_; }
  bool is_open() const noexcept { return open_; }

 private:
  Connection& require_open();

  Connection& connection_;
  TxMode mode_;
  bool open_ = true;
};

// How often with_transaction runs a body that keeps losing serialization races.
inline constexpr int kMaxTransactionAttempts = 3;

// Leases a connection, runs fn(Transaction&) in a transaction of `mode` and commits; an exception
// from fn rolls back and propagates. When the backend reports a SerializationFailure (PostgreSQL
// serializable transactions), the whole body runs again, so fn must only have database side
// effects; after kMaxTransactionAttempts it gives up with shop::Error{unavailable}.
template <class F>
auto with_transaction(Database& db, TxMode mode, F&& fn) -> std::invoke_result_t<F&, Transaction&> {
  using R = std::invoke_result_t<F&, Transaction&>;
  auto lease = db.acquire();
  for (int attempt = 1;; ++attempt) {
    try {
      Transaction tx(lease, mode);
      if constexpr (std::is_void_v<R>) {
        fn(tx);
        tx.commit();
        return;
      } else {
        R result = fn(tx);
        tx.commit();
        return result;
      }
    } catch (const SerializationFailure&) {
      if (attempt >= kMaxTransactionAttempts) {
        throw Error{ErrorCode::unavailable, "Database is busy, try again"};
      }
    }
  }
}

}  // namespace shop::storage
