#include "emulator/subscriptions.h"

#include <algorithm>

#include "core/event_stream.h"
#include "emulator/json_writer.h"
#include "emulator/record_json.h"

namespace kwb::emulator {

namespace {

constexpr std::string_view kJson = "application/json";

std::string event_frame(std::string_view event_type, std::string payload) {
  eventstream::Message message;
  message.headers = {{":message-type", "event"}, {":event-type", std::string(event_type)}, {":content-type", std::string(kJson)}};
  message.payload = std::move(payload);
  return eventstream::encode(message);
}

}  // namespace

std::string initial_response_frame() { return event_frame("initial-response", "{}"); }

std::string exception_frame(const Error& error) {
  std::string payload;
  JsonWriter json(payload);
  json.begin_object();
  json.field("message", error.message);
  json.end_object();
  eventstream::Message message;
  message.headers = {{":message-type", "exception"}, {":exception-type", error.code}, {":content-type", std::string(kJson)}};
  message.payload = std::move(payload);
  return eventstream::encode(message);
}

// The state of one subscription. Fields marked hub are GUARDED_BY(hub.mutex_); the cursor is
// used only by the thread that holds the subscription's turn (the hub thread, once `taken`).
class SubscriptionHub::Subscription final : public http::BodySource {
 public:
  Subscription(SubscriptionHub& hub, Engine& engine, SubscriptionCursor cursor, bool encrypted, SteadyTime now)
      : hub_(hub), engine_(engine), cursor_(std::move(cursor)), encrypted_(encrypted),
        expires_(now + hub.limits_.lifetime), next_heartbeat_(now + hub.limits_.heartbeat) {}

  void pull(Deliver deliver) override { hub_.on_pull(*this, std::move(deliver)); }
  void cancel() override { hub_.on_cancel(*this); }

 private:
  friend class SubscriptionHub;
  enum class Phase { kInitial, kFirstEvent, kStreaming, kDone };

  SubscriptionHub& hub_;
  Engine& engine_;
  SubscriptionCursor cursor_;
  const bool encrypted_;
  // hub:
  Deliver pending_;             // set while the server waits for a piece
  Phase phase_ = Phase::kInitial;
  bool dirty_ = true;           // records may have arrived since the last read
  bool taken_ = false;          // the hub thread is producing its piece
  SteadyTime expires_;
  SteadyTime next_heartbeat_;
};

std::shared_ptr<http::BodySource> SubscriptionHub::open(Engine& engine, SubscriptionCursor cursor, bool encrypted) {
  auto subscription = std::make_shared<Subscription>(*this, engine, std::move(cursor), encrypted, clock_.steady_now());
  std::lock_guard lock(mutex_);
  if (stopping_) {
    subscription->phase_ = Subscription::Phase::kDone;
    return subscription;
  }
  open_.push_back(subscription);
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
  return subscription;
}

void SubscriptionHub::on_pull(Subscription& subscription, http::BodySource::Deliver deliver) {
  std::unique_lock lock(mutex_);
  switch (subscription.phase_) {
    case Subscription::Phase::kInitial:
      // Needs no engine read: answer on the caller's thread.
      subscription.phase_ = Subscription::Phase::kFirstEvent;
      lock.unlock();
      deliver(initial_response_frame(), false);
      return;
    case Subscription::Phase::kDone:
      lock.unlock();
      deliver({}, true);
      return;
    case Subscription::Phase::kFirstEvent:
    case Subscription::Phase::kStreaming:
      subscription.pending_ = std::move(deliver);
      wake_.notify_all();
      return;
  }
}

void SubscriptionHub::on_cancel(Subscription& subscription) {
  std::lock_guard lock(mutex_);
  subscription.phase_ = Subscription::Phase::kDone;
  subscription.pending_ = nullptr;
  std::erase_if(open_, [&](const auto& held) { return held.get() == &subscription; });
}

void SubscriptionHub::appended(const Engine& engine, const std::string& stream_name, std::uint32_t shard_index) {
  std::lock_guard lock(mutex_);
  bool any = false;
  for (auto& subscription : open_) {
    if (&subscription->engine_ == &engine && subscription->cursor_.shard_index == shard_index &&
        subscription->cursor_.stream_name == stream_name) {
      subscription->dirty_ = true;
      any = true;
    }
  }
  if (any) wake_.notify_all();
}

void SubscriptionHub::poke() {
  std::lock_guard lock(mutex_);
  wake_.notify_all();
}

void SubscriptionHub::shutdown() {
  std::thread thread;
  std::vector<std::shared_ptr<Subscription>> ended;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (auto& subscription : open_) subscription->phase_ = Subscription::Phase::kDone;
    ended.swap(open_);
    thread.swap(thread_);
    wake_.notify_all();
  }
  if (thread.joinable()) thread.join();
  // Subscriptions still held by a server end their body when next pulled (Phase::kDone).
  for (auto& subscription : ended) {
    http::BodySource::Deliver pending;
    {
      std::lock_guard lock(mutex_);
      pending = std::move(subscription->pending_);
      subscription->pending_ = nullptr;
    }
    if (pending) pending({}, true);
  }
}

SubscriptionStats SubscriptionHub::stats() const {
  std::lock_guard lock(mutex_);
  return SubscriptionStats{open_.size(), events_, records_};
}

std::optional<SubscriptionHub::Piece> SubscriptionHub::produce(Subscription& subscription, bool first,
                                                               bool heartbeat_due, bool expired) {
  if (expired) return Piece{{}, true, 0};  // the 5-minute lifetime is over: the stream completes
  std::string payload;
  JsonWriter json(payload);
  json.begin_object();
  json.key("Records");
  json.begin_array();
  JsonRecordSink sink(json, subscription.encrypted_);
  auto read = subscription.engine_.read_subscription(subscription.cursor_, limits_.max_event_bytes, sink);
  if (!read) return Piece{exception_frame(read.error()), true, 0};
  json.end_array();
  if (read->records == 0 && !first && !heartbeat_due && !read->shard_ended) return std::nullopt;
  if (!read->shard_ended) {
    json.key("ContinuationSequenceNumber");
    json.raw_string(read->continuation_sequence);
  }
  json.field_int("MillisBehindLatest", read->millis_behind_latest);
  if (read->shard_ended) write_child_shards(json, read->child_shards);
  json.end_object();
  return Piece{event_frame("SubscribeToShardEvent", std::move(payload)), read->shard_ended, read->records};
}

void SubscriptionHub::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const SteadyTime now = clock_.steady_now();
    SteadyTime next_wake = now + limits_.heartbeat;
    struct Turn {
      std::shared_ptr<Subscription> subscription;
      http::BodySource::Deliver deliver;
      bool first, heartbeat_due, expired;
    };
    std::vector<Turn> turns;
    for (auto& subscription : open_) {
      if (!subscription->pending_ || subscription->taken_) continue;
      const bool first = subscription->phase_ == Subscription::Phase::kFirstEvent;
      const bool heartbeat_due = now >= subscription->next_heartbeat_;
      const bool expired = now >= subscription->expires_;
      if (first || heartbeat_due || expired || subscription->dirty_) {
        subscription->dirty_ = false;
        subscription->taken_ = true;
        turns.push_back({subscription, std::move(subscription->pending_), first, heartbeat_due, expired});
        subscription->pending_ = nullptr;
      } else {
        next_wake = std::min({next_wake, subscription->next_heartbeat_, subscription->expires_});
      }
    }
    if (turns.empty()) {
      // Durations come from the injected clock; a ManualClock's owner pokes after advancing it.
      wake_.wait_for(lock, next_wake - now);
      continue;
    }
    lock.unlock();
    for (auto& turn : turns) {
      auto piece = produce(*turn.subscription, turn.first, turn.heartbeat_due, turn.expired);
      Subscription& s = *turn.subscription;
      if (!piece) {
        bool done = false;
        {
          std::lock_guard relock(mutex_);
          s.taken_ = false;
          // Nothing to send yet: wait again, unless it was cancelled or shut down meanwhile.
          done = s.phase_ == Subscription::Phase::kDone;
          if (!done) s.pending_ = std::move(turn.deliver);
        }
        if (done) turn.deliver({}, true);
        continue;
      }
      {
        std::lock_guard relock(mutex_);
        s.taken_ = false;
        if (s.phase_ == Subscription::Phase::kDone) {
          // Cancelled (the server ignores this) or shut down meanwhile (this ends the body).
          piece->bytes.clear();
          piece->last = true;
          piece->records = 0;
        } else {
          s.phase_ = piece->last ? Subscription::Phase::kDone : Subscription::Phase::kStreaming;
          s.next_heartbeat_ = clock_.steady_now() + limits_.heartbeat;
          // A full event may have left more behind: read again as soon as the server asks.
          if (piece->records > 0) s.dirty_ = true;
          ++events_;
          records_ += piece->records;
          if (piece->last) std::erase_if(open_, [&](const auto& held) { return held.get() == &s; });
        }
      }
      turn.deliver(std::move(piece->bytes), piece->last);
    }
    lock.lock();
  }
}

}  // namespace kwb::emulator
