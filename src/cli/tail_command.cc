// `kwb tail STREAM`: follow every shard of a stream and print its records.
//
// One thread reads the shards round-robin: at most one GetRecords per shard per round, and at
// least 200 ms per round, which keeps within Kinesis's 5 reads per second per shard. Resharding is
// followed in order: a closed shard's children (from ChildShards, or from ListShards for services
// that do not send them) start only after every parent has been read to its end, so records of a
// partition key come out in the order they were written.
//
// --max-records and --timeout bound the run (scripts and tests rely on both). Reaching either is a
// normal end (exit 0); Ctrl-C ends with exit 130.
//
// --enhanced-fan-out reads with SubscribeToShard instead: it registers the consumer (or reuses one
// of that name), then one thread per shard holds a subscription and prints records as they are
// pushed, renewing it from the last ContinuationSequenceNumber when it ends (every 5 minutes on
// AWS). Children of a closed shard start once all their parents have ended, as above. A stop
// (--max-records, --timeout, Ctrl-C) reaches every subscription within about a second (libcurl's
// progress callback), even one that is idle.

#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <set>
#include <thread>

#include "cli/commands.h"
#include "cli/context.h"
#include "core/encoding.h"

namespace kwb::cli {

namespace {

using nlohmann::json;
using std::chrono::milliseconds;

struct TailOptions {
  std::string stream;
  std::string from = "latest";
  long long max_records = 0;  // 0: unlimited
  double timeout_seconds = 0;  // 0: until interrupted
  int poll_interval_ms = 1000;
  bool enhanced_fan_out = false;
  std::string consumer_name = "kwb-tail";
};

struct StartPosition {
  kinesis::ShardIteratorType type = kinesis::ShardIteratorType::kLatest;
  std::optional<SystemTimePoint> timestamp;
};

Result<StartPosition> parse_from(const std::string& text) {
  if (text == "latest") return StartPosition{kinesis::ShardIteratorType::kLatest, std::nullopt};
  if (text == "trim-horizon") return StartPosition{kinesis::ShardIteratorType::kTrimHorizon, std::nullopt};
  SystemTimePoint time;
  if (parse_iso8601(text, time)) return StartPosition{kinesis::ShardIteratorType::kAtTimestamp, time};
  return Error::invalid_input("--from", "--from must be latest, trim-horizon or an ISO 8601 time such as "
                                        "2024-05-01T12:00:00Z, got '" + text + "'");
}

void print_record(Context& context, const ShardId& shard_id, const kinesis::Record& record) {
  if (context.output() == OutputFormat::kJson) {
    print_json_line(context.out(), {{"shard_id", shard_id.str()},
                                    {"sequence_number", record.sequence_number},
                                    {"partition_key", record.partition_key},
                                    {"arrival", time_json(record.approximate_arrival_timestamp)},
                                    {"data", record.data},
                                    {"data_base64", base64_encode(record.data)}});
  } else {
    context.out() << record.data << '\n';
  }
}

struct Reader {
  ShardId shard_id;
  std::string iterator;
  std::optional<std::string> last_sequence;
  StartPosition start;
};

class Tailer {
 public:
  Tailer(kinesis::Client& client, kinesis::StreamRef stream, const TailOptions& options, StartPosition start,
         Context& context)
      : client_(client), stream_(std::move(stream)), options_(options), start_(start), context_(context) {}

  Status run() {
    const auto started = context_.clock().steady_now();
    if (options_.timeout_seconds > 0) {
      deadline_ = started + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                std::chrono::duration<double>(options_.timeout_seconds));
    }
    auto shards = client_.list_all_shards(stream_);
    if (!shards) return context_.stream_error(shards.error(), stream_);
    shards_ = std::move(*shards);
    std::set<std::string> known;
    for (const auto& shard : shards_) known.insert(shard.shard_id.str());
    for (const auto& shard : shards_) {
      bool start_here;
      if (start_.type == kinesis::ShardIteratorType::kLatest) {
        start_here = shard.is_open();
      } else {
        // Roots: shards whose parents have aged out of the stream (or never existed).
        start_here = !(shard.parent_shard_id && known.contains(shard.parent_shard_id->str())) &&
                     !(shard.adjacent_parent_shard_id && known.contains(shard.adjacent_parent_shard_id->str()));
      }
      if (start_here) KWB_RETURN_IF_ERROR(start_reader(shard.shard_id, start_));
    }

    while (!readers_.empty()) {
      if (Context::interrupted().load()) return Error::cancelled("interrupted");
      if (expired()) return ok_status();
      bool got_records = false;
      // Readers added during the round (children) wait for the next round.
      const std::size_t count = readers_.size();
      std::vector<Reader> next_round;
      for (std::size_t i = 0; i < count; ++i) {
        Reader reader = std::move(readers_.front());
        readers_.pop_front();
        auto result = read_once(reader, got_records);
        if (!result) return result.error();
        if (done()) return ok_status();
        if (*result) next_round.push_back(std::move(reader));
        if (expired()) return ok_status();
      }
      for (auto& reader : next_round) readers_.push_back(std::move(reader));
      context_.out().flush();
      if (readers_.empty()) break;
      milliseconds pause = got_records ? milliseconds(200) : milliseconds(options_.poll_interval_ms);
      if (deadline_) {
        auto left = std::chrono::duration_cast<milliseconds>(*deadline_ - context_.clock().steady_now());
        pause = std::max(milliseconds(0), std::min(pause, left));
      }
      context_.clock().sleep_for(pause);
    }
    return ok_status();
  }

 private:
  [[nodiscard]] bool done() const {
    return options_.max_records > 0 && printed_ >= static_cast<std::size_t>(options_.max_records);
  }
  [[nodiscard]] bool expired() const { return deadline_ && context_.clock().steady_now() >= *deadline_; }

  Status start_reader(const ShardId& shard_id, const StartPosition& start) {
    if (!started_.insert(shard_id.str()).second) return ok_status();
    Reader reader{shard_id, "", std::nullopt, start};
    KWB_RETURN_IF_ERROR(renew_iterator(reader));
    readers_.push_back(std::move(reader));
    return ok_status();
  }

  // A fresh iterator: after the last record seen, or at the reader's start position.
  Status renew_iterator(Reader& reader) {
    kinesis::GetShardIteratorRequest request;
    request.stream = stream_;
    request.shard_id = reader.shard_id;
    if (reader.last_sequence) {
      request.type = kinesis::ShardIteratorType::kAfterSequenceNumber;
      request.starting_sequence_number = reader.last_sequence;
    } else {
      request.type = reader.start.type;
      request.timestamp = reader.start.timestamp;
    }
    auto iterator = client_.get_shard_iterator(request);
    if (!iterator) return context_.stream_error(iterator.error(), stream_);
    reader.iterator = iterator->shard_iterator;
    return ok_status();
  }

  // Returns true while the shard stays open, false once it is fully read.
  Result<bool> read_once(Reader& reader, bool& got_records) {
    kinesis::GetRecordsRequest request;
    request.shard_iterator = reader.iterator;
    if (options_.max_records > 0) {
      request.limit = static_cast<int>(std::min<long long>(10000, options_.max_records - static_cast<long long>(printed_)));
    }
    auto response = client_.get_records(request);
    if (!response) {
      if (response.error().kind == ErrorKind::kExpiredIterator) {
        KWB_RETURN_IF_ERROR(renew_iterator(reader));
        return true;
      }
      return context_.stream_error(response.error(), stream_);
    }
    for (const auto& record : response->records) {
      if (done()) break;
      print(reader.shard_id, record);
      reader.last_sequence = record.sequence_number;
      got_records = true;
    }
    if (response->next_shard_iterator) {
      reader.iterator = *response->next_shard_iterator;
      return true;
    }
    finished_.insert(reader.shard_id.str());
    KWB_RETURN_IF_ERROR(start_children(reader.shard_id, response->child_shards));
    return false;
  }

  Status start_children(const ShardId& parent, const std::vector<kinesis::ChildShard>& reported) {
    std::vector<std::pair<ShardId, std::vector<ShardId>>> children;
    for (const auto& child : reported) children.emplace_back(child.shard_id, child.parent_shards);
    if (children.empty()) {
      // Not every service sends ChildShards; the shard list names parents too.
      auto shards = client_.list_all_shards(stream_);
      if (!shards) return context_.stream_error(shards.error(), stream_);
      shards_ = std::move(*shards);
      for (const auto& shard : shards_) {
        std::vector<ShardId> parents;
        if (shard.parent_shard_id) parents.push_back(*shard.parent_shard_id);
        if (shard.adjacent_parent_shard_id) parents.push_back(*shard.adjacent_parent_shard_id);
        if (std::find(parents.begin(), parents.end(), parent) != parents.end()) {
          children.emplace_back(shard.shard_id, parents);
        }
      }
    }
    for (const auto& [child, parents] : children) {
      // A merged shard waits for both parents, so its keys stay in order.
      bool ready = std::all_of(parents.begin(), parents.end(),
                               [&](const ShardId& p) { return finished_.contains(p.str()) || !was_listed(p); });
      if (!ready) continue;
      StartPosition child_start = start_;
      if (child_start.type != kinesis::ShardIteratorType::kAtTimestamp) {
        child_start.type = kinesis::ShardIteratorType::kTrimHorizon;
      }
      KWB_RETURN_IF_ERROR(start_reader(child, child_start));
    }
    return ok_status();
  }

  [[nodiscard]] bool was_listed(const ShardId& shard_id) const {
    return std::any_of(shards_.begin(), shards_.end(), [&](const kinesis::Shard& s) { return s.shard_id == shard_id; });
  }

  void print(const ShardId& shard_id, const kinesis::Record& record) {
    ++printed_;
    print_record(context_, shard_id, record);
  }

  kinesis::Client& client_;
  kinesis::StreamRef stream_;
  const TailOptions& options_;
  StartPosition start_;
  Context& context_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  std::vector<kinesis::Shard> shards_;
  std::deque<Reader> readers_;
  std::set<std::string> started_;
  std::set<std::string> finished_;
  std::size_t printed_ = 0;
};

// ---- --enhanced-fan-out ----

// One subscription thread per shard being read; the calling thread waits for the end.
// Thread safety: everything shared is guarded by mutex_; output lines are written under it.
class FanOutTailer {
 public:
  FanOutTailer(kinesis::Client& client, kinesis::StreamRef stream, const TailOptions& options, StartPosition start,
               Context& context)
      : client_(client), stream_(std::move(stream)), options_(options), start_(start), context_(context) {}

  ~FanOutTailer() {
    stop();
    for (auto& thread : threads_) thread.join();
  }

  Status run() {
    const auto started = context_.clock().steady_now();
    std::optional<std::chrono::steady_clock::time_point> deadline;
    if (options_.timeout_seconds > 0) {
      deadline = started + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                               std::chrono::duration<double>(options_.timeout_seconds));
    }
    auto consumer = register_consumer(deadline);
    if (!consumer) return consumer.error();
    consumer_arn_ = *consumer;
    auto shards = client_.list_all_shards(stream_);
    if (!shards) return context_.stream_error(shards.error(), stream_);
    std::set<std::string> known;
    for (const auto& shard : *shards) known.insert(shard.shard_id.str());
    {
      std::lock_guard lock(mutex_);
      for (const auto& shard : *shards) {
        parents_[shard.shard_id.str()] = {};
        if (shard.parent_shard_id) parents_[shard.shard_id.str()].push_back(shard.parent_shard_id->str());
        if (shard.adjacent_parent_shard_id) parents_[shard.shard_id.str()].push_back(shard.adjacent_parent_shard_id->str());
        const bool start_here =
            start_.type == kinesis::ShardIteratorType::kLatest
                ? shard.is_open()
                : std::none_of(parents_[shard.shard_id.str()].begin(), parents_[shard.shard_id.str()].end(),
                               [&](const std::string& parent) { return known.contains(parent); });
        if (start_here) start_locked(shard.shard_id, start_);
      }
    }
    // Wait for the end: every shard read (closed streams), a stop condition or a failure.
    std::unique_lock lock(mutex_);
    for (;;) {
      if (Context::interrupted().load()) {
        stopping_ = true;
        failure_ = Error::cancelled("interrupted");
      }
      if (deadline && context_.clock().steady_now() >= *deadline) stopping_ = true;
      if (stopping_ || running_ == 0) break;
      changed_.wait_for(lock, milliseconds(200));
    }
    stopping_ = true;
    lock.unlock();
    context_.out().flush();
    for (auto& thread : threads_) thread.join();
    threads_.clear();
    lock.lock();
    if (failure_) return *failure_;
    return ok_status();
  }

 private:
  // Registers the consumer, or finds the one of that name; returns its ARN once ACTIVE.
  Result<std::string> register_consumer(std::optional<std::chrono::steady_clock::time_point> deadline) {
    auto summary = client_.describe_stream_summary(stream_);
    if (!summary) return context_.stream_error(summary.error(), stream_);
    auto registered = client_.register_stream_consumer(summary->stream_arn, options_.consumer_name);
    if (!registered && registered.error().kind != ErrorKind::kConflict) return registered.error();
    for (int attempt = 0;; ++attempt) {
      auto consumer = client_.describe_stream_consumer(summary->stream_arn, options_.consumer_name);
      if (!consumer) return consumer.error();
      if (consumer->consumer_status == "ACTIVE") return consumer->consumer_arn;
      if (consumer->consumer_status == "DELETING") {
        return Error::invalid_input("--consumer-name", "consumer " + options_.consumer_name + " is being deleted");
      }
      if (Context::interrupted().load()) return Error::cancelled("interrupted");
      if ((deadline && context_.clock().steady_now() >= *deadline) || attempt >= 600) {
        return Error::timeout("consumer " + options_.consumer_name + " did not become ACTIVE");
      }
      context_.clock().sleep_for(milliseconds(200));  // AWS takes seconds to activate a consumer
    }
  }

  void stop() {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    changed_.notify_all();
  }

  // REQUIRES: mutex_ held.
  void start_locked(const ShardId& shard_id, StartPosition start) {
    if (!started_.insert(shard_id.str()).second) return;
    ++running_;
    threads_.emplace_back([this, shard_id, start] { follow(shard_id, start); });
  }

  // Holds subscriptions to one shard until it ends or the run stops.
  void follow(const ShardId& shard_id, StartPosition start) {
    std::optional<std::string> continuation;
    std::vector<kinesis::ChildShard> children;
    bool ended = false;
    int refusals = 0;
    while (!ended && !stopping()) {
      kinesis::SubscribeToShardRequest request;
      request.consumer_arn = consumer_arn_;
      request.shard_id = shard_id;
      if (continuation) {
        request.starting_position.type = kinesis::ShardIteratorType::kAfterSequenceNumber;
        request.starting_position.sequence_number = continuation;
      } else {
        request.starting_position.type = start.type;
        request.starting_position.timestamp = start.timestamp;
      }
      Status status = client_.subscribe_to_shard(request, [&](const kinesis::SubscribeToShardEvent& event) {
        std::lock_guard lock(mutex_);
        for (const auto& record : event.records) {
          if (done_locked()) break;
          print_record(context_, shard_id, record);
          ++printed_;
        }
        if (!event.records.empty()) context_.out().flush();
        if (event.continuation_sequence_number) continuation = event.continuation_sequence_number;
        if (!event.child_shards.empty() || !event.continuation_sequence_number) {
          ended = true;
          children = event.child_shards;
        }
        if (done_locked()) stopping_ = true;
        changed_.notify_all();
        return !stopping_ && !ended;
      }, [this] { return !stopping(); });
      if (!status.ok()) {
        // The previous subscription of this consumer may still be within its 5 seconds.
        if (status.error().kind == ErrorKind::kConflict && ++refusals <= 10 && !stopping()) {
          context_.clock().sleep_for(milliseconds(1000));
          continue;
        }
        std::lock_guard lock(mutex_);
        if (!failure_) failure_ = context_.stream_error(status.error(), stream_);
        stopping_ = true;
        break;
      }
      refusals = 0;
    }
    std::lock_guard lock(mutex_);
    if (ended) {
      finished_.insert(shard_id.str());
      for (const auto& child : children) {
        std::vector<std::string>& parents = parents_[child.shard_id.str()];
        parents.clear();
        for (const auto& parent : child.parent_shards) parents.push_back(parent.str());
        // A merged shard waits for both parents, so its keys stay in order.
        const bool ready = std::all_of(parents.begin(), parents.end(), [&](const std::string& parent) {
          return finished_.contains(parent) || !started_.contains(parent);
        });
        StartPosition child_start = start_;
        if (child_start.type != kinesis::ShardIteratorType::kAtTimestamp) child_start.type = kinesis::ShardIteratorType::kTrimHorizon;
        if (ready && !stopping_) start_locked(child.shard_id, child_start);
      }
    }
    --running_;
    changed_.notify_all();
  }

  bool stopping() {
    std::lock_guard lock(mutex_);
    return stopping_;
  }
  // REQUIRES: mutex_ held.
  [[nodiscard]] bool done_locked() const {
    return options_.max_records > 0 && printed_ >= static_cast<std::size_t>(options_.max_records);
  }

  kinesis::Client& client_;
  const kinesis::StreamRef stream_;
  const TailOptions& options_;
  const StartPosition start_;
  Context& context_;
  std::string consumer_arn_;  // set before any thread starts

  std::mutex mutex_;
  std::condition_variable changed_;
  bool stopping_ = false;                                      // GUARDED_BY(mutex_)
  int running_ = 0;                                            // GUARDED_BY(mutex_)
  std::size_t printed_ = 0;                                    // GUARDED_BY(mutex_)
  std::optional<Error> failure_;                               // GUARDED_BY(mutex_)
  std::set<std::string> started_;                              // GUARDED_BY(mutex_)
  std::set<std::string> finished_;                             // GUARDED_BY(mutex_)
  std::map<std::string, std::vector<std::string>> parents_;    // GUARDED_BY(mutex_)
  std::vector<std::thread> threads_;  // started under mutex_; joined by run() and the destructor
};

Status run_tail(const TailOptions& options, Context& context) {
  kinesis::StreamRef stream = kinesis::StreamRef::parse(options.stream);
  KWB_RETURN_IF_ERROR(kinesis::validate_stream_ref(stream));
  auto start = parse_from(options.from);
  if (!start) return start.error();
  auto client = context.kinesis();
  if (!client) return client.error();
  if (options.enhanced_fan_out) {
    FanOutTailer tailer(**client, stream, options, *start, context);
    return tailer.run();
  }
  Tailer tailer(**client, stream, options, *start, context);
  return tailer.run();
}

}  // namespace

void register_tail_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<TailOptions>();
  CLI::App* tail = app.add_subcommand("tail", "Follow every shard of a stream and print records, one per line");
  tail->add_option("stream", options->stream, "stream name or ARN")->required();
  tail->add_option("--from", options->from, "latest (default), trim-horizon, or an ISO 8601 time");
  tail->add_option("--max-records", options->max_records, "stop after N records (default: no limit)")
      ->check(CLI::Range(0LL, 1000000000LL));
  tail->add_option("--timeout", options->timeout_seconds, "stop after SECONDS (default: run until Ctrl-C)")
      ->check(CLI::Range(0.0, 31536000.0));
  tail->add_option("--poll-interval", options->poll_interval_ms, "milliseconds between polls of idle shards (default 1000)")
      ->check(CLI::Range(200, 60000));
  tail->add_flag("--enhanced-fan-out", options->enhanced_fan_out,
                 "read with SubscribeToShard (records pushed, ~70 ms on AWS) as a registered consumer instead of "
                 "polling GetRecords; the consumer is registered if needed and left registered");
  tail->add_option("--consumer-name", options->consumer_name,
                   "with --enhanced-fan-out: the consumer to register or reuse (default kwb-tail)");
  tail->callback([options, &context] { context.set_action([options, &context] { return run_tail(*options, context); }); });
}

}  // namespace kwb::cli
