#include "storage/migrator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <stdexcept>
#include <utility>

#include "core/digest.hpp"
#include "storage/embedded_migrations.hpp"
#include "storage/open_database.hpp"
#include "storage/transaction.hpp"

namespace shop::storage {
namespace {

// One text for both dialects; applied_at is milliseconds since the epoch, like domain tables.
constexpr std::string_view kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " checksum TEXT NOT NULL,"
    " applied_at BIGINT NOT NULL)";
constexpr std::string_view kSelectApplied =
    "SELECT version, name, checksum FROM schema_migrations ORDER BY version";
// Safe: written by the one migrator holding the migration lock (kPostgresMigrationLock; SQLite's
// BEGIN IMMEDIATE), in the transaction that applies the migration; the primary key backs it.
constexpr std::string_view kInsertApplied =
    "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)";

constexpr std::string_view kSqliteTableExists =
    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'";
constexpr std::string_view kPostgresTableExists =
    "SELECT count(*) FROM information_schema.tables"
    " WHERE table_schema = current_schema() AND table_name = 'schema_migrations'";

// PostgreSQL: makes concurrent migrators take turns (SQLite's BEGIN IMMEDIATE already does).
constexpr std::string_view kPostgresMigrationLock = "SELECT pg_advisory_xact_lock(7361001)";

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

bool migrations_table_exists(Executor& executor) {
  const auto sql =
      executor.dialect() == Dialect::sqlite ? kSqliteTableExists : kPostgresTableExists;
  return executor.execute(sql).front().get_int(0) > 0;
}

}  // namespace

std::vector<Migration> migrations_for(std::span<const EmbeddedMigration> all, Dialect dialect) {
  std::map<int, const EmbeddedMigration*> chosen;
  for (const auto& m : all)
    if (m.dialect == dialect_name(dialect)) chosen[m.version] = &m;
  for (const auto& m : all)
    if (m.dialect == kCommonMigrations) chosen.try_emplace(m.version, &m);
  std::vector<Migration> result;
  for (const auto& [version, m] : chosen)
    result.push_back(Migration{version, std::string(m->name), std::string(m->sql)});
  return result;
}

std::vector<Migration> embedded_migrations_for(Dialect dialect) {
  return migrations_for(embedded_migrations(), dialect);
}

std::string migration_label(int version, std::string_view name) {
  return fmt::format("{:04}_{}", version, name);
}

Migrator::Migrator(Database& db) : Migrator(db, embedded_migrations_for(db.dialect())) {}

Migrator::Migrator(Database& db, std::vector<Migration> migrations) : db_(db) {
  std::sort(migrations.begin(), migrations.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (auto& migration : migrations) {
    if (migration.version <= 0) {
      throw std::logic_error(fmt::format("migration version must be positive: {}",
                                         migration_label(migration.version, migration.name)));
    }
    if (!known_.empty() && known_.back().migration.version == migration.version) {
      throw std::logic_error(fmt::format("two migrations have version {}", migration.version));
    }
    auto checksum = sha256_hex(migration.sql);
    known_.push_back(Known{std::move(migration), std::move(checksum)});
  }
}

std::vector<MigrationInfo> Migrator::apply() {
  std::vector<MigrationInfo> applied_now;
  // One transaction per migration: it re-reads the records under the write lock, so a migrator
  // racing with us sees our work and skips it.
  for (;;) {
    const Known* done = with_transaction(db_, TxMode::write, [&](Transaction& tx) -> const Known* {
      if (tx.dialect() == Dialect::postgres) tx.execute(kPostgresMigrationLock);
      tx.execute(kCreateMigrationsTable);
      const auto applied = read_applied(tx, false);
      verify(applied);
      const auto pending = pending_of(applied);
      if (pending.empty()) return nullptr;
      const Known& next = *pending.front();
      const auto label = migration_label(next.migration.version, next.migration.name);
      try {
        tx.execute_script(next.migration.sql);
      } catch (const SerializationFailure&) {
        throw;  // with_transaction retries the whole step
      } catch (const std::exception& e) {
        throw std::runtime_error(fmt::format("migration {} failed: {}", label, e.what()));
      }
      tx.execute(kInsertApplied,
                 {next.migration.version, next.migration.name, next.checksum, now_ms()});
      return &next;
    });
    if (done == nullptr) return applied_now;
    applied_now.push_back(MigrationInfo{done->migration.version, done->migration.name});
  }
}

std::vector<MigrationInfo> Migrator::pending() {
  auto lease = db_.acquire();
  const auto applied = read_applied(lease, true);
  verify(applied);
  std::vector<MigrationInfo> result;
  for (const Known* known : pending_of(applied)) {
    result.push_back(MigrationInfo{known->migration.version, known->migration.name});
  }
  return result;
}

int Migrator::current_version() {
  auto lease = db_.acquire();
  const auto applied = read_applied(lease, true);
  return applied.empty() ? 0 : applied.back().version;
}

std::vector<Migrator::Applied> Migrator::read_applied(Executor& executor,
                                                      bool table_may_be_missing) {
  if (table_may_be_missing && !migrations_table_exists(executor)) return {};
  std::vector<Applied> applied;
  for (const auto& row : executor.execute(kSelectApplied).rows()) {
    applied.push_back(Applied{static_cast<int>(row.get_int(0)), row.get_text(1), row.get_text(2)});
  }
  return applied;
}

void Migrator::verify(const std::vector<Applied>& applied) const {
  const int newest_known = known_.empty() ? 0 : known_.back().migration.version;
  for (const auto& record : applied) {
    const auto known = std::find_if(known_.begin(), known_.end(), [&](const Known& k) {
      return k.migration.version == record.version;
    });
    if (known == known_.end()) {
      if (record.version > newest_known) {
        throw std::runtime_error(fmt::format(
            "database schema version {} is newer than this shopd (it knows up to {}); upgrade "
            "shopd or use another database",
            record.version, newest_known));
      }
      throw std::runtime_error(
          fmt::format("database has migration {} which this shopd does not know",
                      migration_label(record.version, record.name)));
    }
    if (known->checksum != record.checksum) {
      throw std::runtime_error(fmt::format(
          "migration {} was changed after it was applied (checksum differs); restore the "
          "original file and add a new migration instead",
          migration_label(record.version, record.name)));
    }
  }
}

std::vector<const Migrator::Known*> Migrator::pending_of(
    const std::vector<Applied>& applied) const {
  std::vector<const Known*> result;
  for (const auto& known : known_) {
    const bool done = std::any_of(applied.begin(), applied.end(), [&](const Applied& a) {
      return a.version == known.migration.version;
    });
    if (!done) result.push_back(&known);
  }
  return result;
}

MigratedDatabase open_and_migrate(std::string_view url, const DatabaseOptions& options) {
  MigratedDatabase out;
  out.db = open_database(url, options);
  Migrator migrator(*out.db);
  out.applied = migrator.apply();
  out.schema_version = migrator.current_version();
  return out;
}

}  // namespace shop::storage
