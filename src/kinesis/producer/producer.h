#pragma once
// Producer: the threaded driver around ProducerPipeline. put() hands a record in and returns a
// future (or calls a callback) with its RecordOutcome; sender threads run the pipeline against
// Kinesis through the narrow PutRecordsSender seam.
//
// Threads: max_in_flight_requests std::jthreads. Each loops: refresh the shard map when the
// pipeline asks, take one ready batch, send it (without the lock), feed the answer back, deliver
// the settled outcomes (without the lock), or wait until the pipeline's next wakeup. Waits are
// sliced (at most 50 ms of real time) and re-read the injected Clock, so the driver works with a
// ManualClock too; nothing in the producer sleeps to make time pass.
//
// Outcomes are delivered on a sender thread: keep callbacks short, and never call flush() or
// close() from inside one (they would wait for the thread that runs them).
//
// Ownership: owns its threads and the pipeline; borrows sender, clock and random, which must
// outlive it. Thread safety: every public method may be called from any thread.

#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <stop_token>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/random.h"
#include "core/result.h"
#include "kinesis/client.h"
#include "kinesis/producer/pipeline.h"

namespace kwb::kinesis::producer {

// What the producer needs from Kinesis. kinesis::Client satisfies it through ClientSender; tests
// substitute a fake. Implementations must be thread-safe (several sender threads call at once).
class PutRecordsSender {
 public:
  virtual ~PutRecordsSender() = default;
  virtual Result<PutRecordsResponse> put_records(const PutRecordsRequest& request) = 0;
  // Every shard of the stream (closed ones may be included; the ShardMap ignores them).
  virtual Result<std::vector<Shard>> list_shards(const StreamRef& stream) = 0;
};

// PutRecordsSender over a kinesis::Client. Borrows the client (thread-safe, must outlive this).
// Note the client's own retry layer also retries whole-request failures (AWS standard mode) before
// the producer sees them; the producer's per-record retries sit on top.
class ClientSender final : public PutRecordsSender {
 public:
  explicit ClientSender(Client& client) : client_(client) {}
  Result<PutRecordsResponse> put_records(const PutRecordsRequest& request) override {
    return client_.put_records(request);
  }
  Result<std::vector<Shard>> list_shards(const StreamRef& stream) override { return client_.list_all_shards(stream); }

 private:
  Client& client_;
};

using OutcomeCallback = std::function<void(const RecordOutcome&)>;

class Producer {
 public:
  // kConfig when the config is invalid. Starts the sender threads; the first shard map is fetched
  // right away. REQUIRES: sender, clock and random outlive the producer.
  static Result<std::unique_ptr<Producer>> start(ProducerConfig config, PutRecordsSender& sender, Clock& clock,
                                                 Random& random);
  // close() with record_ttl as the deadline when the owner did not call it.
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Accepts the record, waiting for buffer room when the policy is kBlock (up to
  // put_block_timeout on the injected clock). Errors: kInvalidInput (the record can never be
  // sent), kLimitExceeded "BufferFull", kCancelled after close(). An accepted record's future
  // always becomes ready, acked or failed.
  Result<std::future<RecordOutcome>> put(UserRecord record);
  // The same, with the outcome passed to `callback` on a sender thread instead.
  Result<RecordId> put(UserRecord record, OutcomeCallback callback);

  // Sends everything accepted so far without waiting for linger and returns once all of it is
  // settled and delivered. kTimeout when `timeout` (injected clock) passes first.
  Status flush(std::chrono::milliseconds timeout);
  // flush(timeout), then stops the threads. Records still unsettled then (the flush timed out)
  // fail with code "ProducerClosed". Idempotent. kTimeout when the flush did not finish.
  Status close(std::chrono::milliseconds timeout);

  [[nodiscard]] ProducerCounters counters() const;
  [[nodiscard]] std::size_t buffered_bytes() const;

 private:
  struct Completion {
    std::optional<std::promise<RecordOutcome>> promise;
    OutcomeCallback callback;
  };

  Producer(std::unique_ptr<ProducerPipeline> pipeline, PutRecordsSender& sender, Clock& clock);
  Result<RecordId> submit(UserRecord record, Completion completion);
  void run(std::stop_token stop);
  // Takes the pipeline's outcomes and delivers them with the lock released.
  void deliver(std::unique_lock<std::mutex>& lock);
  void wait_slice(std::unique_lock<std::mutex>& lock, std::chrono::nanoseconds at_most);

  PutRecordsSender& sender_;
  Clock& clock_;
  StreamRef stream_;

  mutable std::mutex mutex_;
  std::condition_variable_any changed_;  // for put() and flush(): answers, deliveries, closing
  std::condition_variable_any work_;     // for the sender threads: records, answers, flushes, a new map
  std::unique_ptr<ProducerPipeline> pipeline_;              // GUARDED_BY(mutex_)
  std::unordered_map<RecordId, Completion> completions_;    // GUARDED_BY(mutex_)
  std::size_t delivering_ = 0;                              // GUARDED_BY(mutex_): taken, not yet delivered
  std::size_t unseen_records_ = 0;  // GUARDED_BY(mutex_): submitted since a sender last looked (submit())
  std::size_t unseen_bytes_ = 0;    // GUARDED_BY(mutex_)
  bool closed_ = false;                                     // GUARDED_BY(mutex_)
  bool running_ = false;                                    // GUARDED_BY(mutex_): threads alive
  std::mutex close_mutex_;                                  // serialises close()
  std::vector<std::jthread> threads_;                       // started in start(), joined in close()
};

}  // namespace kwb::kinesis::producer
