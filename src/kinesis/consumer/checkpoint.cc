#include "kinesis/consumer/checkpoint.h"

#include <sqlite3.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>

namespace kwb::kinesis::consumer {

// ---- File ----

Result<std::unique_ptr<FileCheckpointStore>> FileCheckpointStore::open(std::filesystem::path path) {
  std::unique_ptr<FileCheckpointStore> store(new FileCheckpointStore(path));
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return store;
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::io("cannot read checkpoint file " + path.string());
  std::stringstream text;
  text << in.rdbuf();
  const nlohmann::json doc = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("streams") || !doc["streams"].is_object()) {
    return Error::parse("checkpoint file " + path.string() + " is not a kwb checkpoint file");
  }
  for (const auto& [stream, shards] : doc["streams"].items()) {
    if (!shards.is_object()) return Error::parse("checkpoint file " + path.string() + ": bad entry for " + stream);
    for (const auto& [shard, position] : shards.items()) {
      if (!position.is_string()) return Error::parse("checkpoint file " + path.string() + ": bad position for " + shard);
      store->data_[stream][shard] = position.get<std::string>();
    }
  }
  return store;
}

Result<std::map<ShardId, std::string>> FileCheckpointStore::load(const std::string& stream) {
  std::lock_guard lock(mutex_);
  std::map<ShardId, std::string> out;
  auto it = data_.find(stream);
  if (it != data_.end()) {
    for (const auto& [shard, position] : it->second) out.emplace(ShardId(shard), position);
  }
  return out;
}

Status FileCheckpointStore::save(const std::string& stream, const ShardId& shard, const std::string& position) {
  std::lock_guard lock(mutex_);
  data_[stream][shard.str()] = position;
  return write_locked();
}

Status FileCheckpointStore::write_locked() {
  nlohmann::json doc = {{"version", 1}, {"streams", nlohmann::json::object()}};
  for (const auto& [stream, shards] : data_) {
    for (const auto& [shard, position] : shards) doc["streams"][stream][shard] = position;
  }
  std::filesystem::path temp = path_;
  temp += ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) return Error::io("cannot write " + temp.string());
    out << doc.dump(2) << '\n';
    out.flush();
    if (!out) return Error::io("cannot write " + temp.string());
  }
  std::error_code ec;
  std::filesystem::rename(temp, path_, ec);
  if (ec) return Error::io("cannot rename " + temp.string() + " to " + path_.string() + ": " + ec.message());
  return ok_status();
}

// ---- SQLite ----

namespace {
Error sqlite_error(sqlite3* db, const std::string& what) {
  return Error::io(what + ": " + (db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
}

// Finalizes a prepared statement on every path out.
struct Statement {
  sqlite3_stmt* stmt = nullptr;
  ~Statement() { sqlite3_finalize(stmt); }
};
}  // namespace

Result<std::unique_ptr<SqliteCheckpointStore>> SqliteCheckpointStore::open(const std::filesystem::path& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    Error error = sqlite_error(db, "cannot open checkpoint database " + path.string());
    sqlite3_close(db);
    return error;
  }
  std::unique_ptr<SqliteCheckpointStore> store(new SqliteCheckpointStore(db));
  const char* schema =
      "CREATE TABLE IF NOT EXISTS kwb_checkpoints ("
      " stream TEXT NOT NULL, shard_id TEXT NOT NULL, position TEXT NOT NULL,"
      " updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),"
      " PRIMARY KEY (stream, shard_id))";
  if (sqlite3_exec(db, schema, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return sqlite_error(db, "cannot create kwb_checkpoints");
  }
  sqlite3_busy_timeout(db, 5000);  // another process holding the lock briefly is not an error
  return store;
}

SqliteCheckpointStore::~SqliteCheckpointStore() { sqlite3_close(db_); }

Result<std::map<ShardId, std::string>> SqliteCheckpointStore::load(const std::string& stream) {
  std::lock_guard lock(mutex_);
  Statement st;
  if (sqlite3_prepare_v2(db_, "SELECT shard_id, position FROM kwb_checkpoints WHERE stream = ?1", -1, &st.stmt,
                         nullptr) != SQLITE_OK) {
    return sqlite_error(db_, "cannot read checkpoints");
  }
  sqlite3_bind_text(st.stmt, 1, stream.c_str(), static_cast<int>(stream.size()), SQLITE_TRANSIENT);
  std::map<ShardId, std::string> out;
  int rc = 0;
  while ((rc = sqlite3_step(st.stmt)) == SQLITE_ROW) {
    const auto* shard = reinterpret_cast<const char*>(sqlite3_column_text(st.stmt, 0));
    const auto* position = reinterpret_cast<const char*>(sqlite3_column_text(st.stmt, 1));
    out.emplace(ShardId(shard ? shard : ""), position ? position : "");
  }
  if (rc != SQLITE_DONE) return sqlite_error(db_, "cannot read checkpoints");
  return out;
}

Status SqliteCheckpointStore::save(const std::string& stream, const ShardId& shard, const std::string& position) {
  std::lock_guard lock(mutex_);
  Statement st;
  if (sqlite3_prepare_v2(db_,
                         "INSERT INTO kwb_checkpoints (stream, shard_id, position) VALUES (?1, ?2, ?3) "
                         "ON CONFLICT (stream, shard_id) DO UPDATE SET position = excluded.position, "
                         "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')",
                         -1, &st.stmt, nullptr) != SQLITE_OK) {
    return sqlite_error(db_, "cannot save checkpoint");
  }
  sqlite3_bind_text(st.stmt, 1, stream.c_str(), static_cast<int>(stream.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(st.stmt, 2, shard.str().c_str(), static_cast<int>(shard.str().size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(st.stmt, 3, position.c_str(), static_cast<int>(position.size()), SQLITE_TRANSIENT);
  if (sqlite3_step(st.stmt) != SQLITE_DONE) return sqlite_error(db_, "cannot save checkpoint");
  return ok_status();
}

}  // namespace kwb::kinesis::consumer
