#pragma once
// The file-backed record log behind --data-dir: an in-memory log (for reads) written through to
// append-only segment files (for restarts).
//
// On disk, one directory per shard holds segment files named by the counter of their first
// record, "00000000000000000001.log", each a run of frames:
//
//   u32 body_size | u32 crc32c(body) | body = i64 arrival_ms | u64 counter | u16 key_size | key | data
//
// (integers little-endian). A segment is closed at 64 MiB and a new one begun; retention deletes
// whole segments once a later segment exists, and the newest segment is never deleted, so its name
// keeps the next counter even when every record has expired. Memory is what MemoryRecordLog uses
// (payload + key + 24 bytes per record) plus one staging buffer per shard.
//
// Recovery (open()) reads every segment in order into memory. A frame that is cut short or fails
// its checksum at the end of the newest segment is a torn write from a crash: the file is
// truncated there, and since such a record was never acknowledged under --fsync always, nothing
// acknowledged is lost. The same damage anywhere else is corruption and open() fails naming the
// file, rather than silently dropping acknowledged records after it.
//
// append() stages a frame in memory; commit() writes all staged frames with one write() and syncs
// as the FsyncMode says. The engine acknowledges records only after commit() succeeds.
//
// Ownership: owns its file descriptor and memory. Thread safety: none (the shard mutex guards it,
// as for every RecordLog).

#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <string>

#include "core/result.h"
#include "emulator/config.h"
#include "emulator/record_log.h"

namespace kwb::emulator {

struct LogRecovery {
  std::uint64_t records = 0;
  std::uint64_t segments = 0;
  std::uint64_t truncated_bytes = 0;  // torn tail removed from the newest segment
};

class FileRecordLog final : public RecordLog {
 public:
  static constexpr std::uint64_t kDefaultSegmentBytes = 64ull * 1024 * 1024;
  static constexpr std::size_t kFrameHeaderBytes = 26;

  // A new, empty log in dir. No I/O happens until the first commit creates the directory.
  FileRecordLog(std::filesystem::path dir, FsyncMode mode, std::int64_t fsync_interval_ms,
                std::uint64_t first_counter = 1, std::uint64_t segment_bytes = kDefaultSegmentBytes);
  // Recovers the log in dir (a missing directory is an empty log).
  static Result<std::unique_ptr<FileRecordLog>> open(std::filesystem::path dir, FsyncMode mode,
                                                     std::int64_t fsync_interval_ms, LogRecovery* recovery = nullptr,
                                                     std::uint64_t segment_bytes = kDefaultSegmentBytes);
  ~FileRecordLog() override;
  FileRecordLog(const FileRecordLog&) = delete;
  FileRecordLog& operator=(const FileRecordLog&) = delete;

  std::uint64_t append(std::int64_t arrival_ms, std::string_view partition_key, std::string_view data) override;
  [[nodiscard]] std::uint64_t first_counter() const override { return memory_.first_counter(); }
  [[nodiscard]] std::uint64_t next_counter() const override { return memory_.next_counter(); }
  std::uint64_t read(std::uint64_t from, std::size_t max_records, std::size_t max_bytes,
                     std::vector<StoredRecord>& out) const override {
    return memory_.read(from, max_records, max_bytes, out);
  }
  [[nodiscard]] std::uint64_t find_by_time(std::int64_t time_ms) const override {
    return memory_.find_by_time(time_ms);
  }
  [[nodiscard]] std::int64_t arrival_of(std::uint64_t counter) const override { return memory_.arrival_of(counter); }
  [[nodiscard]] std::int64_t last_arrival_ms() const override { return memory_.last_arrival_ms(); }
  void trim_before(std::int64_t cutoff_ms) override;
  Status commit(std::int64_t steady_ns) override;
  [[nodiscard]] std::uint64_t stored_records() const override { return memory_.stored_records(); }
  [[nodiscard]] std::uint64_t stored_bytes() const override { return memory_.stored_bytes(); }
  [[nodiscard]] std::uint64_t reserved_bytes() const override { return memory_.reserved_bytes() + staged_.capacity(); }

  // Segment files currently on disk (for tests and /_kwb/state).
  [[nodiscard]] std::size_t segment_files() const { return files_.size(); }

 private:
  struct SegmentFile {
    std::uint64_t first_counter;
    std::filesystem::path path;
  };

  Status open_active_segment();
  Status sync_active();

  std::filesystem::path dir_;
  FsyncMode mode_;
  std::int64_t fsync_interval_ns_;
  std::uint64_t segment_bytes_;
  MemoryRecordLog memory_;
  std::deque<SegmentFile> files_;  // oldest first; the last is the active one when fd_ >= 0
  int fd_ = -1;                    // active segment, opened for append
  std::uint64_t active_size_ = 0;
  std::string staged_;     // frames appended since the last commit
  bool unsynced_ = false;  // written to the kernel but not yet fdatasync'ed
  std::int64_t last_sync_ns_ = 0;
};

// "00000000000000000001.log"
std::string segment_file_name(std::uint64_t first_counter);

// Durable file helpers shared with the metadata store.
// Writes path atomically: a temporary file, fsync (unless kNever), rename, fsync of the directory.
Status write_file_atomically(const std::filesystem::path& path, std::string_view contents, FsyncMode mode);
Status sync_directory(const std::filesystem::path& dir);

}  // namespace kwb::emulator
