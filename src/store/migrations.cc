#include "store/migrations.h"

#include <chrono>
#include <string>

namespace kwb::store {
namespace {

// Version 1: the tables `kwb serve` starts with.
//
// Why these types:
//   - times are BIGINT epoch milliseconds: identical on both backends, sortable, no time zones;
//   - flags are INTEGER 0/1, because SQLite has no boolean type and one spelling keeps the
//     repository SQL shared;
//   - JSON is JSONB on PostgreSQL (validated on insert, queryable later) and TEXT on SQLite;
//   - the live-identity unique index is partial (WHERE deleted_at IS NULL) so a deleted stream
//     stays as history while a new one with the same name can be recorded.
constexpr std::string_view kV1Sqlite = R"sql(
CREATE TABLE users (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  username         TEXT    NOT NULL UNIQUE,
  password_hash    TEXT    NOT NULL,
  role             TEXT    NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
  disabled         INTEGER NOT NULL DEFAULT 0,
  password_changed INTEGER NOT NULL DEFAULT 0,
  created_at       BIGINT  NOT NULL,
  updated_at       BIGINT  NOT NULL
);
CREATE TABLE aws_resources (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  resource_type TEXT   NOT NULL,
  name          TEXT   NOT NULL,
  arn           TEXT   NOT NULL DEFAULT '',
  region        TEXT   NOT NULL,
  account_id    TEXT   NOT NULL DEFAULT '',
  status        TEXT   NOT NULL,
  config        TEXT   NOT NULL DEFAULT '{}',
  tags          TEXT   NOT NULL DEFAULT '{}',
  created_by    TEXT   NOT NULL,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL,
  deleted_at    BIGINT
);
CREATE UNIQUE INDEX aws_resources_live_identity
  ON aws_resources (resource_type, region, account_id, name) WHERE deleted_at IS NULL;
CREATE INDEX aws_resources_by_name ON aws_resources (name, id);
CREATE TABLE audit_log (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  at      BIGINT NOT NULL,
  actor   TEXT   NOT NULL,
  action  TEXT   NOT NULL,
  target  TEXT   NOT NULL,
  outcome TEXT   NOT NULL,
  detail  TEXT   NOT NULL DEFAULT 'null'
);
CREATE INDEX audit_log_by_time ON audit_log (at, id);
CREATE TABLE revoked_tokens (
  jti        TEXT   PRIMARY KEY,
  expires_at BIGINT NOT NULL
);
CREATE INDEX revoked_tokens_by_expiry ON revoked_tokens (expires_at);
)sql";

constexpr std::string_view kV1Postgres = R"sql(
CREATE TABLE users (
  id               BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username         TEXT    NOT NULL UNIQUE,
  password_hash    TEXT    NOT NULL,
  role             TEXT    NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
  disabled         INTEGER NOT NULL DEFAULT 0,
  password_changed INTEGER NOT NULL DEFAULT 0,
  created_at       BIGINT  NOT NULL,
  updated_at       BIGINT  NOT NULL
);
CREATE TABLE aws_resources (
  id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  resource_type TEXT   NOT NULL,
  name          TEXT   NOT NULL,
  arn           TEXT   NOT NULL DEFAULT '',
  region        TEXT   NOT NULL,
  account_id    TEXT   NOT NULL DEFAULT '',
  status        TEXT   NOT NULL,
  config        JSONB  NOT NULL DEFAULT '{}',
  tags          JSONB  NOT NULL DEFAULT '{}',
  created_by    TEXT   NOT NULL,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL,
  deleted_at    BIGINT
);
CREATE UNIQUE INDEX aws_resources_live_identity
  ON aws_resources (resource_type, region, account_id, name) WHERE deleted_at IS NULL;
CREATE INDEX aws_resources_by_name ON aws_resources (name, id);
CREATE TABLE audit_log (
  id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at      BIGINT NOT NULL,
  actor   TEXT   NOT NULL,
  action  TEXT   NOT NULL,
  target  TEXT   NOT NULL,
  outcome TEXT   NOT NULL,
  detail  JSONB  NOT NULL DEFAULT 'null'
);
CREATE INDEX audit_log_by_time ON audit_log (at, id);
CREATE TABLE revoked_tokens (
  jti        TEXT   PRIMARY KEY,
  expires_at BIGINT NOT NULL
);
CREATE INDEX revoked_tokens_by_expiry ON revoked_tokens (expires_at);
)sql";

// Version 2: analyses run by `kwb serve` (POST /api/analyses). The id is text because the server
// chooses it (a random hex string a client can hold before the job runs). Finding counts are
// columns, not only inside the report, so the history listing never parses reports.
constexpr std::string_view kV2Sqlite = R"sql(
CREATE TABLE analyses (
  id                 TEXT    PRIMARY KEY,
  status             TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  request            TEXT    NOT NULL DEFAULT '{}',
  progress           TEXT    NOT NULL DEFAULT '{}',
  report             TEXT,
  analyzer           TEXT,
  requested_analyzer TEXT    NOT NULL,
  stream_count       INTEGER NOT NULL DEFAULT 0,
  critical_count     INTEGER NOT NULL DEFAULT 0,
  warning_count      INTEGER NOT NULL DEFAULT 0,
  info_count         INTEGER NOT NULL DEFAULT 0,
  error              TEXT,
  created_by         TEXT    NOT NULL,
  created_at         BIGINT  NOT NULL,
  finished_at        BIGINT
);
CREATE INDEX analyses_by_time ON analyses (created_at, id);
CREATE INDEX analyses_unfinished ON analyses (status);
)sql";

constexpr std::string_view kV2Postgres = R"sql(
CREATE TABLE analyses (
  id                 TEXT    PRIMARY KEY,
  status             TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  request            JSONB   NOT NULL DEFAULT '{}',
  progress           JSONB   NOT NULL DEFAULT '{}',
  report             JSONB,
  analyzer           TEXT,
  requested_analyzer TEXT    NOT NULL,
  stream_count       INTEGER NOT NULL DEFAULT 0,
  critical_count     INTEGER NOT NULL DEFAULT 0,
  warning_count      INTEGER NOT NULL DEFAULT 0,
  info_count         INTEGER NOT NULL DEFAULT 0,
  error              TEXT,
  created_by         TEXT    NOT NULL,
  created_at         BIGINT  NOT NULL,
  finished_at        BIGINT
);
CREATE INDEX analyses_by_time ON analyses (created_at, id);
CREATE INDEX analyses_unfinished ON analyses (status);
)sql";

constexpr std::string_view kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version BIGINT PRIMARY KEY,"
    " description TEXT NOT NULL,"
    " applied_at BIGINT NOT NULL)";

// An arbitrary constant naming "kwb schema migration" among PostgreSQL advisory locks.
constexpr std::int64_t kMigrationLockKey = 0x6b77625f6d696772;  // "kwb_migr"

Result<int> apply_pending(SqlConnection& connection, const std::vector<Migration>& migrations, const Clock& clock) {
  if (connection.dialect() == Dialect::kPostgres) {
    auto lock = connection.query("SELECT pg_advisory_xact_lock($1)", {kMigrationLockKey});
    if (!lock) return std::move(lock).error();
  }
  KWB_RETURN_IF_ERROR(connection.execute_script(kCreateMigrationsTable));
  auto current = connection.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {});
  if (!current) return std::move(current).error();
  auto version_value = current->rows.at(0).int64(0);
  if (!version_value) return std::move(version_value).error();
  int version = static_cast<int>(*version_value);

  const int newest = migrations.empty() ? 0 : migrations.back().version;
  if (version > newest) {
    return Error::config("database schema is at version " + std::to_string(version) +
                         ", newer than this kwb understands (" + std::to_string(newest) +
                         "); upgrade kwb or use another database");
  }
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch()).count();
  for (const Migration& migration : migrations) {
    if (migration.version <= version) continue;
    const std::string_view sql = (connection.dialect() == Dialect::kPostgres && !migration.postgres_sql.empty())
                                     ? migration.postgres_sql
                                     : migration.sqlite_sql;
    Status applied = connection.execute_script(sql);
    if (!applied) {
      Error error = std::move(applied).error();
      error.message = "migration " + std::to_string(migration.version) + " (" + std::string(migration.description) +
                      ") failed: " + error.message;
      return error;
    }
    auto recorded = connection.query(
        "INSERT INTO schema_migrations (version, description, applied_at) VALUES ($1, $2, $3)",
        {std::int64_t{migration.version}, std::string(migration.description), std::int64_t{now_ms}});
    if (!recorded) return std::move(recorded).error();
    version = migration.version;
  }
  return version;
}

}  // namespace

const std::vector<Migration>& builtin_migrations() {
  static const std::vector<Migration> migrations = {
      {1, "users, aws_resources, audit_log, revoked_tokens", kV1Sqlite, kV1Postgres},
      {2, "analyses", kV2Sqlite, kV2Postgres},
  };
  return migrations;
}

Result<int> run_migrations(SqlConnection& connection, const std::vector<Migration>& migrations, const Clock& clock) {
  for (std::size_t i = 1; i < migrations.size(); ++i) {
    if (migrations[i].version <= migrations[i - 1].version) {
      return Error::internal("migrations are not in ascending version order");
    }
  }
  // IMMEDIATE takes SQLite's write lock up front, so two processes cannot both read version N
  // and both apply N+1.
  KWB_RETURN_IF_ERROR(connection.execute_script(connection.dialect() == Dialect::kSqlite ? "BEGIN IMMEDIATE" : "BEGIN"));
  Result<int> version = apply_pending(connection, migrations, clock);
  if (!version) {
    (void)connection.execute_script("ROLLBACK");  // the original error is the one worth reporting
    return version;
  }
  Status committed = connection.execute_script("COMMIT");
  if (!committed) {
    (void)connection.execute_script("ROLLBACK");
    return std::move(committed).error();
  }
  return version;
}

}  // namespace kwb::store
