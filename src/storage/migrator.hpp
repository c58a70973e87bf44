#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/database.hpp"
#include "storage/embedded_migrations.hpp"

namespace shop::storage {

// One schema change: a numbered SQL script of one or more statements. A script runs inside a
// transaction, so it must not contain BEGIN/COMMIT (and in SQLite, PRAGMA foreign_keys has no
// effect there: use PRAGMA defer_foreign_keys).
struct Migration {
  int version = 0;
  std::string name;
  std::string sql;
};

// A migration as reported by the migrator: "0001_init" is {1, "init"}.
struct MigrationInfo {
  int version = 0;
  std::string name;
  bool operator==(const MigrationInfo&) const = default;
};

// The migrations of a dialect out of `all`, by version: those of the dialect's folder, and those
// of common/ for every version the dialect's folder does not have (its file wins).
std::vector<Migration> migrations_for(std::span<const EmbeddedMigration> all, Dialect dialect);
// migrations_for() over the migrations compiled into this binary.
std::vector<Migration> embedded_migrations_for(Dialect dialect);

// "0001_init", how migrations are named in files and messages.
std::string migration_label(int version, std::string_view name);

// Brings a database's schema up to date and refuses to run against a schema this binary does not
// match. Applied migrations are recorded in schema_migrations.
class Migrator {
 public:
  // Uses the embedded migrations for db.dialect().
  explicit Migrator(Database& db);
  // Uses the given migrations; throws std::logic_error on a duplicate or non-positive version.
  Migrator(Database& db, std::vector<Migration> migrations);

  // Applies every pending migration, each in its own write transaction with its record, and
  // returns them in order. Safe when several processes migrate at once: each migration is applied
  // exactly once. Throws std::runtime_error (without applying anything more) when an applied
  // migration was changed or the database has a migration this binary does not know.
  std::vector<MigrationInfo> apply();
  // What apply() would apply now; throws like apply() when the schema does not match.
  std::vector<MigrationInfo> pending();
  // The highest applied version, 0 for an empty database.
  int current_version();

 private:
  struct Known {
    Migration migration;
    std::string checksum;
  };
  struct Applied {
    int version;
    std::string name;
    std::string checksum;
  };

  // Reads schema_migrations (empty if it does not exist yet) through `executor`.
  std::vector<Applied> read_applied(Executor& executor, bool table_may_be_missing);
  // Throws when the database does not match the known migrations.
  void verify(const std::vector<Applied>& applied) const;
  std::vector<const Known*> pending_of(const std::vector<Applied>& applied) const;

  Database& db_;
  std::vector<Known> known_;  // by version
};

// A database opened from DATABASE_URL with its schema brought up to date: what the server and
// every command that touches the database start with.
struct MigratedDatabase {
  std::unique_ptr<Database> db;
  std::vector<MigrationInfo> applied;  // what this start applied, in order
  int schema_version = 0;
};

// open_database() then Migrator::apply(); throws std::runtime_error (one line) like both.
MigratedDatabase open_and_migrate(std::string_view url, const DatabaseOptions& options);

}  // namespace shop::storage
