// SqlConnection on the SQLite C API.

#include <sqlite3.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/backends.h"

namespace kwb::store {
namespace {

// busy_timeout: how long a statement waits for another process's write lock (WAL allows one
// writer at a time) before SQLITE_BUSY. Five seconds covers a checkpoint on a slow disk.
constexpr int kBusyTimeoutMs = 5000;

Error sqlite_error(sqlite3* db, int rc, std::string_view what) {
  Error error;
  const int primary = rc & 0xff;
  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    error.kind = ErrorKind::kConflict;
    error.code = "UniqueViolation";
  } else if (rc == SQLITE_CONSTRAINT_CHECK) {
    error.kind = ErrorKind::kInvalidInput;
    error.code = "CheckViolation";
  } else if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    error.kind = ErrorKind::kTransient;
    error.code = "DatabaseBusy";
  } else if (primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR || primary == SQLITE_FULL ||
             primary == SQLITE_READONLY) {
    error.kind = ErrorKind::kIo;
  } else {
    error.kind = ErrorKind::kInternal;
  }
  error.message = std::string("sqlite: ") + std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  return error;
}

struct StatementCloser {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using StatementPtr = std::unique_ptr<sqlite3_stmt, StatementCloser>;

// Purpose: the SQLite SqlConnection. Owns its sqlite3 handle. Not thread-safe (the Store
// serialises calls).
class SqliteConnection final : public SqlConnection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection() override {
    statements_.clear();  // finalized before the handle they belong to is closed
    sqlite3_close_v2(db_);
  }
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  [[nodiscard]] Dialect dialect() const override { return Dialect::kSqlite; }

  Result<SqlResult> query(std::string_view sql, const std::vector<SqlValue>& params) override {
    auto prepared = prepare_cached(sql);
    if (!prepared) return std::move(prepared).error();
    sqlite3_stmt* const raw = *prepared;
    // Reset on every way out: a statement left mid-step would hold its read transaction open,
    // and its bindings would leak into the next use.
    struct ResetOnExit {
      sqlite3_stmt* statement;
      ~ResetOnExit() {
        sqlite3_reset(statement);
        sqlite3_clear_bindings(statement);
      }
    } reset_on_exit{raw};
    int rc = SQLITE_OK;
    // Placeholders are written $1..$N (PostgreSQL's form); in SQLite they are named parameters,
    // so bind each by its name. Every placeholder in the SQL must have a value.
    const int placeholder_count = sqlite3_bind_parameter_count(raw);
    int bound = 0;
    for (std::size_t i = 0; i < params.size(); ++i) {
      const std::string name = "$" + std::to_string(i + 1);
      const int index = sqlite3_bind_parameter_index(raw, name.c_str());
      if (index == 0) continue;  // the statement does not use this parameter
      ++bound;
      const SqlValue& value = params[i];
      if (std::holds_alternative<std::nullptr_t>(value)) {
        rc = sqlite3_bind_null(raw, index);
      } else if (const auto* number = std::get_if<std::int64_t>(&value)) {
        rc = sqlite3_bind_int64(raw, index, *number);
      } else {
        const std::string& text = std::get<std::string>(value);
        // PostgreSQL text cannot hold NUL; refusing it here too keeps the backends identical.
        if (text.find('\0') != std::string::npos) {
          return Error::invalid_input("", "text values may not contain NUL bytes");
        }
        rc = sqlite3_bind_text64(raw, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      }
      if (rc != SQLITE_OK) return sqlite_error(db_, rc, "bind");
    }
    if (bound != placeholder_count) {
      return Error::internal("sqlite: statement has " + std::to_string(placeholder_count) +
                             " placeholders but " + std::to_string(bound) + " were bound");
    }

    SqlResult result;
    while (true) {
      rc = sqlite3_step(raw);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return sqlite_error(db_, sqlite3_extended_errcode(db_), "step");
      const int columns = sqlite3_column_count(raw);
      std::vector<std::optional<std::string>> row;
      row.reserve(static_cast<std::size_t>(columns));
      for (int c = 0; c < columns; ++c) {
        if (sqlite3_column_type(raw, c) == SQLITE_NULL) {
          row.emplace_back(std::nullopt);
        } else {
          const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(raw, c));
          const int bytes = sqlite3_column_bytes(raw, c);
          row.emplace_back(std::string(text ? text : "", static_cast<std::size_t>(bytes)));
        }
      }
      result.rows.emplace_back(std::move(row));
    }
    // sqlite3_changes64 reports the last *write*; a SELECT must not inherit it.
    result.affected_rows = sqlite3_stmt_readonly(raw) ? 0 : sqlite3_changes64(db_);
    return result;
  }

  Status execute_script(std::string_view sql) override {
    // A script may change the schema; prepared statements re-prepare themselves on SQLITE_SCHEMA,
    // but there is no reason to keep ones a migration may have made obsolete.
    statements_.clear();
    const std::string text(sql);
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
      std::string detail = message ? message : sqlite3_errstr(rc);
      sqlite3_free(message);
      Error error = sqlite_error(db_, sqlite3_extended_errcode(db_), "exec");
      error.message = "sqlite: exec: " + detail;
      return error;
    }
    return ok_status();
  }

 private:
  // The store issues a few dozen distinct statements, over and over: preparing each once saves
  // SQLite's parser and planner on every call after the first. Bounded in case a caller ever
  // builds SQL text dynamically.
  static constexpr std::size_t kMaxCachedStatements = 128;

  Result<sqlite3_stmt*> prepare_cached(std::string_view sql) {
    if (const auto found = statements_.find(sql); found != statements_.end()) return found->second.get();
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &raw, &tail);
    StatementPtr statement(raw);
    if (rc != SQLITE_OK) return sqlite_error(db_, rc, "prepare");
    if (!statement) return Error::internal("sqlite: empty statement");
    if (tail != nullptr && std::string_view(tail).find_first_not_of(" \t\r\n;") != std::string_view::npos) {
      return Error::internal("sqlite: query() takes one statement; use execute_script()");
    }
    if (statements_.size() >= kMaxCachedStatements) statements_.clear();
    return statements_.emplace(std::string(sql), std::move(statement)).first->second.get();
  }

  struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view sql) const { return std::hash<std::string_view>{}(sql); }
  };

  sqlite3* db_;
  std::unordered_map<std::string, StatementPtr, SqlHash, std::equal_to<>> statements_;
};

}  // namespace

Result<std::unique_ptr<SqlConnection>> open_sqlite(const std::filesystem::path& path) {
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error error = sqlite_error(raw, rc, "open " + path.string());
    error.kind = ErrorKind::kIo;
    sqlite3_close_v2(raw);
    return error;
  }
  auto connection = std::make_unique<SqliteConnection>(raw);
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  // Foreign keys are off by default in SQLite for backwards compatibility; we want PostgreSQL's
  // behaviour on both backends.
  KWB_RETURN_IF_ERROR(connection->execute_script("PRAGMA foreign_keys = ON;"));
  if (path != ":memory:") {
    // WAL: readers never block the writer and vice versa, and a crash never corrupts the file.
    // journal_mode answers with the mode actually in force; a filesystem without shared memory
    // support would silently stay in "delete" mode, which we refuse rather than run slowly.
    auto mode = connection->query("PRAGMA journal_mode = WAL", {});
    if (!mode) return std::move(mode).error();
    if (mode->rows.empty() || mode->rows[0].text(0) != "wal") {
      return Error::io("sqlite: could not switch " + path.string() + " to WAL mode");
    }
    // NORMAL is durable across application crashes in WAL mode; only a power loss can lose the
    // last transactions, which is acceptable for this workbench's metadata.
    KWB_RETURN_IF_ERROR(connection->execute_script("PRAGMA synchronous = NORMAL;"));
  }
  return std::unique_ptr<SqlConnection>(std::move(connection));
}

}  // namespace kwb::store
