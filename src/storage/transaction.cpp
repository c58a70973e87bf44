#include "storage/transaction.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

namespace shop::storage {

Transaction::Transaction(Connection& connection, TxMode mode)
    : connection_(connection), mode_(mode) {
  connection_.begin(mode_);
}

Transaction::~Transaction() {
  if (!open_) return;
  try {
    connection_.rollback();
  } catch (const std::exception& e) {
    // The pool rolls back again (or drops the connection) when the lease returns.
    spdlog::error("transaction rollback failed: {}", e.what());
  } catch (...) {
    spdlog::error("transaction rollback failed");
  }
}

Result Transaction::execute_params(std::string_view sql, std::span<const Value> params) {
  return require_open().execute_params(sql, params);
}

void Transaction::execute_script(std::string_view sql) {
  require_open().execute_script(sql);
}

void Transaction::commit() {
  // If COMMIT fails the transaction stays open, so the destructor still rolls back.
  require_open().commit();
  open_ = false;
}

void Transaction::rollback() {
  open_ = false;
  connection_.rollback();
}

Connection& Transaction::require_open() {
  if (!open_) throw std::logic_error("transaction already committed or rolled back");
  return connection_;
}

}  // namespace shop::storage
