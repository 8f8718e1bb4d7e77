#include "kinesis/producer/config.h"

#include <string>

namespace kwb::kinesis::producer {

const std::vector<ConfigField>& producer_config_fields() {
  static const std::vector<ConfigField> fields = {
      {"max_batch_records", "records per PutRecords request", "500", "1..500"},
      {"max_batch_bytes", "bytes per PutRecords request (data + keys)", "5242880", "1..5242880"},
      {"max_record_bytes", "largest record accepted (data + key)", "1048576", "1..1048576"},
      {"linger", "longest a record waits for its batch to fill", "100ms", "0..60s"},
      {"shard_records_per_second", "per-shard record rate before the factor (0 = no limit)", "1000", ">= 0"},
      {"shard_bytes_per_second", "per-shard byte rate before the factor (0 = no limit)", "1048576", ">= 0"},
      {"rate_limit_factor", "scales both per-shard rates", "1.0", "0.01..100"},
      {"record_ttl", "how long a record may be retried before it fails as expired", "30s", "1ms..24h"},
      {"retry_base", "first retry's backoff ceiling (full jitter, doubling)", "100ms", "1ms..retry_cap"},
      {"retry_cap", "largest backoff ceiling", "5s", "retry_base..10min"},
      {"per_key_ordering", "one record per key and one request per shard in flight", "false", "bool"},
      {"max_in_flight_requests", "concurrent PutRecords requests", "4", "1..256"},
      {"max_buffered_bytes", "bytes of unsettled records before put blocks or fails", "67108864", ">= max_record_bytes"},
      {"buffer_full_policy", "what put does when the buffer is full", "block", "block|fail-fast"},
      {"put_block_timeout", "how long a blocking put waits for room", "10s", ">= 0"},
      {"shard_map_refresh_interval", "periodic ListShards", "60s", ">= 1s"},
      {"shard_map_min_refresh_gap", "shortest gap between refreshes triggered by stale routing", "1s", ">= 0"},
  };
  return fields;
}

namespace {
Error bad(const std::string& field, const std::string& message) {
  Error error = Error::config("producer config: " + field + " " + message);
  error.field = field;
  return error;
}
}  // namespace

Status validate(const ProducerConfig& c) {
  using std::chrono::milliseconds;
  if (c.stream.empty()) return bad("stream", "is required");
  if (c.max_batch_records < 1 || c.max_batch_records > kMaxPutRecordsEntries) return bad("max_batch_records", "must be 1..500");
  if (c.max_batch_bytes < 1 || c.max_batch_bytes > kMaxPutRecordsBytes) return bad("max_batch_bytes", "must be 1..5242880");
  if (c.max_record_bytes < 1 || c.max_record_bytes > kMaxRecordBytes) return bad("max_record_bytes", "must be 1..1048576");
  if (c.max_record_bytes > c.max_batch_bytes) return bad("max_record_bytes", "must not exceed max_batch_bytes");
  if (c.linger < milliseconds(0) || c.linger > milliseconds(60000)) return bad("linger", "must be 0..60s");
  if (c.shard_records_per_second < 0) return bad("shard_records_per_second", "must be >= 0");
  if (c.shard_bytes_per_second < 0) return bad("shard_bytes_per_second", "must be >= 0");
  if (c.rate_limit_factor < 0.01 || c.rate_limit_factor > 100) return bad("rate_limit_factor", "must be 0.01..100");
  if (c.record_ttl < milliseconds(1) || c.record_ttl > milliseconds(24LL * 3600 * 1000)) return bad("record_ttl", "must be 1ms..24h");
  if (c.retry_base < milliseconds(1)) return bad("retry_base", "must be >= 1ms");
  if (c.retry_cap < c.retry_base || c.retry_cap > milliseconds(600000)) return bad("retry_cap", "must be retry_base..10min");
  if (c.max_in_flight_requests < 1 || c.max_in_flight_requests > 256) return bad("max_in_flight_requests", "must be 1..256");
  if (c.max_buffered_bytes < c.max_record_bytes) return bad("max_buffered_bytes", "must be >= max_record_bytes");
  if (c.put_block_timeout < milliseconds(0)) return bad("put_block_timeout", "must be >= 0");
  if (c.shard_map_refresh_interval < milliseconds(1000)) return bad("shard_map_refresh_interval", "must be >= 1s");
  if (c.shard_map_min_refresh_gap < milliseconds(0)) return bad("shard_map_min_refresh_gap", "must be >= 0");
  return ok_status();
}

}  // namespace kwb::kinesis::producer
