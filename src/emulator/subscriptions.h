#pragma once
// Enhanced fan-out: pushes SubscribeToShard events to subscribers as records arrive.
//
// Each subscription is an http::BodySource the HTTP server streams (chunked, HTTP/1.1). Its first
// piece is the initial-response event, sent as soon as the server asks; its second is a
// SubscribeToShardEvent with whatever the shard holds after the starting position (possibly no
// records, so the client learns a ContinuationSequenceNumber at once). After that an event goes
// out when records arrive, when a heartbeat is due (an empty event, as Kinesis sends to a quiet
// subscriber), or when the shard is closed and read to its end (the event carries ChildShards and
// ends the stream). The stream also ends when the subscription's lifetime (5 minutes on AWS) is
// over, or with an exception event (ResourceInUseException once a newer subscription takes over,
// ResourceNotFoundException once the consumer or stream is gone).
//
// Waking: the engine tells the hub about every committed append (AppendListener); the hub marks
// the subscriptions of that shard and its one thread reads them at once, so a record reaches its
// subscribers within the time of one engine read and one socket write. Nothing polls. Heartbeats
// and lifetimes are measured on the injected Clock; with a ManualClock, call poke() after
// advancing it.
//
// Memory: the server asks for the next event only once the previous one is written, so a slow
// subscriber holds at most one event, of at most max_event_bytes of records (or one record).
//
// Ownership: owned by the Backend, which wires it to every engine. Engines must outlive the hub's
// use of them: Backend calls shutdown() before destroying its engines. The HTTP server streaming
// a subscription must be stopped before the hub is destroyed.
// Thread safety: every public method may be called from any thread.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "emulator/engine.h"
#include "http/message.h"

namespace kwb::emulator {

struct SubscriptionLimits {
  std::chrono::milliseconds lifetime{5 * 60 * 1000};  // AWS: 5 minutes
  std::chrono::milliseconds heartbeat{5000};          // an empty event after this long without one
  std::size_t max_event_bytes = 1024 * 1024;          // records (keys + data) per event
};

// What the hub has done, for tests (open subscriptions, events and records pushed).
struct SubscriptionStats {
  std::size_t open = 0;
  std::uint64_t events = 0;
  std::uint64_t records = 0;
};

class SubscriptionHub final : public AppendListener {
 public:
  SubscriptionHub(Clock& clock, SubscriptionLimits limits) : clock_(clock), limits_(limits) {}
  ~SubscriptionHub() override { shutdown(); }
  SubscriptionHub(const SubscriptionHub&) = delete;
  SubscriptionHub& operator=(const SubscriptionHub&) = delete;

  // Starts pushing from the cursor (see Engine::start_subscription). The returned source is what
  // the server streams; encrypted marks records with EncryptionType KMS.
  std::shared_ptr<http::BodySource> open(Engine& engine, SubscriptionCursor cursor, bool encrypted);

  void appended(const Engine& engine, const std::string& stream_name, std::uint32_t shard_index) override;
  // Re-checks lifetimes and heartbeats now (the injected clock moved).
  void poke();
  // Ends every subscription (no further pieces) and stops the thread. Idempotent.
  void shutdown();
  [[nodiscard]] SubscriptionStats stats() const;

 private:
  class Subscription;
  using SteadyTime = std::chrono::steady_clock::time_point;

  void run();
  void on_pull(Subscription& subscription, http::BodySource::Deliver deliver);
  void on_cancel(Subscription& subscription);
  // Builds the next piece for a subscription the hub thread took; nullopt when there is nothing to
  // send yet. Runs without mutex_ (it reads the engine).
  struct Piece {
    std::string bytes;
    bool last = false;
    std::uint64_t records = 0;
  };
  std::optional<Piece> produce(Subscription& subscription, bool first, bool heartbeat_due, bool expired);

  Clock& clock_;
  const SubscriptionLimits limits_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::shared_ptr<Subscription>> open_;  // GUARDED_BY(mutex_)
  bool stopping_ = false;                            // GUARDED_BY(mutex_)
  std::uint64_t events_ = 0;                         // GUARDED_BY(mutex_)
  std::uint64_t records_ = 0;                        // GUARDED_BY(mutex_)
  std::thread thread_;  // started by the first open(); GUARDED_BY(mutex_)
};

// The event-stream frames of SubscribeToShard (core/event_stream.h framing, JSON payloads).
std::string initial_response_frame();
std::string exception_frame(const Error& error);

}  // namespace kwb::emulator
