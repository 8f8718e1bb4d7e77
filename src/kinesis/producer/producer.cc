#include "kinesis/producer/producer.h"

#include <algorithm>
#include <utility>

#include "kinesis/shard_map.h"

namespace kwb::kinesis::producer {

namespace {
// Longest real-time wait between two looks at the injected clock.
constexpr std::chrono::milliseconds kMaxSlice{50};
// Wait used when work is due but no sender slot is free: an answer will notify sooner.
constexpr std::chrono::milliseconds kBusySlice{5};
}  // namespace

Result<std::unique_ptr<Producer>> Producer::start(ProducerConfig config, PutRecordsSender& sender, Clock& clock,
                                                  Random& random) {
  const int threads = config.max_in_flight_requests;
  auto pipeline = ProducerPipeline::create(std::move(config), random, clock.steady_now());
  if (!pipeline) return pipeline.error();
  std::unique_ptr<Producer> producer(new Producer(std::move(*pipeline), sender, clock));
  {
    std::lock_guard lock(producer->mutex_);
    producer->running_ = true;
  }
  for (int i = 0; i < threads; ++i) {
    producer->threads_.emplace_back([p = producer.get()](std::stop_token stop) { p->run(std::move(stop)); });
  }
  return producer;
}

Producer::Producer(std::unique_ptr<ProducerPipeline> pipeline, PutRecordsSender& sender, Clock& clock)
    : sender_(sender), clock_(clock), stream_(pipeline->config().stream), pipeline_(std::move(pipeline)) {}

Producer::~Producer() {
  std::chrono::milliseconds timeout;
  {
    std::lock_guard lock(mutex_);
    timeout = pipeline_->config().record_ttl;
  }
  (void)close(timeout);  // a destructor has no one to report to; close() settles every record
}

Result<std::future<RecordOutcome>> Producer::put(UserRecord record) {
  Completion completion;
  completion.promise.emplace();
  std::future<RecordOutcome> future = completion.promise->get_future();
  auto id = submit(std::move(record), std::move(completion));
  if (!id) return id.error();
  return future;
}

Result<RecordId> Producer::put(UserRecord record, OutcomeCallback callback) {
  Completion completion;
  completion.callback = std::move(callback);
  return submit(std::move(record), std::move(completion));
}

Result<RecordId> Producer::submit(UserRecord record, Completion completion) {
  const std::size_t bytes = ProducerPipeline::record_bytes(record);
  std::unique_lock lock(mutex_);
  const Instant deadline = clock_.steady_now() + pipeline_->config().put_block_timeout;
  const bool block = pipeline_->config().buffer_full_policy == BufferFullPolicy::kBlock;
  // Only wait when the record could fit at all; otherwise let submit() give the real error.
  while (!closed_ && block && bytes <= pipeline_->config().max_record_bytes && !pipeline_->has_room(bytes) &&
         clock_.steady_now() < deadline) {
    wait_slice(lock, deadline - clock_.steady_now());
  }
  if (closed_) return Error::cancelled("producer is closed");
  auto id = pipeline_->submit(std::move(record), clock_.steady_now());
  if (!id) return id.error();
  completions_.emplace(*id, std::move(completion));
  // Wake the senders only when this record can change what they do: the first record they have
  // not looked at yet may set an earlier linger deadline than the one they sleep until, and a full
  // request's worth makes a batch sendable now. Anything in between waits for the senders' next
  // look, which happens no later than that deadline. Notifying on every record instead woke every
  // sender thread per record (lock hand-offs dominated a profile of a fast endpoint).
  ++unseen_records_;
  unseen_bytes_ += bytes;
  const ProducerConfig& config = pipeline_->config();
  // One sender is enough for either (notify_all woke all of them, and all but one went back to
  // sleep: ~6 context switches per request in a profile), and only senders wait on work_, so the
  // wake-up cannot go to a blocked put() or a flush() instead.
  if (unseen_records_ == 1 || unseen_records_ % config.max_batch_records == 0 ||
      unseen_bytes_ >= config.max_batch_bytes) {
    if (unseen_bytes_ >= config.max_batch_bytes) unseen_bytes_ = 0;
    work_.notify_one();
  }
  return id;
}

void Producer::wait_slice(std::unique_lock<std::mutex>& lock, std::chrono::nanoseconds at_most) {
  const auto slice = std::clamp<std::chrono::nanoseconds>(at_most, std::chrono::nanoseconds(0), kMaxSlice);
  changed_.wait_for(lock, slice, [] { return false; });
}

void Producer::deliver(std::unique_lock<std::mutex>& lock) {
  std::vector<RecordOutcome> outcomes = pipeline_->take_outcomes();
  if (outcomes.empty()) return;
  std::vector<std::pair<Completion, RecordOutcome>> ready;
  ready.reserve(outcomes.size());
  for (RecordOutcome& outcome : outcomes) {
    auto it = completions_.find(outcome.id);
    if (it == completions_.end()) continue;  // cannot happen: registered under the same lock
    ready.emplace_back(std::move(it->second), std::move(outcome));
    completions_.erase(it);
  }
  delivering_ += ready.size();
  lock.unlock();
  for (auto& [completion, outcome] : ready) {
    if (completion.callback) completion.callback(outcome);
    if (completion.promise) completion.promise->set_value(std::move(outcome));
  }
  lock.lock();
  delivering_ -= ready.size();
  changed_.notify_all();
}

void Producer::run(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    Instant now = clock_.steady_now();
    if (pipeline_->needs_shard_map(now)) {
      pipeline_->shard_map_requested(now);
      lock.unlock();
      auto shards = sender_.list_shards(stream_);
      Result<ShardMap> map = shards ? ShardMap::build(*shards) : Result<ShardMap>(shards.error());
      lock.lock();
      now = clock_.steady_now();
      if (map) pipeline_->set_shard_map(std::move(*map), now);
      else pipeline_->shard_map_failed(map.error(), now);
      changed_.notify_all();
      work_.notify_all();  // records of every shard may be routable now
      continue;
    }
    std::vector<Batch> batches = pipeline_->next_batches(now, 1);
    unseen_records_ = 0;  // this look saw every record submitted so far
    unseen_bytes_ = 0;
    deliver(lock);  // expirations found by next_batches
    if (!batches.empty()) {
      Batch batch = std::move(batches.front());
      lock.unlock();
      Result<PutRecordsResponse> response = sender_.put_records(batch.request);
      lock.lock();
      pipeline_->on_response(batch.batch_id, std::move(response), clock_.steady_now());
      deliver(lock);
      changed_.notify_all();
      // This thread looks for the next batch itself; one more sender in case the answer made more
      // than one sendable (ordering mode: a shard and the request's keys are free again).
      work_.notify_one();
      continue;
    }
    now = clock_.steady_now();
    const std::optional<Instant> wake = pipeline_->next_wakeup(now);
    const std::chrono::nanoseconds wait = !wake ? std::chrono::nanoseconds(kMaxSlice)
                                          : *wake <= now ? std::chrono::nanoseconds(kBusySlice)
                                                         : *wake - now;
    work_.wait_for(lock, stop, std::clamp<std::chrono::nanoseconds>(wait, std::chrono::nanoseconds(0), kMaxSlice),
                   [] { return false; });
  }
}

Status Producer::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  const Instant deadline = clock_.steady_now() + timeout;
  const RecordId barrier = pipeline_->last_assigned_id();
  pipeline_->flush_all();
  changed_.notify_all();
  work_.notify_all();
  while (!(pipeline_->oldest_live_id() > barrier && delivering_ == 0)) {
    if (clock_.steady_now() >= deadline) {
      return Error::timeout("flush: " + std::to_string(pipeline_->live_records()) + " records still unsettled");
    }
    if (!running_) return Error::cancelled("flush: producer is closed");
    wait_slice(lock, deadline - clock_.steady_now());
  }
  return ok_status();
}

Status Producer::close(std::chrono::milliseconds timeout) {
  std::lock_guard close_lock(close_mutex_);
  if (threads_.empty()) return ok_status();
  {
    std::lock_guard lock(mutex_);
    closed_ = true;  // no new records; blocked put() calls give up
    changed_.notify_all();
  }
  Status flushed = flush(timeout);
  for (auto& thread : threads_) thread.request_stop();
  {
    std::lock_guard lock(mutex_);
    changed_.notify_all();
    work_.notify_all();
  }
  // jthread joins; a sender thread finishes the request it is in (bounded by the HTTP timeout).
  threads_.clear();
  std::unique_lock lock(mutex_);
  running_ = false;
  Error reason = Error::cancelled("producer closed before the record was settled");
  reason.code = "ProducerClosed";
  pipeline_->fail_all(reason, clock_.steady_now());
  deliver(lock);
  return flushed;
}

ProducerCounters Producer::counters() const {
  std::lock_guard lock(mutex_);
  return pipeline_->counters();
}

std::size_t Producer::buffered_bytes() const {
  std::lock_guard lock(mutex_);
  return pipeline_->buffered_bytes();
}

}  // namespace kwb::kinesis::producer
