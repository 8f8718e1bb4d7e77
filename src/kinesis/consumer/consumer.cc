#include "kinesis/consumer/consumer.h"

#include <algorithm>

namespace kwb::kinesis::consumer {

namespace {
// Longest real-time wait between two looks at the injected clock.
constexpr std::chrono::milliseconds kMaxSlice{50};
}  // namespace

Result<std::unique_ptr<Consumer>> Consumer::start(ConsumerConfig config, ConsumerBackend& backend,
                                                  RecordHandler handler, Clock& clock, Random& random,
                                                  CheckpointStore* checkpoints) {
  KWB_RETURN_IF_ERROR(validate(config));
  std::map<ShardId, std::string> loaded;
  if (checkpoints != nullptr) {
    auto result = checkpoints->load(config.stream.name());
    if (!result) return result.error();
    loaded = std::move(*result);
  }
  const int threads = config.reader_threads;
  std::unique_ptr<Consumer> consumer(
      new Consumer(std::move(config), std::move(loaded), backend, std::move(handler), clock, random, checkpoints));
  for (int i = 0; i < threads; ++i) {
    consumer->threads_.emplace_back([c = consumer.get()](std::stop_token stop) { c->run(std::move(stop)); });
  }
  return consumer;
}

Consumer::Consumer(ConsumerConfig config, std::map<ShardId, std::string> checkpoints, ConsumerBackend& backend,
                   RecordHandler handler, Clock& clock, Random& random, CheckpointStore* store)
    : stream_(config.stream), backend_(backend), handler_(std::move(handler)), clock_(clock), store_(store),
      core_(std::move(config), std::move(checkpoints), random, clock.steady_now()) {}

Consumer::~Consumer() { stop(); }

void Consumer::stop() {
  std::lock_guard stop_lock(stop_mutex_);
  for (auto& thread : threads_) thread.request_stop();
  {
    std::lock_guard lock(mutex_);
    changed_.notify_all();
  }
  threads_.clear();  // joins
}

void Consumer::run(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    const Instant now = clock_.steady_now();
    std::optional<Action> action = core_.next_action(now);
    if (!action) {
      const auto wake = core_.next_wakeup(now);
      const std::chrono::nanoseconds wait = wake ? std::max<std::chrono::nanoseconds>(*wake - now, std::chrono::nanoseconds(0))
                                                 : std::chrono::nanoseconds(kMaxSlice);
      changed_.wait_for(lock, stop, std::min<std::chrono::nanoseconds>(wait, kMaxSlice), [] { return false; });
      continue;
    }
    lock.unlock();
    switch (action->kind) {
      case Action::Kind::kListShards: {
        auto shards = backend_.list_shards(stream_);
        lock.lock();
        core_.on_shards(shards, clock_.steady_now());
        break;
      }
      case Action::Kind::kGetShardIterator: {
        auto iterator = backend_.get_shard_iterator(action->iterator_request);
        lock.lock();
        core_.on_iterator(action->shard_id, iterator, clock_.steady_now());
        break;
      }
      case Action::Kind::kGetRecords: {
        auto records = backend_.get_records(action->records_request);
        lock.lock();
        Delivery delivery = core_.on_records(action->shard_id, records, clock_.steady_now());
        lock.unlock();
        for (const Record& record : delivery.records) handler_(delivery.shard_id, record);
        std::optional<Error> save_error;
        if (store_ != nullptr && delivery.checkpoint) {
          Status saved = store_->save(stream_.name(), delivery.shard_id, *delivery.checkpoint);
          if (!saved.ok()) save_error = saved.error();
        }
        lock.lock();
        if (save_error) checkpoint_error_ = save_error;
        core_.delivered(delivery.shard_id, clock_.steady_now());
        break;
      }
    }
    changed_.notify_all();
  }
}

Status Consumer::wait_until_finished(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  const Instant deadline = clock_.steady_now() + timeout;
  while (!core_.finished()) {
    const Instant now = clock_.steady_now();
    if (now >= deadline) return Error::timeout("consumer: shards still being read");
    changed_.wait_for(lock, std::min<std::chrono::nanoseconds>(deadline - now, kMaxSlice), [] { return false; });
  }
  return ok_status();
}

ConsumerStats Consumer::stats() const {
  std::lock_guard lock(mutex_);
  return core_.stats();
}

std::map<ShardId, Error> Consumer::failed_shards() const {
  std::lock_guard lock(mutex_);
  return core_.failed_shards();
}

std::optional<Error> Consumer::checkpoint_error() const {
  std::lock_guard lock(mutex_);
  return checkpoint_error_;
}

}  // namespace kwb::kinesis::consumer
