#pragma once
// Verifier: end-to-end accounting of one load-test run.
//
// The runner tells it what was sent, acked and failed (from the producers' outcomes), and the
// consumer hands it every record it reads. From that it derives, per record sequence id:
//   lost             acked, never read (decided when the runner calls finish(), after the grace
//                    period, so "not read yet" becomes "lost" only then);
//   duplicates       every read of a record after its first;
//   order violation  a record of (producer, key) that sits after a record of the same producer and
//                    key with a higher sequence id (so: sent later) in the stream's order. That
//                    order is lineage-aware, not read order: within a shard it is the shard's own
//                    order (one reader per shard reads it in sequence), and every record of a
//                    parent shard (ParentShardId / AdjacentParentShardId, transitively) comes before
//                    every record of its children, however the consumer interleaved its reads of
//                    them. Within a shard each record read after a higher one counts once; across
//                    a parent and a descendant, each (producer, key) whose records in the two
//                    interleave counts once (a regression at a resharding is one event);
//   latency          first-read time minus the send time carried in the record;
// and the series over time (interval-wide buckets from the start): sent, acked, read, latency
// percentiles, and the producers' throttles and retries (sampled counters, see on_producer_sample).
//
// Records of other runs (another run id) or other writers are counted as foreign and ignored.
//
// Memory: two bytes per sequence id, one latency histogram (~15 KiB) per interval, and per
// (producer, key) a seq span for each shard it was read from.
// Ownership: self-contained. Thread safety: every method may be called from any thread (one mutex;
// the consumer's readers and the producers' sender threads call in concurrently).

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "kinesis/model.h"
#include "kinesis/producer/types.h"
#include "loadtest/report.h"

namespace kwb::loadtest {

// What the live progress line shows.
struct VerifierSnapshot {
  std::uint64_t sent = 0;
  std::uint64_t acked = 0;
  std::uint64_t failed = 0;
  std::uint64_t read = 0;
  std::uint64_t unread = 0;   // acked, not read yet
  std::uint64_t overdue = 0;  // acked more than `grace` ago and still not read: losses so far
  std::uint64_t duplicates = 0;
  std::uint64_t order_violations = 0;
  std::uint64_t throttled = 0;
  double p99_ms = 0;  // end to end, whole run so far
  double recent_read_rps = 0;  // first reads in the last complete interval
};

class Verifier {
 public:
  // REQUIRES: interval_s > 0.
  Verifier(std::string run_id, SystemTimePoint start, double interval_s);

  void on_sent(std::uint64_t seq, std::size_t bytes, SystemTimePoint at);
  void on_acked(std::uint64_t seq, std::size_t bytes, SystemTimePoint sent_at, SystemTimePoint at);
  void on_failed(std::uint64_t seq, const std::string& code, bool expired, SystemTimePoint at);
  // One record read from `shard` of the stream. `data` is the record's payload. Records of one
  // shard must be passed in that shard's order (as a shard's reader reads them).
  void on_read(std::string_view data, std::string_view partition_key, const ShardId& shard, SystemTimePoint at);
  // The same, for a reader that does not say where it read: as if everything came from one shard
  // (order is then judged in read order).
  void on_read(std::string_view data, std::string_view partition_key, SystemTimePoint at) {
    on_read(data, partition_key, ShardId(), at);
  }
  // The stream's shards with their parents, for lineage-aware order (may be called again as the
  // stream is resharded; the last listing is used). Shards never listed have no known relatives.
  void set_lineage(const std::vector<kinesis::Shard>& shards);
  // The producers' cumulative throttled and retried counts at `at` (summed over producers);
  // the difference from the previous sample goes to the interval holding `at`.
  void on_producer_sample(std::uint64_t throttled_total, std::uint64_t retried_total, SystemTimePoint at);

  [[nodiscard]] VerifierSnapshot snapshot(SystemTimePoint now, std::chrono::milliseconds grace);
  // Acked records not read yet (the runner waits for 0, or the grace period).
  [[nodiscard]] std::uint64_t acked_unread() const;

  // Fills the accounting, latency and series fields of `report`. `target` gives the offered rate
  // at t seconds (for the series); `run_s` is the run's length (throughput counts acks within it).
  void finish(Report& report, const std::function<double(double)>& target, double run_s) const;

 private:
  struct RecordState {
    std::uint8_t flags = 0;  // kAcked | kFailed
    std::uint8_t reads = 0;  // saturating
  };
  struct Bucket {
    std::uint64_t sent = 0;
    std::uint64_t acked = 0;
    std::uint64_t acked_bytes = 0;
    std::uint64_t read = 0;
    std::uint64_t failed = 0;
    std::uint64_t throttled = 0;
    std::uint64_t retried = 0;
    kinesis::producer::LatencyHistogram latency;
  };
  static constexpr std::uint8_t kAcked = 1;
  static constexpr std::uint8_t kFailed = 2;

  // Sequence ids of one (producer, key) read from one shard.
  struct KeySpan {
    std::uint32_t shard = 0;  // index into shard_ids_
    std::uint64_t min_seq = 0;
    std::uint64_t max_seq = 0;
  };

  RecordState& state_locked(std::uint64_t seq);
  Bucket& bucket_locked(SystemTimePoint at);
  std::uint32_t shard_index_locked(const ShardId& shard);
  // (producer, key) pairs whose records interleave between a shard and one of its descendants.
  [[nodiscard]] std::uint64_t lineage_violations_locked() const;

  const std::string run_id_;
  const SystemTimePoint start_;
  const double interval_s_;

  mutable std::mutex mutex_;
  std::vector<RecordState> records_;                          // GUARDED_BY(mutex_), by seq
  std::deque<Bucket> buckets_;                                // GUARDED_BY(mutex_)
  std::unordered_map<std::string, std::vector<KeySpan>> key_spans_;  // GUARDED_BY(mutex_): "producer/key" -> spans
  std::unordered_map<ShardId, std::uint32_t> shard_index_;    // GUARDED_BY(mutex_)
  std::vector<ShardId> shard_ids_;                             // GUARDED_BY(mutex_): by index
  std::vector<std::vector<std::uint32_t>> shard_parents_;      // GUARDED_BY(mutex_): by index
  std::deque<std::pair<SystemTimePoint, std::uint64_t>> ack_queue_;  // GUARDED_BY(mutex_): unread acks, ack order
  kinesis::producer::LatencyHistogram latency_;               // GUARDED_BY(mutex_)
  kinesis::producer::LatencyHistogram ack_latency_;           // GUARDED_BY(mutex_)
  std::map<std::string, std::uint64_t> failure_codes_;        // GUARDED_BY(mutex_)
  std::uint64_t sent_ = 0, acked_ = 0, acked_bytes_ = 0, failed_ = 0, expired_ = 0, read_ = 0, duplicates_ = 0,
                order_violations_ = 0, foreign_ = 0, acked_unread_ = 0;  // GUARDED_BY(mutex_)
  std::uint64_t last_throttled_ = 0, last_retried_ = 0;  // GUARDED_BY(mutex_)
};

}  // namespace kwb::loadtest
