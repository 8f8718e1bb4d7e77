#pragma once
// Plain data shared by the producer pipeline and its driver: what the caller submits, what it gets
// back, and the counters it can read. Safe to copy between threads.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/named_type.h"
#include "kinesis/pacing.h"

namespace kwb::kinesis::producer {

using RecordId = std::uint64_t;

// One record as the caller hands it in. The producer routes it by partition key (or by
// explicit_hash_key when set), exactly as Kinesis will.
struct UserRecord {
  std::string partition_key;
  std::string data;  // raw bytes
  std::optional<std::string> explicit_hash_key;
};

// One try at writing a record, kept so a final failure explains itself (as KPL's Attempt does).
struct Attempt {
  Instant started;                 // when the PutRecords carrying it was handed out
  Instant finished;                // when its answer (or the give-up) was processed
  std::optional<ShardId> shard_id; // the shard the map predicted, when known
  std::string error_code;          // empty for the successful attempt
  std::string error_message;
};

// How a record ended. Every submitted record ends in exactly one of these.
struct RecordOutcome {
  RecordId id = 0;
  bool acked = false;
  // When acked:
  ShardId shard_id;
  std::string sequence_number;
  // When not acked: why. kind kCancelled with code "RecordExpired" for TTL expiry,
  // "ProducerClosed" when close() gave up; otherwise the last, non-retryable error.
  Error error;
  std::vector<Attempt> attempts;
  Instant submitted_at;  // when submit() accepted it (the load test's "send time")
  Instant completed_at;  // when it was acked or given up
  std::size_t bytes = 0; // data + partition key

  [[nodiscard]] std::chrono::nanoseconds latency() const { return completed_at - submitted_at; }
};

// Submit-to-ack latency in log-linear buckets (HdrHistogram's layout in miniature): values are
// microseconds, 32 sub-buckets per power of two, so any percentile is within ~3% of the truth in
// fixed memory, whatever the run length.
class LatencyHistogram {
 public:
  void record(std::chrono::nanoseconds latency);
  // q in [0, 1]; zero when empty. Returns the upper edge of the bucket holding the quantile.
  [[nodiscard]] std::chrono::microseconds percentile(double q) const;
  [[nodiscard]] std::chrono::microseconds max() const { return std::chrono::microseconds(max_us_); }
  [[nodiscard]] std::uint64_t count() const { return count_; }
  void merge(const LatencyHistogram& other);

 private:
  static constexpr int kSubBits = 5;
  static constexpr std::size_t kBuckets = (64 - kSubBits + 1) * (1u << kSubBits);
  static std::size_t index_of(std::uint64_t us);
  static std::uint64_t upper_edge(std::size_t index);

  std::vector<std::uint64_t> buckets_ = std::vector<std::uint64_t>(kBuckets, 0);
  std::uint64_t count_ = 0;
  std::uint64_t max_us_ = 0;
};

// Monotonic counters. `retried` counts retry decisions (one per record per failed attempt);
// `throttled` counts per-record ProvisionedThroughputExceeded answers; `expired` records that ran
// out of TTL; `failed` every record that ended without an ack (expired ones included).
struct ProducerCounters {
  std::uint64_t submitted = 0;
  std::uint64_t acked = 0;
  std::uint64_t retried = 0;
  std::uint64_t throttled = 0;
  std::uint64_t expired = 0;
  std::uint64_t failed = 0;
  std::uint64_t bytes_submitted = 0;
  std::uint64_t bytes_acked = 0;
  std::uint64_t requests_sent = 0;       // PutRecords calls handed out
  std::uint64_t request_failures = 0;    // whole-request failures
  std::uint64_t shard_map_refreshes = 0;
  LatencyHistogram latency;              // submit -> ack, acked records only
};

}  // namespace kwb::kinesis::producer
