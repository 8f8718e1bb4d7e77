#pragma once
// Per-shard record storage: an append-only arena of record bytes plus a compact index.
//
// Records are addressed by a per-shard counter that rises by one per record (the counter inside
// the sequence number, see sequence.h), so finding a record is arithmetic, not a search. Storage is
// a list of segments. Each segment holds one contiguous byte buffer (partition key then data, per
// record) and a vector of 24-byte index entries; there is no heap object per record. Retention
// trims from the front: whole segments are freed once every record in them has expired.
//
// RecordLog is an interface so that a file-backed log (durable_log.h: --data-dir / --fsync) sits
// behind the same engine. append() only stages a record; commit() makes every staged record as
// durable as the log promises, and the engine acknowledges a write only after commit() succeeds.
//
// Thread safety: none. The owning shard's mutex guards every call; the string_views handed out
// stay valid until the next append or trim on the same log.

#include <cstdint>
#include <deque>
#include <memory>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace kwb::emulator {

struct StoredRecord {
  std::uint64_t counter = 0;
  std::int64_t arrival_ms = 0;
  std::string_view partition_key;
  std::string_view data;
};

class RecordLog {
 public:
  virtual ~RecordLog() = default;

  // Appends one record and returns its counter. arrival_ms must not go below the last one's
  // (the caller clamps), which keeps the index sorted by time for AT_TIMESTAMP.
  virtual std::uint64_t append(std::int64_t arrival_ms, std::string_view partition_key, std::string_view data) = 0;

  // Counter of the oldest record still kept (the trim horizon); equals next_counter() when empty.
  [[nodiscard]] virtual std::uint64_t first_counter() const = 0;
  // Counter the next appended record will get.
  [[nodiscard]] virtual std::uint64_t next_counter() const = 0;

  // Reads records with counter >= from, stopping before max_records or once max_bytes
  // (data + key) would be exceeded (the first record is always returned). Appends to out and
  // returns the counter after the last record read.
  virtual std::uint64_t read(std::uint64_t from, std::size_t max_records, std::size_t max_bytes,
                             std::vector<StoredRecord>& out) const = 0;

  // The counter of the first kept record that arrived at or after time_ms (next_counter() if none).
  [[nodiscard]] virtual std::uint64_t find_by_time(std::int64_t time_ms) const = 0;
  // Arrival time of a kept record; -1 if it is not kept.
  [[nodiscard]] virtual std::int64_t arrival_of(std::uint64_t counter) const = 0;
  // Arrival time of the newest record, -1 if none was ever written.
  [[nodiscard]] virtual std::int64_t last_arrival_ms() const = 0;

  // Drops records that arrived before cutoff_ms.
  virtual void trim_before(std::int64_t cutoff_ms) = 0;

  // Makes the records appended since the last commit durable (a no-op in memory). steady_ns is the
  // caller's monotonic time, which paces periodic syncs. On failure the records are still readable
  // in this process but may be lost on restart; the caller must not acknowledge them.
  virtual Status commit(std::int64_t /*steady_ns*/) { return ok_status(); }

  [[nodiscard]] virtual std::uint64_t stored_records() const = 0;
  [[nodiscard]] virtual std::uint64_t stored_bytes() const = 0;    // keys + data
  [[nodiscard]] virtual std::uint64_t reserved_bytes() const = 0;  // buffers held, for /_kwb/state
};

// The in-memory log.
class MemoryRecordLog final : public RecordLog {
 public:
  // first_counter: counter of the first record (1 for new shards).
  explicit MemoryRecordLog(std::uint64_t first_counter = 1);

  std::uint64_t append(std::int64_t arrival_ms, std::string_view partition_key, std::string_view data) override;
  [[nodiscard]] std::uint64_t first_counter() const override { return first_counter_; }
  [[nodiscard]] std::uint64_t next_counter() const override { return next_counter_; }
  std::uint64_t read(std::uint64_t from, std::size_t max_records, std::size_t max_bytes,
                     std::vector<StoredRecord>& out) const override;
  [[nodiscard]] std::uint64_t find_by_time(std::int64_t time_ms) const override;
  [[nodiscard]] std::int64_t arrival_of(std::uint64_t counter) const override;
  [[nodiscard]] std::int64_t last_arrival_ms() const override { return last_arrival_ms_; }
  void trim_before(std::int64_t cutoff_ms) override;
  [[nodiscard]] std::uint64_t stored_records() const override { return next_counter_ - first_counter_; }
  [[nodiscard]] std::uint64_t stored_bytes() const override { return stored_bytes_; }
  [[nodiscard]] std::uint64_t reserved_bytes() const override { return reserved_bytes_; }

 private:
  struct IndexEntry {
    std::int64_t arrival_ms;
    std::uint32_t offset;     // into the segment's bytes
    std::uint32_t data_size;
    std::uint16_t key_size;
  };
  struct Segment {
    std::uint64_t first_counter = 0;  // counter of entries[0]
    std::unique_ptr<char[]> bytes;    // uninitialised: untouched pages cost no memory
    std::uint32_t capacity = 0;
    std::uint32_t used = 0;
    std::vector<IndexEntry> entries;
  };

  // REQUIRES: first_counter_ <= counter < next_counter_.
  [[nodiscard]] std::deque<Segment>::const_iterator segment_for(std::uint64_t counter) const;
  [[nodiscard]] const IndexEntry& entry_for(std::uint64_t counter) const;
  StoredRecord view(const Segment& segment, const IndexEntry& entry, std::uint64_t counter) const;

  std::deque<Segment> segments_;
  std::uint64_t first_counter_;
  std::uint64_t next_counter_;
  std::int64_t last_arrival_ms_ = -1;
  std::uint64_t stored_bytes_ = 0;
  std::uint64_t reserved_bytes_ = 0;
};

}  // namespace kwb::emulator
