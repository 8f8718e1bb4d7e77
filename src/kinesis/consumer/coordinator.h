#pragma once
// ConsumerCore: the consumer's deterministic core — which call to make next, when, and what each
// answer means. No threads, no clock, no I/O; the driver (consumer.h) and the tests feed it.
//
// Per shard: wait for parents -> get an iterator -> GetRecords loop -> finished (closed shard read
// to its end: NextShardIterator absent). The rules:
// - Parents first: a shard with ParentShardId / AdjacentParentShardId starts only when every
//   parent we know of is finished, so a key's records are delivered in order across a resharding.
//   A parent not in the listing (trimmed away) does not block.
// - Start position: a checkpoint (resume AFTER_SEQUENCE_NUMBER, or kShardEnd = finished); else a
//   child of a parent we read starts at TRIM_HORIZON (its first record follows the parent's last);
//   else the configured TRIM_HORIZON / LATEST / AT_TIMESTAMP. With LATEST, shards already closed at
//   the first listing are skipped: nothing new can arrive in them.
// - Pacing: a token bucket per shard (default 5 calls/s, burst 1) spaces GetRecords calls, and a
//   throttled or failed call backs off exponentially with full jitter.
// - ExpiredIteratorException: a new iterator AFTER_SEQUENCE_NUMBER the last record seen, or the
//   original start position when none was seen — no loss, no duplicates.
// - A shard is busy from the moment its call is handed out until delivered() says its records were
//   passed to the callback, so one shard's records are delivered in order, one page at a time.
//
// Ownership: borrows `random` (must outlive the core). Thread safety: none; the driver locks.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/random.h"
#include "core/result.h"
#include "kinesis/model.h"
#include "kinesis/pacing.h"

namespace kwb::kinesis::consumer {

enum class StartPosition { kTrimHorizon, kLatest, kAtTimestamp };

struct ConsumerConfig {
  StreamRef stream;
  StartPosition start = StartPosition::kTrimHorizon;
  std::optional<SystemTimePoint> start_timestamp;  // REQUIRED with kAtTimestamp
  double get_records_per_second = 5.0;              // per shard; AWS allows 5
  int get_records_limit = 10000;                    // records per GetRecords
  std::chrono::milliseconds backoff_base{200};
  std::chrono::milliseconds backoff_cap{5000};
  std::chrono::milliseconds shard_list_interval{30000};  // periodic ListShards to find new shards
  int reader_threads = 4;                                // driver only
};

// kConfig naming the field.
Status validate(const ConsumerConfig& config);

struct ConsumerStats {
  std::uint64_t list_shards_calls = 0;
  std::uint64_t get_records_calls = 0;
  std::uint64_t records = 0;
  std::uint64_t throttled = 0;
  std::uint64_t iterator_renewals = 0;
  std::uint64_t errors = 0;  // failed calls of any kind
  std::uint64_t shards_finished = 0;
  std::int64_t max_millis_behind_latest = 0;
};

// One call the driver should make.
struct Action {
  enum class Kind { kListShards, kGetShardIterator, kGetRecords };
  Kind kind = Kind::kListShards;
  ShardId shard_id;
  GetShardIteratorRequest iterator_request;  // kGetShardIterator
  GetRecordsRequest records_request;         // kGetRecords
};

// What to deliver after a GetRecords answer, and the checkpoint to save once it is delivered.
struct Delivery {
  ShardId shard_id;
  std::vector<Record> records;
  std::optional<std::string> checkpoint;  // last sequence number, or kShardEnd
};

class ConsumerCore {
 public:
  // checkpoints: from a CheckpointStore (shard -> sequence number or kShardEnd), may be empty.
  // REQUIRES: validate(config) is ok; random outlives the core.
  ConsumerCore(ConsumerConfig config, std::map<ShardId, std::string> checkpoints, Random& random, Instant now);

  // The next call to make now, if any. The shard (or the listing) is busy until its answer is fed.
  std::optional<Action> next_action(Instant now);
  void on_shards(const Result<std::vector<Shard>>& result, Instant now);
  void on_iterator(const ShardId& shard, const Result<GetShardIteratorResponse>& result, Instant now);
  // The records to hand to the callback (possibly none). REQUIRES: delivered(shard) afterwards.
  Delivery on_records(const ShardId& shard, const Result<GetRecordsResponse>& result, Instant now);
  void delivered(const ShardId& shard, Instant now);

  // When next_action() may next return something; nullopt when nothing is scheduled.
  [[nodiscard]] std::optional<Instant> next_wakeup(Instant now);
  // Every known shard is finished (or failed) and the stream was listed: a closed stream is done.
  [[nodiscard]] bool finished() const;
  [[nodiscard]] const ConsumerStats& stats() const { return stats_; }
  // Shards that hit a non-retryable error, with the error.
  [[nodiscard]] const std::map<ShardId, Error>& failed_shards() const { return failed_; }
  [[nodiscard]] std::vector<ShardId> finished_shards() const;

 private:
  enum class State { kWaitingParents, kNeedIterator, kReading, kFinished, kFailed };
  struct ShardState {
    ShardId id;
    std::vector<ShardId> parents;
    bool closed_at_first_listing = false;
    State state = State::kWaitingParents;
    bool busy = false;
    bool skipped = false;  // finished without reading (LATEST on a closed shard)
    bool read_something = false;
    std::optional<std::string> iterator;
    std::optional<std::string> last_sequence;  // last record seen (or the checkpoint)
    bool pending_end = false;                  // the answer being delivered was the shard's end
    TokenBucket calls;
    Instant not_before{};
    int failures = 0;
  };

  ShardState& add_shard(const ShardId& id, std::vector<ShardId> parents, bool closed, Instant now);
  void update_waiting(Instant now);
  [[nodiscard]] bool parents_done(const ShardState& shard) const;
  [[nodiscard]] GetShardIteratorRequest iterator_request(const ShardState& shard) const;
  void back_off(ShardState& shard, const Error& error, Instant now);
  void finish(ShardState& shard);

  ConsumerConfig config_;
  std::map<ShardId, std::string> checkpoints_;
  Random& random_;
  BackoffPolicy backoff_;
  ConsumerStats stats_;
  std::map<ShardId, ShardState> shards_;
  std::map<ShardId, Error> failed_;
  bool listed_ = false;
  bool list_busy_ = false;
  Instant next_list_at_{};
  int list_failures_ = 0;
  std::size_t round_robin_ = 0;
};

}  // namespace kwb::kinesis::consumer
