#pragma once
// ProducerPipeline: the producer's deterministic core — a state machine with no threads, no clock
// and no I/O. The driver (producer.h) feeds it time and responses; tests do the same by hand.
//
// Life of a record (KPL's stages Limiter -> Collector -> Retrier, folded into one owner):
//   submit()        validated, sized, hashed, routed through the ShardMap to a per-shard queue;
//                   gets a deadline (now + record_ttl).
//   next_batches()  first expires records whose deadline passed while waiting, then — when some
//                   shard's oldest record has lingered long enough, or a full request's worth is
//                   queued, or flush_all() asked — packs PutRecords requests (<= 500 records,
//                   <= 5 MiB) from the shard queues, taking tokens from each shard's record and
//                   byte buckets. A shard that runs out of tokens waits until they are back.
//   on_response()   per record: acked (sequence number, shard) or, for retryable failures (the
//                   whole request, or one entry's ProvisionedThroughputExceeded/InternalFailure),
//                   scheduled for another attempt after backoff with full jitter; a non-retryable
//                   error, or a TTL that ran out, ends it as failed with its attempt history.
//   take_outcomes() hands over every record that ended since the last call.
// Invariant: every accepted record is, at any moment, in exactly one of {a shard queue, the
// unrouted queue, the retry wait set, an in-flight batch}, until it appears once in take_outcomes().
// Nothing is ever dropped silently.
//
// Routing: the ShardMap comes from outside (set_shard_map). needs_shard_map() says when the driver
// should fetch one: none yet, routing looked stale (a record acked on another shard than predicted,
// a key falling in a gap, an InvalidArgument about a closed shard), or the periodic interval.
//
// Ordering (config.per_key_ordering): at most one record per partition key in flight at any time
// (a per-key barrier: the key's next record is not sent until the previous one is answered), at
// most one request per shard in flight, and failed records go back into their shard's queue at
// their place by id, ahead of their key's later records. PutRecords gives no ordering between
// entries of one request (an earlier entry can be throttled while a later one is written), nor
// between two requests in flight at once, so the barrier is what makes the guarantee hold under
// partial failures and across a resharding: after a split or merge the key's next record may be
// routed to a child shard whose queue knows nothing of the parent's request still in flight; the
// barrier is per key, not per shard, so it holds it back all the same.
//
// Ownership: owns every unsettled record. Borrows `random` (must outlive the pipeline).
// Thread safety: none; the driver serialises all calls under its mutex.

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/random.h"
#include "core/result.h"
#include "kinesis/model.h"
#include "kinesis/pacing.h"
#include "kinesis/producer/config.h"
#include "kinesis/producer/types.h"
#include "kinesis/shard_map.h"

namespace kwb::kinesis::producer {

// One PutRecords request ready to send. record_ids[i] is the record behind request.records[i].
struct Batch {
  std::uint64_t batch_id = 0;
  PutRecordsRequest request;
  std::vector<RecordId> record_ids;
  Instant created;
};

class ProducerPipeline {
 public:
  // kConfig when the config does not validate. REQUIRES: random outlives the pipeline.
  static Result<std::unique_ptr<ProducerPipeline>> create(ProducerConfig config, Random& random, Instant now);

  // Accepts a record or says why not: kInvalidInput (empty/long key, bad explicit hash key, record
  // over max_record_bytes) or kLimitExceeded code "BufferFull" (no room; see has_room()).
  // An accepted record will appear in take_outcomes() exactly once.
  Result<RecordId> submit(UserRecord record, Instant now);
  [[nodiscard]] bool has_room(std::size_t bytes) const { return buffered_bytes_ + bytes <= config_.max_buffered_bytes; }
  static std::size_t record_bytes(const UserRecord& record) { return record.data.size() + record.partition_key.size(); }

  // ---- Shard map ----
  [[nodiscard]] bool needs_shard_map(Instant now) const;
  // The driver started a ListShards; needs_shard_map() stays false until the answer comes.
  void shard_map_requested(Instant now);
  void set_shard_map(ShardMap map, Instant now);
  void shard_map_failed(const Error& error, Instant now);
  [[nodiscard]] const std::optional<ShardMap>& shard_map() const { return map_; }

  // ---- Sending ----
  // Expires overdue records, then returns up to max_batches requests ready now (fewer when
  // max_in_flight_requests are already out). Every returned batch must get one on_response().
  std::vector<Batch> next_batches(Instant now, std::size_t max_batches);
  // Takes the answer by value: the acked entries' shard ids and sequence numbers move into the outcomes.
  void on_response(std::uint64_t batch_id, Result<PutRecordsResponse> result, Instant now);
  // When next_batches() or needs_shard_map() may next have something to do; nullopt when idle.
  [[nodiscard]] std::optional<Instant> next_wakeup(Instant now);

  // Everything submitted so far is sent without waiting for linger.
  void flush_all() { flush_upto_ = next_id_ - 1; }
  // Ends every unsettled record that is not in flight as failed with `reason` (close() giving up).
  // REQUIRES: nothing in flight if the caller wants every record settled.
  void fail_all(const Error& reason, Instant now);
  std::vector<RecordOutcome> take_outcomes();

  // ---- Introspection ----
  [[nodiscard]] const ProducerCounters& counters() const { return counters_; }
  [[nodiscard]] std::size_t buffered_bytes() const { return buffered_bytes_; }
  [[nodiscard]] std::size_t live_records() const { return live_.size(); }
  [[nodiscard]] std::size_t in_flight_batches() const { return in_flight_.size(); }
  // Smallest id not yet settled, or the next id to be assigned when all are settled.
  [[nodiscard]] RecordId oldest_live_id() const { return live_.empty() ? next_id_ : live_.begin()->first; }
  [[nodiscard]] RecordId last_assigned_id() const { return next_id_ - 1; }
  [[nodiscard]] const ProducerConfig& config() const { return config_; }

 private:
  enum class Where { kQueued, kUnrouted, kRetryWait, kInFlight };

  struct Pending {
    RecordId id = 0;
    UserRecord record;
    std::size_t bytes = 0;
    HashKey hash_key;
    std::optional<ShardId> shard;
    Instant submitted;
    Instant deadline;
    Instant not_before;  // retry wait
    Where where = Where::kUnrouted;
    int failures = 0;
    std::vector<Attempt> attempts;
  };

  struct ShardState {
    std::deque<RecordId> queue;  // may hold ids of records that expired meanwhile (skipped lazily)
    std::size_t queued = 0;      // live records in queue
    std::size_t queued_bytes = 0;
    TokenBucket records;
    TokenBucket bytes;
    int in_flight = 0;
    Instant blocked_until{};     // out of tokens, or (ordering) backing off
  };

  struct InFlight {
    std::vector<RecordId> record_ids;
    std::vector<ShardId> shards;  // one entry per distinct shard in the batch
    Instant sent;
  };

  ProducerPipeline(ProducerConfig config, Random& random, Instant now);

  ShardState& shard_state(const ShardId& shard, Instant now);
  // Routes and enqueues at the back (or the front, for retries).
  void enqueue(Pending& record, Instant now, bool front);
  void rebuild_queues(Instant now);
  void promote_due_retries(Instant now);
  void expire_overdue(Instant now);
  [[nodiscard]] bool shard_sendable(const ShardState& shard, Instant now) const;
  [[nodiscard]] bool lingered(const Pending& record, Instant now) const;
  enum class SendMode { kNothing, kFullRequestsOnly, kEverything };
  // kEverything when some sendable record has lingered (or is flushed or a retry); else
  // kFullRequestsOnly when a full request's worth is queued.
  [[nodiscard]] SendMode should_send(Instant now);
  // Skips stale ids at the head; nullptr when the queue is empty.
  Pending* front(ShardState& shard);
  void retry(Pending& record, const std::string& code, const std::string& message, bool throttled, Instant now,
             std::map<ShardId, int>* ordering_failures);
  void finish_failed(Pending& record, Error error, Instant now);
  void finish_expired(Pending& record, Instant now);
  void erase(RecordId id);

  ProducerConfig config_;
  Random& random_;
  BackoffPolicy backoff_;
  ProducerCounters counters_;

  RecordId next_id_ = 1;
  RecordId flush_upto_ = 0;
  std::uint64_t next_batch_id_ = 1;
  std::size_t buffered_bytes_ = 0;
  Instant last_deadline_{};

  // Every unsettled record, by id (= submission order). Deadlines (submission + record_ttl, never
  // decreasing: last_deadline_) follow the same order, so the records to expire are a prefix.
  std::map<RecordId, Pending> live_;
  std::map<ShardId, ShardState> shards_;
  std::deque<RecordId> unrouted_;
  std::set<std::pair<Instant, RecordId>> retry_wait_;  // (not_before, id), unordered mode
  std::map<std::uint64_t, InFlight> in_flight_;
  // Ordering mode: the partition keys with a record in flight. Views into those records' keys,
  // which stay put (map nodes) until the record is answered; erased before that.
  std::unordered_set<std::string_view> keys_in_flight_;
  std::size_t round_robin_ = 0;

  std::optional<ShardMap> map_;
  bool map_stale_ = false;
  bool map_pending_ = false;
  Instant map_refreshed_{};
  Instant map_last_attempt_{};
  std::optional<Error> map_last_error_;

  std::vector<RecordOutcome> outcomes_;
};

}  // namespace kwb::kinesis::producer
