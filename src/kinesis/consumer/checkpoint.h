#pragma once
// Checkpoint stores: where a consumer remembers, per shard, the last sequence number it has
// delivered (or kShardEnd once a closed shard is read to its end), so a restart resumes there.
//
// A checkpoint is saved after the callback returned for every record up to it: delivery is
// at-least-once (a crash between callback and save replays those records), never at-most-once.
//
// Implementations are thread-safe: the consumer's reader threads save concurrently.

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/named_type.h"
#include "core/result.h"

struct sqlite3;

namespace kwb::kinesis::consumer {

// Stored for a shard that has been read to its end; its children may start.
inline constexpr const char* kShardEnd = "SHARD_END";

class CheckpointStore {
 public:
  virtual ~CheckpointStore() = default;
  // Every checkpoint of one stream (by stream name); empty when there are none.
  virtual Result<std::map<ShardId, std::string>> load(const std::string& stream) = 0;
  virtual Status save(const std::string& stream, const ShardId& shard, const std::string& position) = 0;
};

// A JSON file {"version":1,"streams":{"<stream>":{"<shard>":"<position>"}}}. Each save rewrites
// the file through a temporary beside it and rename(2), so a crash leaves the old or the new file,
// never half of one. Holds the whole map in memory (a few bytes per shard).
class FileCheckpointStore final : public CheckpointStore {
 public:
  // Reads the file when it exists; kParse when it is not ours, kIo when it cannot be read.
  static Result<std::unique_ptr<FileCheckpointStore>> open(std::filesystem::path path);
  Result<std::map<ShardId, std::string>> load(const std::string& stream) override;
  Status save(const std::string& stream, const ShardId& shard, const std::string& position) override;

 private:
  explicit FileCheckpointStore(std::filesystem::path path) : path_(std::move(path)) {}
  Status write_locked();

  std::filesystem::path path_;
  std::mutex mutex_;
  std::map<std::string, std::map<std::string, std::string>> data_;  // GUARDED_BY(mutex_)
};

// A SQLite table kwb_checkpoints(stream, shard_id, position, updated_at), one row per shard,
// upserted on save. The connection is serialised by a mutex.
class SqliteCheckpointStore final : public CheckpointStore {
 public:
  // Creates the file and the table when missing. kIo when SQLite cannot open it.
  static Result<std::unique_ptr<SqliteCheckpointStore>> open(const std::filesystem::path& path);
  ~SqliteCheckpointStore() override;
  SqliteCheckpointStore(const SqliteCheckpointStore&) = delete;
  SqliteCheckpointStore& operator=(const SqliteCheckpointStore&) = delete;
  Result<std::map<ShardId, std::string>> load(const std::string& stream) override;
  Status save(const std::string& stream, const ShardId& shard, const std::string& position) override;

 private:
  explicit SqliteCheckpointStore(sqlite3* db) : db_(db) {}
  std::mutex mutex_;
  sqlite3* db_;  // GUARDED_BY(mutex_); owned, closed in the destructor
};

}  // namespace kwb::kinesis::consumer
