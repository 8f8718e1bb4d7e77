#pragma once
// Consumer: the threaded driver around ConsumerCore. Reads every shard of a stream and passes each
// record to a handler, at least once, optionally saving checkpoints.
//
// Threads: reader_threads std::jthreads. Each loops: ask the core for the next call, make it
// without the lock, feed the answer back, then hand the page's records to the handler (without the
// lock), save the checkpoint, and tell the core they were delivered. A shard's pages are delivered
// in order (the core keeps a shard busy until its page is delivered); different shards' records
// may be delivered concurrently from different threads.
//
// The handler gets (shard id, record); it runs on a reader thread, so a load-test verifier that
// wants the arrival time reads its clock inside the handler.
//
// Ownership: owns its threads and the core; borrows backend, clock, random and the optional
// checkpoint store, which must outlive it. Thread safety: public methods may be called from any
// thread except from inside the handler (stop() would wait for the thread that runs it).

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/random.h"
#include "core/result.h"
#include "kinesis/client.h"
#include "kinesis/consumer/checkpoint.h"
#include "kinesis/consumer/coordinator.h"

namespace kwb::kinesis::consumer {

// What the consumer needs from Kinesis; kinesis::Client satisfies it through ClientBackend, tests
// substitute a fake. Must be thread-safe.
class ConsumerBackend {
 public:
  virtual ~ConsumerBackend() = default;
  virtual Result<std::vector<Shard>> list_shards(const StreamRef& stream) = 0;
  virtual Result<GetShardIteratorResponse> get_shard_iterator(const GetShardIteratorRequest& request) = 0;
  virtual Result<GetRecordsResponse> get_records(const GetRecordsRequest& request) = 0;
};

// ConsumerBackend over a kinesis::Client (borrowed; thread-safe; must outlive this).
class ClientBackend final : public ConsumerBackend {
 public:
  explicit ClientBackend(Client& client) : client_(client) {}
  Result<std::vector<Shard>> list_shards(const StreamRef& stream) override { return client_.list_all_shards(stream); }
  Result<GetShardIteratorResponse> get_shard_iterator(const GetShardIteratorRequest& request) override {
    return client_.get_shard_iterator(request);
  }
  Result<GetRecordsResponse> get_records(const GetRecordsRequest& request) override {
    return client_.get_records(request);
  }

 private:
  Client& client_;
};

using RecordHandler = std::function<void(const ShardId& shard, const Record& record)>;

class Consumer {
 public:
  // Loads checkpoints (when a store is given) and starts the readers. kConfig for a bad config,
  // the store's error when its checkpoints cannot be read.
  static Result<std::unique_ptr<Consumer>> start(ConsumerConfig config, ConsumerBackend& backend,
                                                 RecordHandler handler, Clock& clock, Random& random,
                                                 CheckpointStore* checkpoints = nullptr);
  ~Consumer();  // stop()
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Stops the readers after the calls and deliveries in progress. Idempotent.
  void stop();
  // Waits until every shard is read to its end (a stream that no longer takes writes, as after a
  // full resharding in tests). kTimeout when `timeout` passes first on the injected clock.
  Status wait_until_finished(std::chrono::milliseconds timeout);

  [[nodiscard]] ConsumerStats stats() const;
  [[nodiscard]] std::map<ShardId, Error> failed_shards() const;
  // The last checkpoint save error, if any (saving is retried with the next page).
  [[nodiscard]] std::optional<Error> checkpoint_error() const;

 private:
  Consumer(ConsumerConfig config, std::map<ShardId, std::string> checkpoints, ConsumerBackend& backend,
           RecordHandler handler, Clock& clock, Random& random, CheckpointStore* store);
  void run(std::stop_token stop);

  StreamRef stream_;
  ConsumerBackend& backend_;
  RecordHandler handler_;
  Clock& clock_;
  CheckpointStore* store_;

  mutable std::mutex mutex_;
  std::condition_variable_any changed_;
  ConsumerCore core_;                      // GUARDED_BY(mutex_)
  std::optional<Error> checkpoint_error_;  // GUARDED_BY(mutex_)
  std::vector<std::jthread> threads_;      // started in start(), joined in stop()
  std::mutex stop_mutex_;
};

}  // namespace kwb::kinesis::consumer
