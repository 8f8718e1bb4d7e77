#pragma once
// The analysis API of `kwb serve`: kwb::analysis (collector, rules, optional LLM, sizing, alarms)
// behind REST routes, with the runs kept in the store's `analyses` table.
//
//   POST /api/analyses                   queue an analysis -> 202 {id, status, progress}; 429 when
//                                        the queue is full
//   GET  /api/analyses                   history, newest first (?limit=, default 50)
//   GET  /api/analyses/{id}              one run with progress and, once succeeded, the report
//                                        (the JSON `kwb analyze --output json` prints)
//   POST /api/analyses/{id}/apply        {"stream","action":"scale"|"alarms"}: the first
//                                        UpdateShardCount step of the stream's sizing, or its
//                                        recommended alarms
//   POST /api/streams/{name}/alarms      the recommended alarms of one stream (dry_run or applied)
//   GET  /api/streams/{name}/metrics     chart series for one stream (?window=1h)
//   GET  /api/alarms                     DescribeAlarms with prefix kwb- (?stream= narrows it)
//
// Runs go through a bounded job runner: `workers` threads take queued runs in order; at most
// `queue_limit` runs wait. A run records its progress (describe: streams described; metrics:
// GetMetricData batches fetched; analyze; done) as it goes, so GET shows it moving. start() marks
// runs a previous process left queued or running as failed: their worker died with it.
//
// Every write (create, apply, alarms applied) is audited with its outcome.
//
// Ownership: borrows the clients, store, streams service, metrics, clock and random (must outlive
// it); owns the worker threads, joined by stop() or the destructor.
// Thread safety: every handler may be called concurrently from the server threads.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "analysis/collector.h"
#include "analysis/router.h"
#include "cloudwatch/client.h"
#include "core/clock.h"
#include "core/random.h"
#include "kinesis/client.h"
#include "server/api.h"
#include "server/metrics.h"
#include "server/streams_service.h"
#include "store/store.h"

namespace kwb::server {

struct AnalysesOptions {
  int workers = 1;              // runs in parallel (1..2 is plenty: each run is itself parallel)
  std::size_t queue_limit = 8;  // runs waiting beyond this answer 429
  int collector_parallel = 8;   // Kinesis/CloudWatch calls in flight per run
  analysis::RouterOptions router;
};

// A POST /api/analyses body, validated. kInvalidInput naming the offending field.
struct AnalysisRequest {
  analysis::StreamSelector selector;
  std::string window_text = "3h";
  std::chrono::seconds window{3 * 3600};
  analysis::AnalyzerChoice analyzer = analysis::AnalyzerChoice::kAuto;
  nlohmann::json as_json;  // what is stored as the row's request
};
Result<AnalysisRequest> parse_analysis_request(const nlohmann::json& body);

// "1h" -> seconds, within [15 minutes, 14 days]; kInvalidInput naming `field` otherwise.
Result<std::chrono::seconds> parse_bounded_window(const std::string& text, const std::string& field);

// A recommended alarm back from its report JSON (analysis::to_json(MetricAlarm)).
Result<cloudwatch::MetricAlarm> alarm_from_json(const nlohmann::json& value);

class AnalysesService {
 public:
  // llm may be null. REQUIRES: every borrowed object outlives the service.
  AnalysesService(kinesis::Client& kinesis, const cloudwatch::Client& cloudwatch, store::Store& store,
                  StreamsService& streams, Metrics& metrics, Clock& clock, Random& random, analysis::LlmAnalyzer* llm,
                  AnalysesOptions options);
  ~AnalysesService();
  AnalysesService(const AnalysesService&) = delete;
  AnalysesService& operator=(const AnalysesService&) = delete;

  // Fails leftover runs and starts the workers. Call once.
  [[nodiscard]] Status start();
  // Stops taking runs, lets running ones finish, joins the workers; queued runs are marked failed.
  void stop();

  http::Response create(RequestContext& context);
  http::Response list(RequestContext& context);
  http::Response get(RequestContext& context);
  http::Response apply(RequestContext& context);
  http::Response stream_alarms(RequestContext& context);
  http::Response stream_metrics(RequestContext& context);
  http::Response list_alarms(RequestContext& context);

 private:
  struct Job {
    std::string id;
    AnalysisRequest request;
    std::string actor;
  };

  void worker_loop(std::stop_token stop);
  void run(const Job& job);
  std::string new_id();
  void audit(const std::string& actor, const std::string& request_id, const std::string& action,
             const std::string& target, const Error* error, nlohmann::json detail = nullptr);

  kinesis::Client& kinesis_;
  const cloudwatch::Client& cloudwatch_;
  store::Store& store_;
  StreamsService& streams_;
  Metrics& metrics_;
  Clock& clock_;
  Random& random_;
  AnalysesOptions options_;
  analysis::Router router_;

  std::mutex random_mutex_;  // Random is not required to be thread-safe

  std::mutex queue_mutex_;
  std::condition_variable_any queue_wake_;
  std::deque<Job> queue_;   // GUARDED_BY(queue_mutex_)
  bool accepting_ = false;  // GUARDED_BY(queue_mutex_)
  std::vector<std::jthread> workers_;
};

}  // namespace kwb::server
