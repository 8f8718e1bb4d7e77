#pragma once
// Versioned schema migrations, run by open_store() before any repository is handed out.
//
// Each Migration is one step with a version number, applied at most once and recorded in
// `schema_migrations`. Steps are never edited after they ship; a change to the schema is a new
// step. SQL is written per dialect only where the two differ (identity columns, JSON types).
//
// All pending steps run in one transaction, so a failure leaves the schema where it was. On
// PostgreSQL the transaction first takes an advisory lock, so several `kwb serve` instances
// starting at once against one database apply each step once; on SQLite, BEGIN IMMEDIATE takes
// the database write lock for the same effect.

#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "store/sql_connection.h"

namespace kwb::store {

struct Migration {
  int version = 0;
  std::string_view description;
  std::string_view sqlite_sql;
  std::string_view postgres_sql;  // empty: same as sqlite_sql
};

// The migrations this build knows, in ascending version order.
const std::vector<Migration>& builtin_migrations();

// Applies every migration newer than the database's version. Returns the resulting version.
// kConfig when the database already has a version newer than any in `migrations` (it was
// written by a newer kwb; running old code on it could corrupt it).
[[nodiscard]] Result<int> run_migrations(SqlConnection& connection, const std::vector<Migration>& migrations,
                                         const Clock& clock);

}  // namespace kwb::store
