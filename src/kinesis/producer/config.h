#pragma once
// ProducerConfig: every knob of the producer, declared as data (name, description, default,
// bounds) and validated once, before a pipeline is built, with one clear kConfig error.
//
// Defaults follow the Kinesis limits and the KPL's defaults where they exist: 500 records and
// 5 MiB per PutRecords, 1 MiB per record, 1,000 records/s and 1 MiB/s per shard, 100 ms linger
// (KPL RecordMaxBufferedTime), 30 s TTL (KPL RecordTtl).

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "core/result.h"
#include "kinesis/model.h"

namespace kwb::kinesis::producer {

enum class BufferFullPolicy { kBlock, kFailFast };

struct ProducerConfig {
  StreamRef stream;

  // Batching.
  std::size_t max_batch_records = kMaxPutRecordsEntries;
  std::size_t max_batch_bytes = kMaxPutRecordsBytes;
  std::size_t max_record_bytes = kMaxRecordBytes;
  std::chrono::milliseconds linger{100};

  // Per-shard limits, scaled by rate_limit_factor (1.0 = exactly the Kinesis limits; the KPL uses
  // 1.5 to overshoot a little and let the service arbitrate). 0 disables the limiter.
  double shard_records_per_second = 1000;
  double shard_bytes_per_second = 1024 * 1024;
  double rate_limit_factor = 1.0;

  // Retries.
  std::chrono::milliseconds record_ttl{30000};
  std::chrono::milliseconds retry_base{100};
  std::chrono::milliseconds retry_cap{5000};

  // Ordering: at most one record per partition key in flight (on any shard, so also across a
  // resharding) and at most one PutRecords per shard, so one key's records are written strictly
  // in submission order.
  bool per_key_ordering = false;

  // In-flight PutRecords requests (the driver's sender threads).
  int max_in_flight_requests = 4;

  // Bounded buffer: bytes (data + key) of records submitted but not yet settled.
  std::size_t max_buffered_bytes = 64 * 1024 * 1024;
  BufferFullPolicy buffer_full_policy = BufferFullPolicy::kBlock;
  std::chrono::milliseconds put_block_timeout{10000};

  // Shard map: periodic refresh, and the shortest gap between refreshes asked for by stale routing.
  std::chrono::milliseconds shard_map_refresh_interval{60000};
  std::chrono::milliseconds shard_map_min_refresh_gap{1000};

  // The effective per-shard rates.
  [[nodiscard]] double records_rate() const { return shard_records_per_second * rate_limit_factor; }
  [[nodiscard]] double bytes_rate() const { return shard_bytes_per_second * rate_limit_factor; }
};

// One line per knob, for --help and docs.
struct ConfigField {
  std::string name;
  std::string description;
  std::string default_value;
  std::string bounds;
};
const std::vector<ConfigField>& producer_config_fields();

// kConfig naming the first field out of bounds.
Status validate(const ProducerConfig& config);

}  // namespace kwb::kinesis::producer
