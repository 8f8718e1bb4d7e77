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
// Ownership: borrows the client, store, metrics and clock; all must outlive it.
// Thread safety: every method may be called concurrently (the borrowed objects are thread-safe).

#include <chrono>
#include <map>
#include <string>

#include "core/clock.h"
#include "kinesis/client.h"
#include "server/api.h"
#include "server/metrics.h"
#include "store/store.h"

namespace kwb::server {

struct StreamsOptions {
  std::string region;  // for the rows
  std::chrono::milliseconds wait_timeout{30000};  // how long writes wait for ACTIVE
};

class StreamsService {
 public:
  StreamsService(kinesis::Client& client, store::Store& store, Metrics& metrics, Clock& clock, StreamsOptions options);

  http::Response list(RequestContext& context);
  http::Response create(RequestContext& context);
  http::Response get(RequestContext& context);
  http::Response remove(RequestContext& context);
  http::Response scale(RequestContext& context);
  http::Response put_tags(RequestContext& context);

 private:
  // Runs one AWS call, recording its latency and outcome.
  template <typename F>
  auto timed(const char* operation, F&& call) -> decltype(call());

  Result<std::map<std::string, std::string>> current_tags(const std::string& name);
  Result<store::AwsResource> record(const kinesis::StreamSummary& summary, const std::map<std::string, std::string>& tags,
                                    const std::string& actor);
  void audit(const RequestContext& context, const std::string& action, const std::string& target, const Error* error,
             nlohmann::json detail = nullptr);

  kinesis::Client& client_;
  store::Store& store_;
  Metrics& metrics_;
  Clock& clock_;
  StreamsOptions options_;
};

// Tags in a request body: an object of string values, at most 50, keys 1..128 and values
// 0..256 characters. kInvalidInput naming `field`.
Result<std::map<std::string, std::string>> parse_tags(const nlohmann::json& value, const std::string& field);

// The x2 rule as a plan: the shard counts to pass to UpdateShardCount, in order, to go from
// `current` to `target` (empty when equal).
std::vector<int> scaling_steps(int current, int target);

}  // namespace kwb::server
