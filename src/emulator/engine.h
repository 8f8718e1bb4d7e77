#pragma once
// The Kinesis engine for one account in one region: streams, shards, records, limits, lifecycle.
//
// It speaks typed C++ (no JSON, no HTTP): the Kinesis handler decodes and validates requests,
// calls these methods and encodes the results, and unit tests call them directly. Errors are AWS
// errors (api_error.h) so they travel to the wire unchanged.
//
// Time: every method reads the injected Clock. Lifecycle transitions (CREATING -> ACTIVE,
// UPDATING -> ACTIVE with the reshard applied, DELETING -> gone) are due at a time and applied
// lazily by the first call that arrives after it, so a ManualClock drives them in tests with no
// background thread.
//
// Locking (no global lock on the data path):
//   mutex_ (shared)        guards the stream map. Every call holds it shared; create, delete,
//                          reset and due transitions hold it exclusively.
//   Stream::mutex (shared) guards a stream's metadata and shard list. Data calls hold it shared;
//                          control calls that change the stream hold it exclusively.
//   Shard::mutex           guards one shard's records and token buckets.
// Order is always engine -> stream -> shard.
//
// Ownership: owns every stream; the Clock, Random and config passed in must outlive it.
// Thread safety: every public method may be called from any thread.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/random.h"
#include "core/result.h"
#include "emulator/config.h"
#include "emulator/hash_key.h"
#include "emulator/iterator_codec.h"
#include "emulator/observer.h"
#include "emulator/record_log.h"
#include "emulator/sequence.h"
#include "emulator/stream_store.h"
#include "emulator/token_bucket.h"

namespace kwb::emulator {

enum class StreamStatus { kCreating, kActive, kUpdating, kDeleting };
enum class StreamMode { kProvisioned, kOnDemand };
std::string_view to_string(StreamStatus status);
std::string_view to_string(StreamMode mode);

// "shardId-000000000007"
std::string shard_id_for(std::uint32_t index);
void append_shard_id(std::string& out, std::uint32_t index);
// Accepts "shardId-000000000007" and, as AWS does, a bare "7" or "000000000007"-style suffix;
// nullopt when the text names no shard index.
std::optional<std::uint32_t> parse_shard_id(std::string_view text);

struct ShardInfo {
  std::string shard_id;
  std::uint32_t index = 0;
  std::optional<std::string> parent;
  std::optional<std::string> adjacent_parent;
  HashRange range;
  std::string starting_sequence;
  std::optional<std::string> ending_sequence;  // set once the shard is closed
};

struct ConsumerInfo {
  std::string name;
  std::string arn;
  std::string status;  // CREATING | ACTIVE | DELETING
  std::int64_t created_ms = 0;
  std::string stream_arn;
};

struct StreamInfo {
  std::string name;
  std::string arn;
  StreamStatus status = StreamStatus::kActive;
  StreamMode mode = StreamMode::kProvisioned;
  int retention_hours = 24;
  std::int64_t created_ms = 0;
  std::string encryption_type = "NONE";
  std::string key_id;
  std::vector<std::string> shard_level_metrics;
  std::vector<ShardInfo> shards;  // only when asked for
  std::uint32_t open_shard_count = 0;
  std::uint32_t consumer_count = 0;
};

struct ShardFilter {
  enum class Type { kNone, kAfterShardId, kAtTrimHorizon, kFromTrimHorizon, kAtLatest, kAtTimestamp, kFromTimestamp };
  Type type = Type::kNone;
  std::string shard_id;
  std::int64_t timestamp_ms = 0;
};

struct LimitsInfo {
  std::uint32_t shard_limit = 0;
  std::uint32_t open_shard_count = 0;
  std::uint32_t on_demand_stream_count = 0;
  std::uint32_t on_demand_stream_count_limit = 0;
};

struct PutEntry {
  std::string_view partition_key;
  std::string_view data;
  std::optional<HashKey> explicit_hash_key;
};

struct PutOutcome {
  bool accepted = false;
  bool throttled = false;  // refused for throughput (else refused for another reason: internal)
  std::uint32_t shard_index = 0;
  std::int64_t shard_created_ms = 0;
  std::uint64_t counter = 0;
};

struct PutSummary {
  std::uint32_t failed = 0;
  std::string encryption_type = "NONE";
  std::vector<ShardTally> tallies;  // shard_id views point into the shard objects' names
  std::vector<std::string> shard_ids;  // owns the text the tallies point to
};

// Receives records while the shard lock is held; views die when the call returns.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  virtual void record(const StoredRecord& record, const SequenceParts& sequence) = 0;
};

struct ChildShard {
  std::string shard_id;
  std::vector<std::string> parents;
  HashRange range;
};

struct GetRecordsResult {
  std::optional<std::string> next_iterator;  // empty once a closed shard is fully read
  std::int64_t millis_behind_latest = 0;
  std::vector<ChildShard> child_shards;      // set at the end of a closed shard
  std::string stream_name;
  std::string shard_id;
  std::uint64_t records = 0;
  std::uint64_t bytes = 0;
  std::string encryption_type = "NONE";
};

struct UpdateShardCountResult {
  std::string stream_name;
  std::string stream_arn;
  std::uint32_t current = 0;
  std::uint32_t target = 0;
};

struct MonitoringResult {
  std::string stream_name;
  std::string stream_arn;
  std::vector<std::string> current;
  std::vector<std::string> desired;
};

struct EngineState {
  struct ShardState {
    std::string shard_id;
    bool open = true;
    std::uint64_t records = 0;
    std::uint64_t bytes = 0;
  };
  struct StreamState {
    std::string name;
    std::string status;
    std::string mode;
    std::uint64_t records = 0;
    std::uint64_t bytes = 0;
    std::vector<ShardState> shards;
  };
  std::vector<StreamState> streams;
  std::uint64_t records = 0;
  std::uint64_t bytes = 0;
  std::uint64_t reserved_bytes = 0;
};

enum class IteratorType { kTrimHorizon, kLatest, kAtSequenceNumber, kAfterSequenceNumber, kAtTimestamp };

// Kinesis refuses a new SubscribeToShard for the same consumer and shard within 5 s of the last
// (ResourceInUseException); a later one takes the subscription over.
inline constexpr std::int64_t kResubscribeIntervalMs = 5000;

// Where one SubscribeToShard stream reads next: made by start_subscription, advanced by
// read_subscription. A plain value owned by the subscription.
struct SubscriptionCursor {
  std::string stream_name;
  std::string consumer_name;
  std::int64_t stream_created_ms = 0;
  std::uint32_t shard_index = 0;
  std::string shard_id;
  std::uint64_t position = 0;    // counter of the next record to push
  std::uint64_t generation = 0;  // a newer subscription of this consumer to this shard ends this one
};

struct SubscriptionRead {
  std::uint64_t records = 0;
  std::uint64_t bytes = 0;
  std::int64_t millis_behind_latest = 0;
  // Resume point (AFTER_SEQUENCE_NUMBER): the last record pushed, or just before the next one.
  // Empty once a closed shard has been read to its end; then shard_ended is set with the children.
  std::string continuation_sequence;
  bool shard_ended = false;
  std::vector<ChildShard> child_shards;
};

class Engine;
// Told after records are committed to a shard, so SubscribeToShard streams wake at once instead
// of polling. Called with engine locks held: implementations must only record the fact and return
// (never call back into the engine).
class AppendListener {
 public:
  virtual ~AppendListener() = default;
  virtual void appended(const Engine& engine, const std::string& stream_name, std::uint32_t shard_index) = 0;
};

class Engine {
 public:
  Engine(std::string region, const EmulatorConfig& config, Clock& clock, Random& random);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  [[nodiscard]] const std::string& region() const { return region_; }
  [[nodiscard]] const std::string& account() const { return config_.account_id; }
  [[nodiscard]] std::string stream_arn(std::string_view name) const;

  // Makes the engine durable (--data-dir): with load, the streams saved in store come back with
  // their records; from then on every change is written through (metadata on each control call,
  // records before each write is acknowledged). iterator_key, when not empty, replaces the random
  // iterator MAC key so iterators survive restarts.
  // REQUIRES: called once, before any other call.
  Status attach_storage(std::unique_ptr<StreamStore> store, bool load, std::string iterator_key);

  // Control plane. Names are validated by the caller (pattern, length).
  Status create_stream(const std::string& name, std::optional<std::uint32_t> shard_count, StreamMode mode,
                       const std::map<std::string, std::string>& tags = {});
  Status delete_stream(const std::string& name, bool enforce_consumer_deletion);
  Result<StreamInfo> describe_stream(const std::string& name, bool with_shards, std::string_view op = "DescribeStream");
  // Shards passing the filter, in index order.
  Result<StreamInfo> list_shards(const std::string& name, const ShardFilter& filter);
  Result<std::vector<StreamInfo>> list_streams();  // sorted by name, no shards
  Result<LimitsInfo> describe_limits();
  Result<UpdateShardCountResult> update_shard_count(const std::string& name, std::uint32_t target);
  Status split_shard(const std::string& name, std::string_view shard_id, HashKey new_starting_hash_key);
  Status merge_shards(const std::string& name, std::string_view shard_id, std::string_view adjacent_shard_id);
  Status update_stream_mode(const std::string& name, StreamMode mode);
  Status add_tags(const std::string& name, const std::map<std::string, std::string>& tags);
  Status remove_tags(const std::string& name, const std::vector<std::string>& keys);
  Result<std::map<std::string, std::string>> list_tags(const std::string& name);
  Status set_retention(const std::string& name, int hours, bool increase);
  Result<MonitoringResult> set_monitoring(const std::string& name, const std::vector<std::string>& metrics, bool enable);
  Status set_encryption(const std::string& name, bool enable, const std::string& key_id);

  // Consumers (enhanced fan-out registrations).
  Result<ConsumerInfo> register_consumer(const std::string& stream_name, const std::string& consumer_name);
  Status deregister_consumer(const std::string& stream_name, const std::string& consumer_name);
  Result<ConsumerInfo> describe_consumer(const std::string& stream_name, const std::string& consumer_name);
  Result<std::vector<ConsumerInfo>> list_consumers(const std::string& stream_name);
  Status tag_consumer(const std::string& stream_name, const std::string& consumer_name,
                      const std::map<std::string, std::string>& tags, const std::vector<std::string>& remove);
  Result<std::map<std::string, std::string>> consumer_tags(const std::string& stream_name, const std::string& consumer_name);

  // Data plane.
  // REQUIRES: outcomes.size() == entries.size(). Fails as a whole only when the stream cannot take
  // writes (missing, not ACTIVE/UPDATING); per-record throttling is reported in outcomes.
  Result<PutSummary> put_records(const std::string& name, std::span<const PutEntry> entries,
                                 std::span<PutOutcome> outcomes);
  Result<std::string> get_shard_iterator(const std::string& name, std::string_view shard_id, IteratorType type,
                                         std::string_view starting_sequence, std::int64_t timestamp_ms);
  Result<GetRecordsResult> get_records(std::string_view iterator, std::uint32_t limit, RecordSink& sink);

  // Enhanced fan-out (SubscribeToShard). start_subscription checks the consumer (registered,
  // ACTIVE), the shard and the 5-second re-subscribe rule, and places the cursor like
  // GetShardIterator would. read_subscription pushes the records after the cursor (up to max_bytes,
  // at least one record) into sink and advances it; it fails with ResourceInUseException once a
  // newer subscription took over, and ResourceNotFoundException when the consumer or stream is gone.
  // Neither counts against the shard's GetRecords limits (EFO has its own 2 MB/s pipe).
  // consumer_arn must be the consumer's current ARN (a re-registered consumer has a new one).
  Result<SubscriptionCursor> start_subscription(const std::string& stream_name, const std::string& consumer_name,
                                                std::string_view consumer_arn, std::string_view shard_id, IteratorType type,
                                                std::string_view starting_sequence, std::int64_t timestamp_ms);
  Result<SubscriptionRead> read_subscription(SubscriptionCursor& cursor, std::size_t max_bytes, RecordSink& sink);
  // REQUIRES: called before the engine serves requests; the listener outlives the engine's use.
  void set_append_listener(AppendListener* listener) { append_listener_ = listener; }

  // Admin.
  EngineState state();
  void reset();

 private:
  struct Shard;
  struct Stream;
  struct Consumer;
  struct PendingChange;

  // Applies lifecycle transitions that are due. Cheap when none is (one atomic load).
  void maintain();
  void apply_due_locked(std::int64_t now_ms);  // REQUIRES: mutex_ held exclusively
  void schedule(std::int64_t due_ms);

  // REQUIRES: mutex_ held (shared or exclusive).
  Stream* find(const std::string& name) const;
  Result<Stream*> require(const std::string& name) const;
  Status check_control_rate(std::string_view op, const std::string& stream_name);
  Status require_active(const Stream& stream) const;
  std::uint32_t open_shards_in_account_locked() const;

  void add_shard(Stream& stream, HashRange range, std::optional<std::uint32_t> parent,
                 std::optional<std::uint32_t> adjacent, std::int64_t now_ms);
  void close_shard(Stream& stream, std::uint32_t index, std::int64_t now_ms);
  void rebuild_routing(Stream& stream);
  ShardInfo shard_info(const Stream& stream, const Shard& shard) const;
  StreamInfo stream_info(const Stream& stream, bool with_shards, std::int64_t now_ms) const;
  bool shard_visible(const Stream& stream, const Shard& shard, std::int64_t now_ms) const;
  Status begin_reshard(Stream& stream, std::vector<HashRange> new_ranges, std::int64_t now_ms);

  std::int64_t now_ms() const;
  std::int64_t steady_ns() const;
  // Where GetShardIterator / SubscribeToShard of this type start reading. op names the call in
  // error messages. REQUIRES: the shard's mutex held.
  Result<std::uint64_t> start_position(const Stream& stream, const Shard& shard, IteratorType type,
                                       std::string_view starting_sequence, std::int64_t timestamp_ms,
                                       std::string_view op) const;
  // The children of a closed shard. REQUIRES: the stream held (shared).
  std::vector<ChildShard> children_of(const Stream& stream, const Shard& shard) const;

  // Durability (no-ops in memory). REQUIRES: the stream held exclusively (or the engine lock).
  Status persist(const Stream& stream);
  void forget(const Stream& stream);  // deletes a gone stream's files
  std::string encode_stream(const Stream& stream) const;
  Status load_stream(std::string_view document);
  void init_buckets(Shard& shard);

  const std::string region_;
  const EmulatorConfig& config_;
  Clock& clock_;
  IteratorCodec iterators_;
  std::unique_ptr<StreamStore> store_;  // null: in memory

  mutable std::shared_mutex mutex_;
  std::map<std::string, std::unique_ptr<Stream>> streams_;  // GUARDED_BY(mutex_)
  std::atomic<std::int64_t> next_due_ms_{INT64_MAX};

  AppendListener* append_listener_ = nullptr;

  std::mutex rate_mutex_;
  std::map<std::string, TokenBucket, std::less<>> control_buckets_;  // GUARDED_BY(rate_mutex_)
};

}  // namespace kwb::emulator
