#pragma once
// The streams API of `kwb serve`: Kinesis control-plane calls through kinesis::Client, recorded
// in aws_resources and audited.
//
//   GET    /api/streams               ListStreams merged with our rows
//   POST   /api/streams               CreateStream (+ retention), wait for ACTIVE (bounded) or 202;
//                                     idempotent: same name and parameters -> 200, else 409
//   GET    /api/streams/{name}        DescribeStreamSummary + ListShards + tags + our row
//   DELETE /api/streams/{name}        DeleteStream, row marked deleted
//   POST   /api/streams/{name}/scale  UpdateShardCount in steps of at most x2 (AWS's rule), waiting
//                                     for ACTIVE between steps
//   PUT    /api/streams/{name}/tags   replace the tag set
//
// Every AWS call is timed into Metrics by operation and outcome. Every write appends to the audit
// log, whatever its outcome, without secrets.
//
// GET /api/streams answers from a cache for up to `list_cache_ttl`, so a dashboard polling it (or a
// load test) costs one ListStreams per TTL, not one per request. Every stream write made through
// this service invalidates it, so a client sees its own writes at once; writes made elsewhere
// (another server, the console) show up within the TTL. The cached answer is kept serialised.
// When it expires, one request fetches its successor while the others keep getting the expired
// answer until that fetch ends (no burst of ListStreams calls from every waiting client).
//
// Waits hold an I/O thread, so at most `max_concurrent_waits` writes wait at once; the others
// answer 202 after one look, like a write whose wait ran out.
//
// A stream still CREATING (or UPDATING) when a write's bounded wait ends is finished by the
// refresher: a background thread, started by start_refresher(), that re-describes such rows and
// records them ACTIVE without anyone calling GET. It wakes when a write leaves a pending row and
// then every `refresh_interval` until no row is pending; at start it looks once for rows a
// previous process left pending.
//
// Ownership: borrows the client, store, metrics and clock; all must outlive it. Owns the
// refresher thread, joined by stop_refresher() or the destructor.
// Thread safety: every method may be called concurrently (the borrowed objects are thread-safe).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>

#include "core/clock.h"
#include "kinesis/client.h"
#include "server/api.h"
#include "server/metrics.h"
#include "store/store.h"

namespace kwb::server {

struct StreamsOptions {
  std::string region;  // for the rows
  std::chrono::milliseconds wait_timeout{30000};  // how long writes wait for ACTIVE
  // How many writes may wait for ACTIVE at once. A wait holds one of the server's I/O threads (on
  // real AWS a CreateStream takes tens of seconds), so past this many the write answers 202 after
  // one look and the refresher finishes it: /healthz, reads and sign-ins keep threads to run on.
  int max_concurrent_waits = 4;
  std::chrono::milliseconds list_cache_ttl{2000};  // 0 turns the GET /api/streams cache off
  std::chrono::milliseconds refresh_interval{1000};  // how often the refresher re-describes pending rows
};

class StreamsService {
 public:
  StreamsService(kinesis::Client& client, store::Store& store, Metrics& metrics, Clock& clock, StreamsOptions options);
  ~StreamsService();
  StreamsService(const StreamsService&) = delete;
  StreamsService& operator=(const StreamsService&) = delete;

  // Starts the background refresher (see the header comment). Call once.
  void start_refresher();
  // Stops and joins it; idempotent.
  void stop_refresher();
  // Drops the cached GET /api/streams answer; for writes made by other services of this server.
  void invalidate_list_cache();
  // ListStreams merged with the rows; on success also copies the serialised body to *body_for_cache.
  http::Response list_uncached(std::string* body_for_cache);

  http::Response list(RequestContext& context);
  http::Response create(RequestContext& context);
  http::Response get(RequestContext& context);
  http::Response remove(RequestContext& context);
  http::Response scale(RequestContext& context);
  http::Response put_tags(RequestContext& context);

  // The work of POST /api/streams/{name}/scale once the target is parsed: UpdateShardCount in
  // steps of at most x2, waiting for ACTIVE between them, recorded and audited as "stream.scale".
  http::Response scale_to(RequestContext& context, const std::string& name, std::int64_t target);

  // One pass of the refresher: re-describes every pending row of this region and records those
  // now ACTIVE. Returns how many rows are still pending. Exposed for tests.
  Result<int> refresh_pending_once();

 private:
  // Runs one AWS call, recording its latency and outcome.
  template <typename F>
  auto timed(const char* operation, F&& call) -> decltype(call());

  Result<std::map<std::string, std::string>> current_tags(const std::string& name);
  Result<store::AwsResource> record(const kinesis::StreamSummary& summary, const std::map<std::string, std::string>& tags,
                                    const std::string& actor);
  void audit(const RequestContext& context, const std::string& action, const std::string& target, const Error* error,
             nlohmann::json detail = nullptr);

  // The handlers proper; the public ones wrap them with cache invalidation.
  http::Response create_stream(RequestContext& context);
  http::Response remove_stream(RequestContext& context);
  http::Response put_stream_tags(RequestContext& context);
  http::Response scale_stream(RequestContext& context, const std::string& name, std::int64_t target_count);

  // Marks the refresher's work as waiting and wakes it.
  void wake_refresher();
  void refresher_loop(std::stop_token stop);

  kinesis::Client& client_;
  store::Store& store_;
  Metrics& metrics_;
  Clock& clock_;
  StreamsOptions options_;

  std::atomic<int> waits_in_progress_{0};
  std::mutex cache_mutex_;
  std::optional<std::string> cached_list_;                  // GUARDED_BY(cache_mutex_); the serialised body
  bool list_refresh_running_ = false;                       // GUARDED_BY(cache_mutex_)
  std::chrono::steady_clock::time_point cached_until_{};    // GUARDED_BY(cache_mutex_)
  std::uint64_t cache_generation_ = 0;                      // GUARDED_BY(cache_mutex_); bumped by writes

  std::mutex refresh_mutex_;
  std::condition_variable_any refresh_wake_;
  bool refresh_pending_ = true;  // GUARDED_BY(refresh_mutex_); true at start: look for leftovers
  std::jthread refresher_;
};

// Tags in a request body: an object of string values, at most 50, keys 1..128 and values
// 0..256 characters. kInvalidInput naming `field`.
Result<std::map<std::string, std::string>> parse_tags(const nlohmann::json& value, const std::string& field);

// The x2 rule as a plan: the shard counts to pass to UpdateShardCount, in order, to go from
// `current` to `target` (empty when equal).
std::vector<int> scaling_steps(int current, int target);

}  // namespace kwb::server
