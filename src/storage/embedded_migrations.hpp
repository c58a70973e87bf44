#pragma once

#include <span>
#include <string_view>

namespace shop::storage {

// The folder of migrations that both dialects run (migrations/common/).
inline constexpr std::string_view kCommonMigrations = "common";

// One migration file compiled into the binary (see cmake/embed_migrations.cmake).
struct EmbeddedMigration {
  std::string_view dialect;  // folder name: "sqlite", "postgres" or "common"
  int version;
  std::string_view name;
  std::string_view sql;
};

// Every migration of every dialect, ordered by dialect folder then version.
std::span<const EmbeddedMigration> embedded_migrations();

}  // namespace shop::storage
