#pragma once
// Where a durable emulator (--data-dir) keeps one region's streams:
//
//   DATA_DIR/regions/<region>/<stream name>.<created ms>/stream.json      metadata (engine-owned JSON)
//   DATA_DIR/regions/<region>/<stream name>.<created ms>/shard-<index>/   FileRecordLog segments
//
// The creation time in the directory name keeps a re-created stream apart from a deleted one of the
// same name. stream.json is replaced atomically (write, fsync, rename) on every control-plane change;
// records go to the shard logs (durable_log.h). The store knows files, not streams: the Engine
// decides what the document says.
//
// Ownership: owned by its Engine. Thread safety: save() and remove() may run concurrently for
// different streams; the Engine serialises calls for one stream with its locks.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "emulator/config.h"
#include "emulator/durable_log.h"

namespace kwb::emulator {

class StreamStore {
 public:
  StreamStore(std::filesystem::path region_dir, FsyncMode mode, std::int64_t fsync_interval_ms)
      : dir_(std::move(region_dir)), mode_(mode), fsync_interval_ms_(fsync_interval_ms) {}

  // Every stream document found, oldest directory first.
  [[nodiscard]] Result<std::vector<std::string>> load_all() const;
  [[nodiscard]] Status save(std::string_view name, std::int64_t created_ms, std::string_view document) const;
  // Deletes the stream's directory with its records.
  [[nodiscard]] Status remove(std::string_view name, std::int64_t created_ms) const;

  // A new shard's log (no I/O until its first write).
  [[nodiscard]] std::unique_ptr<RecordLog> new_shard_log(std::string_view name, std::int64_t created_ms,
                                                         std::uint32_t shard_index) const;
  // A shard's log with its records read back.
  [[nodiscard]] Result<std::unique_ptr<RecordLog>> open_shard_log(std::string_view name, std::int64_t created_ms,
                                                                  std::uint32_t shard_index,
                                                                  LogRecovery* recovery) const;

 private:
  [[nodiscard]] std::filesystem::path stream_dir(std::string_view name, std::int64_t created_ms) const;
  [[nodiscard]] std::filesystem::path shard_dir(std::string_view name, std::int64_t created_ms,
                                                std::uint32_t index) const;

  std::filesystem::path dir_;
  FsyncMode mode_;
  std::int64_t fsync_interval_ms_;
};

// Region names come from request signatures, so they are made safe as directory names: plain
// names ([a-z0-9-], up to 64) stay as they are, anything else is "x-" + hex.
std::string region_directory_name(std::string_view region);
std::optional<std::string> region_from_directory_name(std::string_view name);

}  // namespace kwb::emulator
