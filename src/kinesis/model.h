#pragma once
// Typed request and response shapes for the Kinesis Data Streams API (JSON 1.1, target prefix
// "Kinesis_20131202").
//
// Member names are the AWS field names in snake_case. Units are stated where AWS leaves them
// implicit. Hash keys and sequence numbers stay decimal strings, exactly as on the wire: they are
// 128-bit (hash keys) or longer (sequence numbers) and must round-trip without loss; shard_map.h
// has the comparable 128-bit HashKey type. Record data is raw bytes (std::string); the client does
// the base64 encoding and decoding.
//
// Plain data: no invariants beyond the field comments, safe to copy between threads.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/named_type.h"

namespace kwb::kinesis {

// Where a stream is addressed: by name or by ARN. AWS accepts StreamARN in place of StreamName on
// almost every operation; a value starting with "arn:" is an ARN and is sent as StreamARN.
class StreamRef {
 public:
  StreamRef() = default;
  StreamRef(const StreamName& name) : value_(name.str()) {}  // NOLINT: implicit, a name is a ref
  static StreamRef parse(std::string value) { return StreamRef(std::move(value)); }

  [[nodiscard]] bool is_arn() const { return value_.rfind("arn:", 0) == 0; }
  [[nodiscard]] const std::string& value() const { return value_; }
  [[nodiscard]] bool empty() const { return value_.empty(); }
  // The stream name: the value itself, or the part after "stream/" in an ARN.
  [[nodiscard]] std::string name() const;
  bool operator==(const StreamRef&) const = default;

 private:
  explicit StreamRef(std::string value) : value_(std::move(value)) {}
  std::string value_;
};

enum class StreamStatus { kCreating, kDeleting, kActive, kUpdating, kUnknown };
std::string_view to_string(StreamStatus status);
StreamStatus parse_stream_status(std::string_view text);  // unknown text -> kUnknown

enum class StreamMode { kProvisioned, kOnDemand };
std::string_view to_string(StreamMode mode);  // "PROVISIONED" / "ON_DEMAND"

// ---- Shards ----

struct HashKeyRange {
  std::string starting_hash_key;  // decimal, inclusive
  std::string ending_hash_key;    // decimal, inclusive
};

struct SequenceNumberRange {
  std::string starting_sequence_number;
  std::optional<std::string> ending_sequence_number;  // set once the shard is closed
};

struct Shard {
  ShardId shard_id;
  std::optional<ShardId> parent_shard_id;
  std::optional<ShardId> adjacent_parent_shard_id;  // set for a shard made by a merge
  HashKeyRange hash_key_range;
  SequenceNumberRange sequence_number_range;
  // An open shard accepts writes; a closed one only serves what it already holds.
  [[nodiscard]] bool is_open() const { return !sequence_number_range.ending_sequence_number.has_value(); }
};

struct ChildShard {
  ShardId shard_id;
  std::vector<ShardId> parent_shards;
  HashKeyRange hash_key_range;
};

struct Tag {
  std::string key;
  std::string value;
};

// ---- Control plane ----

struct CreateStreamRequest {
  StreamName stream_name;
  // Provisioned mode: number of shards (required). On-demand: must be empty.
  std::optional<int> shard_count;
  StreamMode mode = StreamMode::kProvisioned;
  std::map<std::string, std::string> tags;  // sent only when non-empty
};

struct DescribeStreamRequest {
  StreamRef stream;
  std::optional<int> limit;  // shards per page, 1..10000 (AWS default 100)
  std::optional<ShardId> exclusive_start_shard_id;
};

struct StreamDescription {
  std::string stream_name;
  std::string stream_arn;
  StreamStatus stream_status = StreamStatus::kUnknown;
  std::string stream_status_text;  // as received, so unknown statuses can still be shown
  std::optional<StreamMode> stream_mode;
  std::vector<Shard> shards;
  bool has_more_shards = false;
  int retention_period_hours = 0;
  std::optional<SystemTimePoint> stream_creation_timestamp;
  std::vector<std::string> shard_level_metrics;  // flattened EnhancedMonitoring
  std::string encryption_type;                   // "NONE" or "KMS"; empty when absent
  std::optional<std::string> key_id;
};

struct StreamSummary {
  std::string stream_name;
  std::string stream_arn;
  StreamStatus stream_status = StreamStatus::kUnknown;
  std::string stream_status_text;
  std::optional<StreamMode> stream_mode;
  int retention_period_hours = 0;
  std::optional<SystemTimePoint> stream_creation_timestamp;
  std::vector<std::string> shard_level_metrics;
  std::string encryption_type;
  std::optional<std::string> key_id;
  int open_shard_count = 0;
  std::optional<int> consumer_count;
};

struct ListStreamsRequest {
  std::optional<int> limit;  // streams per page, 1..10000
  std::optional<std::string> exclusive_start_stream_name;
  std::optional<std::string> next_token;
};

struct StreamListEntry {
  std::string stream_name;
  std::string stream_arn;  // empty when the service sent only names
  StreamStatus stream_status = StreamStatus::kUnknown;
  std::string stream_status_text;
  std::optional<StreamMode> stream_mode;
  std::optional<SystemTimePoint> stream_creation_timestamp;
};

struct ListStreamsResponse {
  std::vector<std::string> stream_names;
  // StreamSummaries when the service sends them (newer API versions); otherwise one entry per
  // name with only stream_name set, so callers can always iterate this.
  std::vector<StreamListEntry> streams;
  bool has_more_streams = false;
  std::optional<std::string> next_token;
};

enum class ShardFilterType {
  kAfterShardId,
  kAtTrimHorizon,
  kFromTrimHorizon,
  kAtLatest,
  kAtTimestamp,
  kFromTimestamp,
};
std::string_view to_string(ShardFilterType type);

struct ShardFilter {
  ShardFilterType type = ShardFilterType::kAtLatest;
  std::optional<ShardId> shard_id;          // kAfterShardId
  std::optional<SystemTimePoint> timestamp;  // kAtTimestamp / kFromTimestamp
};

struct ListShardsRequest {
  // Exactly one of stream and next_token: AWS rejects both together.
  std::optional<StreamRef> stream;
  std::optional<std::string> next_token;
  std::optional<ShardId> exclusive_start_shard_id;
  std::optional<int> max_results;  // 1..10000
  std::optional<ShardFilter> shard_filter;
};

struct ListShardsResponse {
  std::vector<Shard> shards;
  std::optional<std::string> next_token;
};

struct DeleteStreamRequest {
  StreamRef stream;
  bool enforce_consumer_deletion = false;  // also deregister enhanced fan-out consumers
};

struct UpdateShardCountRequest {
  StreamRef stream;
  int target_shard_count = 0;  // AWS: between half and double the current open shard count
};

struct UpdateShardCountResponse {
  std::string stream_name;
  std::string stream_arn;
  int current_shard_count = 0;
  int target_shard_count = 0;
};

struct AddTagsRequest {
  StreamRef stream;
  std::map<std::string, std::string> tags;  // 1..50 per call
};

struct RemoveTagsRequest {
  StreamRef stream;
  std::vector<std::string> tag_keys;  // 1..50 per call
};

struct ListTagsRequest {
  StreamRef stream;
  std::optional<std::string> exclusive_start_tag_key;
  std::optional<int> limit;  // 1..50
};

struct ListTagsResponse {
  std::vector<Tag> tags;
  bool has_more_tags = false;
};

struct RetentionRequest {
  StreamRef stream;
  int retention_period_hours = 24;  // 24..8760
};

struct EnhancedMonitoringRequest {
  StreamRef stream;
  // "IncomingBytes", "IncomingRecords", ..., or "ALL".
  std::vector<std::string> shard_level_metrics;
};

struct EnhancedMonitoringResponse {
  std::string stream_name;
  std::string stream_arn;
  std::vector<std::string> current_shard_level_metrics;
  std::vector<std::string> desired_shard_level_metrics;
};

// ---- Data plane ----

inline constexpr std::size_t kMaxRecordBytes = 1024 * 1024;  // data + partition key, per record
inline constexpr std::size_t kMaxPartitionKeyChars = 256;
inline constexpr std::size_t kMaxPutRecordsEntries = 500;
inline constexpr std::size_t kMaxPutRecordsBytes = 5 * 1024 * 1024;  // whole request, all records

struct PutRecordRequest {
  StreamRef stream;
  std::string partition_key;  // 1..256 Unicode characters
  std::string data;           // raw bytes, before base64; data + key <= 1 MiB
  std::optional<std::string> explicit_hash_key;  // decimal, overrides the MD5 of the key
  std::optional<std::string> sequence_number_for_ordering;
};

struct PutRecordResponse {
  ShardId shard_id;
  std::string sequence_number;
  std::string encryption_type;
};

struct PutRecordsEntry {
  std::string data;  // raw bytes
  std::string partition_key;
  std::optional<std::string> explicit_hash_key;
};

struct PutRecordsRequest {
  StreamRef stream;
  std::vector<PutRecordsEntry> records;  // 1..500
};

// One per request entry, in request order. Exactly one of (shard_id, sequence_number) and
// (error_code, error_message) is set.
struct PutRecordsResultEntry {
  std::optional<ShardId> shard_id;
  std::optional<std::string> sequence_number;
  std::optional<std::string> error_code;  // "ProvisionedThroughputExceededException", "InternalFailure"
  std::optional<std::string> error_message;
  [[nodiscard]] bool ok() const { return !error_code.has_value(); }
};

struct PutRecordsResponse {
  int failed_record_count = 0;
  std::vector<PutRecordsResultEntry> records;
  std::string encryption_type;
};

enum class ShardIteratorType {
  kAtSequenceNumber,
  kAfterSequenceNumber,
  kTrimHorizon,
  kLatest,
  kAtTimestamp,
};
std::string_view to_string(ShardIteratorType type);

struct GetShardIteratorRequest {
  StreamRef stream;
  ShardId shard_id;
  ShardIteratorType type = ShardIteratorType::kTrimHorizon;
  std::optional<std::string> starting_sequence_number;  // required for AT_/AFTER_SEQUENCE_NUMBER
  std::optional<SystemTimePoint> timestamp;            // required for AT_TIMESTAMP
};

struct GetShardIteratorResponse {
  std::string shard_iterator;  // valid for 5 minutes
};

struct GetRecordsRequest {
  std::string shard_iterator;
  std::optional<int> limit;                // records per call, 1..10000
  std::optional<std::string> stream_arn;  // optional on the wire; AWS uses it for access control
};

struct Record {
  std::string sequence_number;
  // AWS sends epoch seconds with a fraction; kept to millisecond precision.
  std::optional<SystemTimePoint> approximate_arrival_timestamp;
  std::string data;  // raw bytes, base64-decoded
  std::string partition_key;
  std::string encryption_type;
};

struct GetRecordsResponse {
  std::vector<Record> records;
  // Absent (null on the wire) once the shard is closed and fully read: move on to child_shards.
  std::optional<std::string> next_shard_iterator;
  std::optional<std::int64_t> millis_behind_latest;  // milliseconds behind the shard's tip
  std::vector<ChildShard> child_shards;              // set only when the shard end is reached
};

// ---- Enhanced fan-out ----

struct StreamConsumer {
  std::string consumer_name;
  std::string consumer_arn;     // names the consumer in SubscribeToShard
  std::string consumer_status;  // CREATING | ACTIVE | DELETING
  std::optional<SystemTimePoint> creation_timestamp;
};

struct StartingPosition {
  ShardIteratorType type = ShardIteratorType::kLatest;
  std::optional<std::string> sequence_number;  // required for AT_/AFTER_SEQUENCE_NUMBER
  std::optional<SystemTimePoint> timestamp;    // required for AT_TIMESTAMP
};

struct SubscribeToShardRequest {
  std::string consumer_arn;
  ShardId shard_id;
  StartingPosition starting_position;
};

// One pushed event. Resume with AFTER_SEQUENCE_NUMBER continuation_sequence_number; it is absent
// at the end of a closed shard, where child_shards name where to go next.
struct SubscribeToShardEvent {
  std::vector<Record> records;
  std::optional<std::string> continuation_sequence_number;
  std::int64_t millis_behind_latest = 0;
  std::vector<ChildShard> child_shards;
};

}  // namespace kwb::kinesis
