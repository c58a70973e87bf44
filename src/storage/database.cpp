#include "storage/database.hpp"

#include <spdlog/spdlog.h>

namespace shop::storage {

std::string_view dialect_name(Dialect dialect) {
  switch (dialect) {
    case Dialect::sqlite:
      return "sqlite";
    case Dialect::postgres:
      return "postgres";
  }
  return "unknown";
}

bool Database::ping() noexcept {
  try {
    auto lease = acquire();
    auto result = lease.execute("SELECT 1");
    return result.size() == 1 && result.front().get_int(0) == 1;
  } catch (const std::exception& e) {
    spdlog::warn("database ping failed: {}", e.what());
    return false;
  } catch (...) {
    return false;
  }
}

}  // namespace shop::storage
