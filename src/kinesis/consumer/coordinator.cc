#include "kinesis/consumer/coordinator.h"

#include <algorithm>

#include "aws/error_table.h"
#include "kinesis/consumer/checkpoint.h"

namespace kwb::kinesis::consumer {

Status validate(const ConsumerConfig& c) {
  auto bad = [](const std::string& field, const std::string& message) {
    Error error = Error::config("consumer config: " + field + " " + message);
    error.field = field;
    return error;
  };
  if (c.stream.empty()) return bad("stream", "is required");
  if (c.start == StartPosition::kAtTimestamp && !c.start_timestamp) return bad("start_timestamp", "is required with AT_TIMESTAMP");
  if (c.get_records_per_second <= 0 || c.get_records_per_second > 5) return bad("get_records_per_second", "must be in (0, 5]");
  if (c.get_records_limit < 1 || c.get_records_limit > 10000) return bad("get_records_limit", "must be 1..10000");
  if (c.backoff_base.count() < 1 || c.backoff_cap < c.backoff_base) return bad("backoff_base", "must be >= 1ms and <= backoff_cap");
  if (c.shard_list_interval.count() < 1000) return bad("shard_list_interval", "must be >= 1s");
  if (c.reader_threads < 1 || c.reader_threads > 64) return bad("reader_threads", "must be 1..64");
  return ok_status();
}

ConsumerCore::ConsumerCore(ConsumerConfig config, std::map<ShardId, std::string> checkpoints, Random& random,
                           Instant now)
    : config_(std::move(config)), checkpoints_(std::move(checkpoints)), random_(random),
      backoff_{config_.backoff_base, config_.backoff_cap}, next_list_at_(now) {}

ConsumerCore::ShardState& ConsumerCore::add_shard(const ShardId& id, std::vector<ShardId> parents, bool closed,
                                                  Instant now) {
  auto [it, inserted] = shards_.try_emplace(id);
  ShardState& shard = it->second;
  if (!inserted) {
    for (auto& p : parents) {
      if (std::find(shard.parents.begin(), shard.parents.end(), p) == shard.parents.end()) shard.parents.push_back(p);
    }
    return shard;
  }
  shard.id = id;
  shard.parents = std::move(parents);
  shard.closed_at_first_listing = closed && !listed_;
  // Burst of one: calls are spaced evenly, never bunched.
  shard.calls = TokenBucket(config_.get_records_per_second, 1.0, now);
  auto checkpoint = checkpoints_.find(id);
  if (checkpoint != checkpoints_.end()) {
    if (checkpoint->second == kShardEnd) {
      shard.state = State::kFinished;
      shard.skipped = false;
      ++stats_.shards_finished;
    } else {
      shard.last_sequence = checkpoint->second;
    }
  }
  return shard;
}

bool ConsumerCore::parents_done(const ShardState& shard) const {
  for (const ShardId& parent : shard.parents) {
    auto it = shards_.find(parent);
    if (it != shards_.end() && it->second.state != State::kFinished && it->second.state != State::kFailed) return false;
  }
  return true;
}

void ConsumerCore::update_waiting(Instant now) {
  (void)now;
  // Repeat until stable: finishing a skipped parent may release its children in the same pass.
  bool changed = true;
  while (changed) {
    changed = false;
    for (auto& [id, shard] : shards_) {
      if (shard.state != State::kWaitingParents || !parents_done(shard)) continue;
      const bool all_parents_skipped =
          !shard.parents.empty() && std::all_of(shard.parents.begin(), shard.parents.end(), [&](const ShardId& p) {
            auto it = shards_.find(p);
            return it == shards_.end() || it->second.skipped;
          });
      if (config_.start == StartPosition::kLatest && !shard.last_sequence && shard.closed_at_first_listing &&
          (shard.parents.empty() || all_parents_skipped)) {
        // LATEST on a shard that was already closed: nothing new can arrive there.
        shard.skipped = true;
        finish(shard);
        changed = true;
        continue;
      }
      shard.state = State::kNeedIterator;
      changed = true;
    }
  }
}

GetShardIteratorRequest ConsumerCore::iterator_request(const ShardState& shard) const {
  GetShardIteratorRequest request;
  request.stream = config_.stream;
  request.shard_id = shard.id;
  if (shard.last_sequence) {
    request.type = ShardIteratorType::kAfterSequenceNumber;
    request.starting_sequence_number = shard.last_sequence;
    return request;
  }
  bool parent_read = false;
  for (const ShardId& p : shard.parents) {
    auto it = shards_.find(p);
    if (it != shards_.end() && !it->second.skipped) parent_read = true;
  }
  // A child whose parent we read continues where the parent ended: from its very first record.
  if (parent_read) {
    request.type = ShardIteratorType::kTrimHorizon;
    return request;
  }
  switch (config_.start) {
    case StartPosition::kTrimHorizon: request.type = ShardIteratorType::kTrimHorizon; break;
    case StartPosition::kLatest: request.type = ShardIteratorType::kLatest; break;
    case StartPosition::kAtTimestamp:
      request.type = ShardIteratorType::kAtTimestamp;
      request.timestamp = config_.start_timestamp;
      break;
  }
  return request;
}

std::optional<Action> ConsumerCore::next_action(Instant now) {
  if (!list_busy_ && now >= next_list_at_) {
    list_busy_ = true;
    ++stats_.list_shards_calls;
    Action action;
    action.kind = Action::Kind::kListShards;
    return action;
  }
  update_waiting(now);
  if (shards_.empty()) return std::nullopt;
  // Round-robin so a shard with a backlog cannot starve the others.
  std::vector<ShardState*> order;
  for (auto& [id, shard] : shards_) order.push_back(&shard);
  const std::size_t n = order.size();
  const std::size_t start = round_robin_++ % n;
  for (std::size_t k = 0; k < n; ++k) {
    ShardState& shard = *order[(start + k) % n];
    if (shard.busy || shard.not_before > now) continue;
    if (shard.state == State::kNeedIterator) {
      shard.busy = true;
      Action action;
      action.kind = Action::Kind::kGetShardIterator;
      action.shard_id = shard.id;
      action.iterator_request = iterator_request(shard);
      return action;
    }
    if (shard.state == State::kReading && shard.calls.try_take(1, now)) {
      shard.busy = true;
      ++stats_.get_records_calls;
      Action action;
      action.kind = Action::Kind::kGetRecords;
      action.shard_id = shard.id;
      action.records_request.shard_iterator = *shard.iterator;
      action.records_request.limit = config_.get_records_limit;
      return action;
    }
  }
  return std::nullopt;
}

void ConsumerCore::on_shards(const Result<std::vector<Shard>>& result, Instant now) {
  list_busy_ = false;
  if (!result.ok()) {
    ++stats_.errors;
    ++list_failures_;
    next_list_at_ = now + backoff_.delay(list_failures_, random_);
    return;
  }
  list_failures_ = 0;
  for (const Shard& s : result.value()) {
    std::vector<ShardId> parents;
    if (s.parent_shard_id) parents.push_back(*s.parent_shard_id);
    if (s.adjacent_parent_shard_id) parents.push_back(*s.adjacent_parent_shard_id);
    add_shard(s.shard_id, std::move(parents), !s.is_open(), now);
  }
  listed_ = true;
  next_list_at_ = now + config_.shard_list_interval;
  update_waiting(now);
}

void ConsumerCore::on_iterator(const ShardId& id, const Result<GetShardIteratorResponse>& result, Instant now) {
  auto it = shards_.find(id);
  if (it == shards_.end()) return;
  ShardState& shard = it->second;
  shard.busy = false;
  if (!result.ok()) {
    back_off(shard, result.error(), now);
    return;
  }
  shard.failures = 0;
  shard.iterator = result->shard_iterator;
  shard.state = State::kReading;
}

Delivery ConsumerCore::on_records(const ShardId& id, const Result<GetRecordsResponse>& result, Instant now) {
  Delivery delivery;
  delivery.shard_id = id;
  auto it = shards_.find(id);
  if (it == shards_.end()) return delivery;
  ShardState& shard = it->second;
  if (!result.ok()) {
    shard.busy = false;
    if (result.error().kind == ErrorKind::kExpiredIterator) {
      // Renew from the last record seen; nothing is lost and nothing is delivered twice.
      ++stats_.iterator_renewals;
      shard.iterator.reset();
      shard.state = State::kNeedIterator;
      return delivery;
    }
    back_off(shard, result.error(), now);
    return delivery;
  }
  shard.failures = 0;
  const GetRecordsResponse& response = *result;
  if (response.millis_behind_latest) {
    stats_.max_millis_behind_latest = std::max(stats_.max_millis_behind_latest, *response.millis_behind_latest);
  }
  delivery.records = response.records;
  stats_.records += response.records.size();
  if (!response.records.empty()) {
    shard.last_sequence = response.records.back().sequence_number;
    shard.read_something = true;
    delivery.checkpoint = shard.last_sequence;
  }
  for (const ChildShard& child : response.child_shards) add_shard(child.shard_id, child.parent_shards, false, now);
  if (!response.next_shard_iterator) {
    // The shard is closed and read to its end. Finished once this last page is delivered.
    shard.pending_end = true;
    shard.iterator.reset();
    delivery.checkpoint = kShardEnd;
    // Without ChildShards in the answer (older services), a listing finds the children.
    if (response.child_shards.empty()) next_list_at_ = std::min(next_list_at_, now);
  } else {
    shard.iterator = response.next_shard_iterator;
  }
  return delivery;  // shard stays busy until delivered()
}

void ConsumerCore::delivered(const ShardId& id, Instant now) {
  auto it = shards_.find(id);
  if (it == shards_.end()) return;
  ShardState& shard = it->second;
  shard.busy = false;
  if (shard.pending_end) {
    shard.pending_end = false;
    finish(shard);
    update_waiting(now);
  }
}

void ConsumerCore::finish(ShardState& shard) {
  if (shard.state == State::kFinished) return;
  shard.state = State::kFinished;
  ++stats_.shards_finished;
}

void ConsumerCore::back_off(ShardState& shard, const Error& error, Instant now) {
  ++stats_.errors;
  if (error.kind == ErrorKind::kThrottling) ++stats_.throttled;
  if (!aws::is_retryable(error.kind)) {
    shard.state = State::kFailed;
    failed_[shard.id] = error;
    return;
  }
  ++shard.failures;
  shard.not_before = now + backoff_.delay(shard.failures, random_);
}

std::optional<Instant> ConsumerCore::next_wakeup(Instant now) {
  std::optional<Instant> wake;
  auto consider = [&](Instant t) { wake = wake ? std::min(*wake, t) : t; };
  if (!list_busy_) consider(std::max(now, next_list_at_));
  for (auto& [id, shard] : shards_) {
    if (shard.busy) continue;
    if (shard.state == State::kNeedIterator) consider(std::max(now, shard.not_before));
    if (shard.state == State::kReading) consider(std::max(shard.not_before, shard.calls.when_available(1, now)));
  }
  return wake;
}

bool ConsumerCore::finished() const {
  if (!listed_ || list_busy_) return false;
  return std::all_of(shards_.begin(), shards_.end(), [](const auto& entry) {
    return !entry.second.busy && (entry.second.state == State::kFinished || entry.second.state == State::kFailed);
  });
}

std::vector<ShardId> ConsumerCore::finished_shards() const {
  std::vector<ShardId> out;
  for (const auto& [id, shard] : shards_) {
    if (shard.state == State::kFinished) out.push_back(id);
  }
  return out;
}

}  // namespace kwb::kinesis::consumer
