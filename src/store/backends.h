#pragma once
// Factories for the two SqlConnection implementations. Internal to the store module: everything
// outside it goes through open_store() in store.h.

#include <filesystem>
#include <memory>
#include <string_view>

#include "core/result.h"
#include "store/sql_connection.h"

namespace kwb::store {

// Opens (creating if needed) an SQLite database file in WAL mode, with a busy timeout (so a
// second process waits for a write lock instead of failing at once) and foreign keys on.
// ":memory:" opens a private in-memory database (WAL does not apply there).
[[nodiscard]] Result<std::unique_ptr<SqlConnection>> open_sqlite(const std::filesystem::path& path);

// Connects with libpq. `url` is a postgres:// or postgresql:// URI (libpq parses it, including
// ?options=...). Error messages never repeat the URL, because it may carry a password.
[[nodiscard]] Result<std::unique_ptr<SqlConnection>> open_postgres(std::string_view url);

}  // namespace kwb::store
