#pragma once
// The narrow waist between the repositories and the two database libraries.
//
// The repositories are written once, in SQL that both SQLite and PostgreSQL accept, with `$1`,
// `$2`, ... placeholders: PostgreSQL's native form, and in SQLite a named parameter that the
// SQLite backend binds by name (so a placeholder may repeat or appear out of order). Values only
// ever travel as bound parameters; no SQL text is ever built from a value.
//
// Results come back as text (or NULL) in both backends: PostgreSQL's text protocol gives text
// anyway, and SQLite converts on request. SqlRow parses integers where the repository expects
// them, so both backends go through the same conversion.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.h"

namespace kwb::store {

enum class Dialect { kSqlite, kPostgres };

using SqlValue = std::variant<std::nullptr_t, std::int64_t, std::string>;

class SqlRow {
 public:
  explicit SqlRow(std::vector<std::optional<std::string>> columns) : columns_(std::move(columns)) {}
  [[nodiscard]] std::size_t size() const { return columns_.size(); }
  [[nodiscard]] bool is_null(std::size_t index) const { return !columns_.at(index).has_value(); }
  // "" for NULL.
  [[nodiscard]] std::string text(std::size_t index) const { return columns_.at(index).value_or(""); }
  // kParse when the column is NULL or not an integer.
  [[nodiscard]] Result<std::int64_t> int64(std::size_t index) const;

 private:
  std::vector<std::optional<std::string>> columns_;
};

struct SqlResult {
  std::vector<SqlRow> rows;
  std::int64_t affected_rows = 0;  // for INSERT/UPDATE/DELETE
};

// Purpose: one open database connection. Owned by the Store (through unique_ptr).
// Thread safety: NOT thread-safe; the Store serialises every call with its mutex.
class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  [[nodiscard]] virtual Dialect dialect() const = 0;
  // One statement with bound parameters ($1 is params[0]).
  // Errors: kConflict for unique/primary-key violations (code "UniqueViolation"), kNetwork when
  // the server cannot be reached, kInternal otherwise (the message names the database error).
  [[nodiscard]] virtual Result<SqlResult> query(std::string_view sql, const std::vector<SqlValue>& params) = 0;
  // Several parameterless statements separated by ';' (migrations, BEGIN/COMMIT).
  [[nodiscard]] virtual Status execute_script(std::string_view sql) = 0;
};

}  // namespace kwb::store
