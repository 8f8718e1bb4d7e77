#include "kinesis/producer/pipeline.h"

#include <algorithm>
#include <string>
#include <unordered_set>

#include "aws/error_table.h"
#include "kinesis/client.h"

namespace kwb::kinesis::producer {

namespace {

constexpr const char* kThrottleCode = "ProvisionedThroughputExceededException";

// A shard that ran out of tokens is looked at again no sooner than this, so a throttled shard
// sends a few larger requests rather than a stream of one-record ones.
constexpr std::chrono::milliseconds kMinThrottleWait{10};

std::string describe_kind(const Error& error) {
  return error.code.empty() ? std::string(to_string(error.kind)) : error.code;
}

// An InvalidArgument that names a closed shard means our map routed to a shard that has been split
// or merged away: refresh the map and retry instead of failing the record.
bool about_closed_shard(const std::string& code, const std::string& message) {
  return code == "InvalidArgumentException" &&
         (message.find("closed") != std::string::npos || message.find("CLOSED") != std::string::npos);
}

}  // namespace

Result<std::unique_ptr<ProducerPipeline>> ProducerPipeline::create(ProducerConfig config, Random& random,
                                                                  Instant now) {
  KWB_RETURN_IF_ERROR(validate(config));
  return std::unique_ptr<ProducerPipeline>(new ProducerPipeline(std::move(config), random, now));
}

ProducerPipeline::ProducerPipeline(ProducerConfig config, Random& random, Instant now)
    : config_(std::move(config)), random_(random), backoff_{config_.retry_base, config_.retry_cap},
      map_refreshed_(now), map_last_attempt_(now) {}

Result<RecordId> ProducerPipeline::submit(UserRecord record, Instant now) {
  KWB_RETURN_IF_ERROR(validate_partition_key(record.partition_key));
  HashKey hash;
  if (record.explicit_hash_key) {
    auto parsed = HashKey::parse_decimal(*record.explicit_hash_key, "ExplicitHashKey");
    if (!parsed) return parsed.error();
    hash = *parsed;
  } else {
    hash = HashKey::for_partition_key(record.partition_key);
  }
  const std::size_t bytes = record_bytes(record);
  if (bytes > config_.max_record_bytes) {
    return Error::invalid_input("Data", "record of " + std::to_string(bytes) + " bytes (data + key) exceeds " +
                                            std::to_string(config_.max_record_bytes));
  }
  if (!has_room(bytes)) {
    Error error;
    error.kind = ErrorKind::kLimitExceeded;
    error.code = "BufferFull";
    error.message = "producer buffer full: " + std::to_string(buffered_bytes_) + " of " +
                    std::to_string(config_.max_buffered_bytes) + " bytes unsettled";
    return error;
  }

  const RecordId id = next_id_++;
  // Ids only grow, so the new record goes at the end of live_: the hint makes that O(1).
  Pending& pending =
      live_.emplace_hint(live_.end(), std::piecewise_construct, std::forward_as_tuple(id), std::forward_as_tuple())
          ->second;
  pending.id = id;
  pending.record = std::move(record);
  pending.bytes = bytes;
  pending.hash_key = hash;
  pending.submitted = now;
  // Deadlines never decrease with the id (see live_ in the header), even if a caller's clock did.
  pending.deadline = std::max(now + config_.record_ttl, last_deadline_);
  last_deadline_ = pending.deadline;
  buffered_bytes_ += bytes;
  ++counters_.submitted;
  counters_.bytes_submitted += bytes;
  enqueue(pending, now, /*front=*/false);
  return id;
}

ProducerPipeline::ShardState& ProducerPipeline::shard_state(const ShardId& shard, Instant now) {
  auto it = shards_.find(shard);
  if (it != shards_.end()) return it->second;
  ShardState& state = shards_[shard];
  // Capacity of one second's worth: an idle shard takes a full second of its rate at once.
  state.records = TokenBucket(config_.records_rate(), config_.records_rate(), now);
  state.bytes = TokenBucket(config_.bytes_rate(), config_.bytes_rate(), now);
  return state;
}

void ProducerPipeline::enqueue(Pending& record, Instant now, bool front) {
  record.shard.reset();
  if (map_) {
    auto shard = map_->shard_for_hash_key(record.hash_key);
    if (shard) record.shard = *shard;
  }
  if (!record.shard) {
    // No map yet, or the key falls into a gap of a listing taken mid-resharding.
    record.where = Where::kUnrouted;
    if (front) unrouted_.push_front(record.id); else unrouted_.push_back(record.id);
    if (map_) map_stale_ = true;
    return;
  }
  ShardState& state = shard_state(*record.shard, now);
  record.where = Where::kQueued;
  if (front && config_.per_key_ordering) {
    // Ordering mode keeps every queue sorted by id (= submission order), so a retried record goes
    // back exactly in front of the first record submitted after it.
    auto pos = std::lower_bound(state.queue.begin(), state.queue.end(), record.id);
    state.queue.insert(pos, record.id);
  } else if (front) {
    state.queue.push_front(record.id);
  } else {
    state.queue.push_back(record.id);
  }
  ++state.queued;
  state.queued_bytes += record.bytes;
}

void ProducerPipeline::rebuild_queues(Instant now) {
  for (auto& [id, state] : shards_) {
    state.queue.clear();
    state.queued = 0;
    state.queued_bytes = 0;
  }
  unrouted_.clear();
  // live_ is ordered by id, which is submission order: per-key order survives the re-routing.
  for (auto& [id, record] : live_) {
    if (record.where == Where::kQueued || record.where == Where::kUnrouted) enqueue(record, now, false);
  }
  // Drop state for shards that are gone and idle; keep the buckets of shards that remain.
  for (auto it = shards_.begin(); it != shards_.end();) {
    bool in_map = false;
    if (map_) {
      for (const auto& entry : map_->entries()) in_map = in_map || entry.shard_id == it->first;
    }
    if (!in_map && it->second.in_flight == 0 && it->second.queued == 0) it = shards_.erase(it);
    else ++it;
  }
}

// ---- Shard map ----

bool ProducerPipeline::needs_shard_map(Instant now) const {
  if (map_pending_) return false;
  if (!map_) return now >= map_last_attempt_ + config_.shard_map_min_refresh_gap || counters_.shard_map_refreshes == 0;
  if (map_stale_ && now >= map_last_attempt_ + config_.shard_map_min_refresh_gap) return true;
  return now >= map_refreshed_ + config_.shard_map_refresh_interval;
}

void ProducerPipeline::shard_map_requested(Instant now) {
  map_pending_ = true;
  map_last_attempt_ = now;
}

void ProducerPipeline::set_shard_map(ShardMap map, Instant now) {
  map_ = std::move(map);
  map_pending_ = false;
  map_stale_ = false;
  map_refreshed_ = now;
  map_last_attempt_ = now;
  map_last_error_.reset();
  ++counters_.shard_map_refreshes;
  rebuild_queues(now);
}

void ProducerPipeline::shard_map_failed(const Error& error, Instant now) {
  map_pending_ = false;
  map_last_attempt_ = now;
  map_last_error_ = error;
  // Without a first map nothing can be routed; the next attempt comes after min_refresh_gap.
  if (config_.shard_map_min_refresh_gap.count() == 0) map_last_attempt_ = now + std::chrono::milliseconds(100);
}

// ---- Sending ----

bool ProducerPipeline::shard_sendable(const ShardState& shard, Instant now) const {
  if (shard.queued == 0) return false;
  if (shard.blocked_until > now) return false;
  if (config_.per_key_ordering && shard.in_flight > 0) return false;
  return true;
}

bool ProducerPipeline::lingered(const Pending& record, Instant now) const {
  return record.id <= flush_upto_ || record.failures > 0 || record.submitted + config_.linger <= now;
}

ProducerPipeline::Pending* ProducerPipeline::front(ShardState& shard) {
  while (!shard.queue.empty()) {
    auto it = live_.find(shard.queue.front());
    if (it != live_.end() && it->second.where == Where::kQueued) return &it->second;
    shard.queue.pop_front();  // expired or failed while waiting
  }
  return nullptr;
}

ProducerPipeline::SendMode ProducerPipeline::should_send(Instant now) {
  std::size_t count = 0;
  std::size_t bytes = 0;
  for (auto& [id, shard] : shards_) {
    if (!shard_sendable(shard, now)) continue;
    Pending* head = front(shard);
    if (head == nullptr) continue;
    if (lingered(*head, now)) return SendMode::kEverything;
    count += shard.queued;
    bytes += shard.queued_bytes;
  }
  return count >= config_.max_batch_records || bytes >= config_.max_batch_bytes ? SendMode::kFullRequestsOnly
                                                                                 : SendMode::kNothing;
}

void ProducerPipeline::promote_due_retries(Instant now) {
  while (!retry_wait_.empty() && retry_wait_.begin()->first <= now) {
    const RecordId id = retry_wait_.begin()->second;
    retry_wait_.erase(retry_wait_.begin());
    auto it = live_.find(id);
    if (it == live_.end() || it->second.where != Where::kRetryWait) continue;
    // Re-routed with the current map: a retry after a resharding goes to the child shard.
    enqueue(it->second, now, /*front=*/true);
  }
}

void ProducerPipeline::expire_overdue(Instant now) {
  // live_ is in deadline order, so the overdue records are a prefix of it.
  std::vector<RecordId> overdue;
  for (auto it = live_.begin(); it != live_.end() && it->second.deadline <= now; ++it) {
    // A record in flight is judged when its answer comes: it may yet be acked.
    if (it->second.where != Where::kInFlight) overdue.push_back(it->first);
  }
  for (RecordId id : overdue) finish_expired(live_.at(id), now);
}

std::vector<Batch> ProducerPipeline::next_batches(Instant now, std::size_t max_batches) {
  expire_overdue(now);
  promote_due_retries(now);
  std::vector<Batch> batches;
  const std::size_t free_slots =
      in_flight_.size() >= static_cast<std::size_t>(config_.max_in_flight_requests)
          ? 0
          : static_cast<std::size_t>(config_.max_in_flight_requests) - in_flight_.size();
  max_batches = std::min(max_batches, free_slots);
  if (max_batches == 0 || shards_.empty()) return batches;
  const SendMode mode = should_send(now);
  if (mode == SendMode::kNothing) return batches;

  std::vector<ShardState*> order;
  std::vector<const ShardId*> order_ids;
  for (auto& [id, state] : shards_) {
    order.push_back(&state);
    order_ids.push_back(&id);
  }
  const std::size_t n = order.size();
  const std::size_t start = round_robin_++ % n;

  Batch current;
  std::size_t current_bytes = 0;
  std::set<ShardId> current_shards;
  auto finish_batch = [&]() {
    if (current.record_ids.empty()) return;
    current.batch_id = next_batch_id_++;
    current.request.stream = config_.stream;
    current.created = now;
    InFlight flight;
    flight.record_ids = current.record_ids;
    flight.sent = now;
    for (const ShardId& shard : current_shards) {
      ++shards_.at(shard).in_flight;
      flight.shards.push_back(shard);
    }
    in_flight_.emplace(current.batch_id, std::move(flight));
    ++counters_.requests_sent;
    batches.push_back(std::move(current));
    current = Batch{};
    current_bytes = 0;
    current_shards.clear();
  };

  for (std::size_t k = 0; k < n && batches.size() < max_batches; ++k) {
    ShardState& shard = *order[(start + k) % n];
    const ShardId& shard_id = *order_ids[(start + k) % n];
    if (!shard_sendable(shard, now)) continue;

    std::deque<RecordId> skipped;                      // ordering mode: same key already in request
    bool out_of_tokens = false;
    bool took_any = false;
    while (Pending* head = front(shard)) {
      if (current.record_ids.size() >= config_.max_batch_records ||
          current_bytes + head->bytes > config_.max_batch_bytes) {
        // In ordering mode a shard contributes to one request per round (one in flight at most).
        if (config_.per_key_ordering && took_any) break;
        if (took_any) current_shards.insert(shard_id);
        took_any = false;
        finish_batch();
        if (batches.size() >= max_batches) break;
      }
      // Ordering mode: a key with a record in flight (in this request or an earlier one, on any
      // shard) waits for its answer.
      if (config_.per_key_ordering && keys_in_flight_.count(head->record.partition_key) > 0) {
        skipped.push_back(head->id);
        shard.queue.pop_front();
        if (skipped.size() >= 4 * config_.max_batch_records) break;  // bound the scan
        continue;
      }
      const auto bytes = static_cast<double>(head->bytes);
      const bool bytes_ok = shard.bytes.available(now) >= std::min(bytes, config_.bytes_rate()) ||
                            shard.bytes.unlimited();
      if (!bytes_ok || shard.records.available(now) < 1.0) {
        out_of_tokens = true;
        break;
      }
      shard.records.force_take(1, now);
      shard.bytes.force_take(bytes, now);  // may go into debt for a record above the byte rate
      shard.queue.pop_front();
      --shard.queued;
      shard.queued_bytes -= head->bytes;
      head->where = Where::kInFlight;
      head->attempts.push_back(Attempt{now, now, head->shard, "", ""});
      if (current.record_ids.empty()) {
        // One allocation per request instead of a doubling series.
        current.request.records.reserve(config_.max_batch_records);
        current.record_ids.reserve(config_.max_batch_records);
      }
      current.request.records.push_back(
          PutRecordsEntry{head->record.data, head->record.partition_key, head->record.explicit_hash_key});
      current.record_ids.push_back(head->id);
      current_bytes += head->bytes;
      took_any = true;
      if (config_.per_key_ordering) keys_in_flight_.insert(head->record.partition_key);
    }
    if (took_any) current_shards.insert(shard_id);
    // Skipped records go back to the head, in their original order.
    for (auto it = skipped.rbegin(); it != skipped.rend(); ++it) shard.queue.push_front(*it);
    if (out_of_tokens) {
      Instant ready = now + std::max<std::chrono::nanoseconds>(config_.linger, kMinThrottleWait);
      ready = std::max(ready, shard.records.when_available(1, now));
      if (Pending* head = front(shard)) {
        ready = std::max(ready, shard.bytes.when_available(static_cast<double>(head->bytes), now));
      }
      shard.blocked_until = ready;
    }
  }
  if (batches.size() < max_batches && mode == SendMode::kEverything) {
    finish_batch();
  } else {
    // A partial request of records that have not lingered yet waits for more company: put its
    // records back where they were, with their tokens.
    for (std::size_t i = current.record_ids.size(); i-- > 0;) {
      Pending& record = live_.at(current.record_ids[i]);
      if (config_.per_key_ordering) keys_in_flight_.erase(record.record.partition_key);
      record.attempts.pop_back();
      ShardState& shard = shards_.at(*record.shard);
      shard.records.give_back(1);
      shard.bytes.give_back(static_cast<double>(record.bytes));
      record.where = Where::kQueued;
      if (config_.per_key_ordering) {
        shard.queue.insert(std::lower_bound(shard.queue.begin(), shard.queue.end(), record.id), record.id);
      } else {
        shard.queue.push_front(record.id);
      }
      ++shard.queued;
      shard.queued_bytes += record.bytes;
    }
  }
  return batches;
}

void ProducerPipeline::on_response(std::uint64_t batch_id, Result<PutRecordsResponse> result, Instant now) {
  auto flight_it = in_flight_.find(batch_id);
  if (flight_it == in_flight_.end()) return;  // unknown or already failed by fail_all()
  InFlight flight = std::move(flight_it->second);
  in_flight_.erase(flight_it);
  for (const ShardId& shard : flight.shards) {
    auto it = shards_.find(shard);
    if (it != shards_.end()) --it->second.in_flight;
  }

  std::map<ShardId, int> ordering_failures;  // shard -> highest failure count, ordering mode
  auto* ordering = config_.per_key_ordering ? &ordering_failures : nullptr;
  // Records settled by fail_all() while this request was out are simply skipped.
  auto record_at = [&](std::size_t i) -> Pending* {
    auto it = live_.find(flight.record_ids[i]);
    return it == live_.end() || it->second.where != Where::kInFlight ? nullptr : &it->second;
  };
  // The barrier lifts for every key of the request before its records are settled or retried (a
  // retried record goes back ahead of its key's later ones, so it is still sent first). Erased
  // while the records, whose keys the set views, are still alive.
  if (config_.per_key_ordering) {
    for (std::size_t i = 0; i < flight.record_ids.size(); ++i) {
      if (Pending* record = record_at(i)) keys_in_flight_.erase(record->record.partition_key);
    }
  }

  const bool malformed = result.ok() && result->records.size() != flight.record_ids.size();
  if (!result.ok() || malformed) {
    ++counters_.request_failures;
    const Error error = malformed ? Error::parse("PutRecords answered " + std::to_string(result->records.size()) +
                                                 " entries for " + std::to_string(flight.record_ids.size()))
                                  : result.error();
    const std::string code = malformed ? "MalformedResponse" : describe_kind(error);
    const bool closed_shard = about_closed_shard(error.code, error.message);
    if (closed_shard) map_stale_ = true;
    // A malformed answer leaves us not knowing what was written; retrying is at-least-once.
    const bool retryable = malformed || closed_shard || aws::is_retryable(error.kind);
    for (std::size_t i = 0; i < flight.record_ids.size(); ++i) {
      Pending* record = record_at(i);
      if (record == nullptr) continue;
      if (retryable) {
        retry(*record, code, error.message, error.kind == ErrorKind::kThrottling, now, ordering);
      } else {
        record->attempts.back().finished = now;
        record->attempts.back().error_code = code;
        record->attempts.back().error_message = error.message;
        finish_failed(*record, error, now);
      }
    }
  } else {
    for (std::size_t i = 0; i < flight.record_ids.size(); ++i) {
      Pending* record = record_at(i);
      if (record == nullptr) continue;
      PutRecordsResultEntry& entry = result->records[i];
      if (entry.ok()) {
        Attempt& attempt = record->attempts.back();
        attempt.finished = now;
        RecordOutcome outcome;
        outcome.id = record->id;
        outcome.acked = true;
        if (entry.shard_id) outcome.shard_id = std::move(*entry.shard_id);
        if (entry.sequence_number) outcome.sequence_number = std::move(*entry.sequence_number);
        // Acked somewhere the map did not predict: the stream was resharded under us.
        if (!record->shard || outcome.shard_id != *record->shard) map_stale_ = true;
        outcome.attempts = std::move(record->attempts);
        outcome.submitted_at = record->submitted;
        outcome.completed_at = now;
        outcome.bytes = record->bytes;
        ++counters_.acked;
        counters_.bytes_acked += record->bytes;
        counters_.latency.record(now - record->submitted);
        outcomes_.push_back(std::move(outcome));
        erase(record->id);
        continue;
      }
      const std::string code = *entry.error_code;
      const std::string message = entry.error_message.value_or("");
      const ErrorKind kind = aws::classify(code, 0);
      const bool closed_shard = about_closed_shard(code, message);
      if (closed_shard) map_stale_ = true;
      if (closed_shard || aws::is_retryable(kind)) {
        retry(*record, code, message, code == kThrottleCode || kind == ErrorKind::kThrottling, now, ordering);
      } else {
        record->attempts.back().finished = now;
        record->attempts.back().error_code = code;
        record->attempts.back().error_message = message;
        finish_failed(*record, aws::make_aws_error(code, message, 200), now);
      }
    }
  }

  // Ordering mode: the failed records already went back to the head of their shard's queue; the
  // whole shard waits out one backoff so nothing behind them can overtake.
  for (const auto& [shard, failures] : ordering_failures) {
    auto it = shards_.find(shard);
    if (it == shards_.end()) continue;
    it->second.blocked_until = std::max(it->second.blocked_until, now + backoff_.delay(failures, random_));
  }
}

void ProducerPipeline::retry(Pending& record, const std::string& code, const std::string& message, bool throttled,
                             Instant now, std::map<ShardId, int>* ordering_failures) {
  Attempt& attempt = record.attempts.back();
  attempt.finished = now;
  attempt.error_code = code;
  attempt.error_message = message;
  ++record.failures;
  if (throttled) ++counters_.throttled;
  if (now >= record.deadline) {
    finish_expired(record, now);
    return;
  }
  ++counters_.retried;
  if (ordering_failures != nullptr) {
    // Back into its shard's queue at its place by id, ahead of everything submitted after it; the
    // whole shard then waits out one backoff (see on_response), so nothing overtakes it.
    enqueue(record, now, /*front=*/true);
    if (record.shard) {
      int& worst = (*ordering_failures)[*record.shard];
      worst = std::max(worst, record.failures);
    }
    return;
  }
  record.where = Where::kRetryWait;
  record.not_before = now + backoff_.delay(record.failures, random_);
  retry_wait_.emplace(record.not_before, record.id);
}

void ProducerPipeline::finish_failed(Pending& record, Error error, Instant now) {
  RecordOutcome outcome;
  outcome.id = record.id;
  outcome.acked = false;
  outcome.error = std::move(error);
  outcome.attempts = std::move(record.attempts);
  outcome.submitted_at = record.submitted;
  outcome.completed_at = now;
  outcome.bytes = record.bytes;
  ++counters_.failed;
  outcomes_.push_back(std::move(outcome));
  erase(record.id);
}

void ProducerPipeline::finish_expired(Pending& record, Instant now) {
  Error error;
  error.kind = ErrorKind::kTimeout;
  error.code = "RecordExpired";
  error.message = "record TTL of " + std::to_string(config_.record_ttl.count()) + " ms ran out after " +
                  std::to_string(record.attempts.size()) + " attempt(s)";
  if (!record.attempts.empty() && !record.attempts.back().error_code.empty()) {
    error.message += "; last error: " + record.attempts.back().error_code;
    if (!record.attempts.back().error_message.empty()) error.message += " (" + record.attempts.back().error_message + ")";
  } else if (record.attempts.empty()) {
    error.message += !record.shard && map_last_error_ ? "; no shard map: " + map_last_error_->describe()
                                                      : "; never sent (rate limited or not routable)";
  }
  ++counters_.expired;
  finish_failed(record, std::move(error), now);
}

void ProducerPipeline::erase(RecordId id) {
  auto it = live_.find(id);
  if (it == live_.end()) return;
  Pending& record = it->second;
  if (record.where == Where::kQueued && record.shard) {
    auto shard = shards_.find(*record.shard);
    if (shard != shards_.end()) {
      --shard->second.queued;
      shard->second.queued_bytes -= record.bytes;
    }
  }
  if (record.where == Where::kRetryWait) retry_wait_.erase({record.not_before, id});
  buffered_bytes_ -= record.bytes;
  live_.erase(it);  // queue entries pointing here are skipped lazily
}

std::optional<Instant> ProducerPipeline::next_wakeup(Instant now) {
  std::optional<Instant> wake;
  auto consider = [&](Instant t) { wake = wake ? std::min(*wake, t) : t; };
  if (map_pending_) {
    // The ListShards answer wakes the driver.
  } else if (!map_) {
    consider(std::max(now, map_last_attempt_ + config_.shard_map_min_refresh_gap));
  } else if (map_stale_) {
    consider(std::max(now, map_last_attempt_ + config_.shard_map_min_refresh_gap));
  }
  if (live_.empty()) return wake;  // idle: no periodic refresh needed until records arrive
  if (map_) consider(map_refreshed_ + config_.shard_map_refresh_interval);
  // The earliest deadline not in flight: live_ is in deadline order, and the records in flight
  // skipped here are at most max_in_flight_requests full requests.
  for (const auto& [id, record] : live_) {
    if (record.where != Where::kInFlight) {
      consider(record.deadline);
      break;
    }
  }
  if (!retry_wait_.empty()) consider(retry_wait_.begin()->first);
  for (auto& [id, shard] : shards_) {
    if (shard.queued == 0) continue;
    if (config_.per_key_ordering && shard.in_flight > 0) continue;  // its answer wakes the driver
    if (shard.blocked_until > now) {
      consider(shard.blocked_until);
      continue;
    }
    Pending* head = front(shard);
    if (head == nullptr) continue;
    consider(lingered(*head, now) ? now : head->submitted + config_.linger);
  }
  return wake;
}

void ProducerPipeline::fail_all(const Error& reason, Instant now) {
  std::vector<RecordId> ids;
  for (const auto& [id, record] : live_) ids.push_back(id);
  for (RecordId id : ids) {
    Pending& record = live_.at(id);
    finish_failed(record, reason, now);
  }
  in_flight_.clear();
  keys_in_flight_.clear();
  for (auto& [id, shard] : shards_) shard.in_flight = 0;
}

std::vector<RecordOutcome> ProducerPipeline::take_outcomes() {
  std::vector<RecordOutcome> out;
  out.swap(outcomes_);
  return out;
}

}  // namespace kwb::kinesis::producer
