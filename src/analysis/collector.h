#pragma once
// The collector: StreamSnapshots for a set of streams over a window, in as few calls as the APIs
// allow.
//
//   1. Which streams: the names given, every stream (ListStreams), or those with a tag k=v
//      (ListStreams + ListTagsForStream per stream).
//   2. Per stream: DescribeStreamSummary (mode, retention, encryption, enhanced monitoring,
//      consumer count), ListShards (open shards, for shard-level metrics) and ListTagsForStream
//      (per-tag thresholds). These run on at most max_parallel threads.
//   3. Metrics: every stream's metric/statistic pairs (snapshot.h) and, where enhanced monitoring
//      is on, the shard-level pairs, go to one MetricBatcher::fetch — so N streams × M metrics
//      take ⌈N·M / 500⌉ GetMetricData calls, not N·M.
//
// The period is chosen so that one query returns at most 1,440 datapoints (GetMetricData's
// per-query page size) and is one CloudWatch keeps at that age (60 s for 15 days, 300 s to
// 63 days, 3600 s beyond). The window end is floored to the period so that every series shares
// the same timestamps.
//
// Ownership: borrows the Kinesis and CloudWatch clients and the clock; they must outlive the
// collector. Thread-safe: collect() may be called concurrently; stats are per call.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "analysis/snapshot.h"
#include "cloudwatch/client.h"
#include "cloudwatch/metric_batcher.h"
#include "core/clock.h"
#include "core/result.h"
#include "kinesis/client.h"

namespace kwb::analysis {

struct StreamSelector {
  enum class Kind { kNames, kAll, kTag };
  Kind kind = Kind::kNames;
  std::vector<std::string> names;  // kNames
  std::string tag_key;             // kTag
  std::string tag_value;           // kTag

  static StreamSelector all() { return {Kind::kAll, {}, {}, {}}; }
  static StreamSelector by_names(std::vector<std::string> names) { return {Kind::kNames, std::move(names), {}, {}}; }
  static StreamSelector by_tag(std::string key, std::string value) {
    return {Kind::kTag, {}, std::move(key), std::move(value)};
  }
};

// "3h", "90m", "2d", "45s", "1w" → seconds. kInvalidInput naming --window otherwise.
Result<std::chrono::seconds> parse_window(const std::string& text);

// The smallest CloudWatch period (60, 300, 900, 3600, 21600, 86400 s) that keeps the window at
// ≤ 1,440 datapoints and that CloudWatch still has for data `age` old.
int choose_period(std::chrono::seconds window, std::chrono::seconds age = std::chrono::seconds(0));

struct CollectorOptions {
  int max_parallel = 8;  // Kinesis describe calls in flight; also the batcher's parallelism (≤ 64)
  std::optional<int> period_seconds;  // override choose_period
  std::size_t max_queries_per_request = 500;
};

struct CollectStats {
  int streams = 0;
  int kinesis_calls = 0;  // client calls made (a *_all call that pages counts once)
  int metric_queries = 0;
  int cloudwatch_requests = 0;  // GetMetricData calls, pages included
  int period_seconds = 0;
};

// The GetMetricData queries for these snapshots (configuration filled, metrics empty), with ids
// "s<stream>m<metric>" and "s<stream>h<shard>m<metric>". Exposed for tests and the bench.
std::vector<cloudwatch::MetricDataQuery> build_metric_queries(const std::vector<StreamSnapshot>& snapshots,
                                                              const std::vector<std::vector<std::string>>& open_shards,
                                                              int period_seconds);
// Puts each query's result into its snapshot's series, sorted by time.
void assign_metric_results(std::vector<StreamSnapshot>& snapshots,
                           const std::vector<std::vector<std::string>>& open_shards,
                           const cloudwatch::BatchedMetricData& data);

// How far a collect() has got, for callers that show progress: phase "describe" counts streams
// described, phase "metrics" counts GetMetricData batches fetched.
struct CollectProgress {
  std::string phase;  // "describe" | "metrics"
  int done = 0;
  int total = 0;
};
// Called from the collector's threads, one call at a time (the collector serialises them).
using CollectProgressCallback = std::function<void(const CollectProgress&)>;

class Collector {
 public:
  // REQUIRES: all three outlive the collector.
  Collector(kinesis::Client& kinesis, const cloudwatch::Client& cloudwatch, Clock& clock, CollectorOptions options = {});

  // With a progress callback the metric queries are fetched one batch at a time (so that "done"
  // moves), which gives up parallelism across batches; without one they go to one fetch.
  [[nodiscard]] Result<std::vector<StreamSnapshot>> collect(const StreamSelector& selector, std::chrono::seconds window,
                                                            CollectStats* stats = nullptr,
                                                            const CollectProgressCallback& progress = {}) const;

 private:
  Result<std::vector<std::string>> resolve(const StreamSelector& selector, CollectStats& stats) const;

  kinesis::Client& kinesis_;
  const cloudwatch::Client& cloudwatch_;
  Clock& clock_;
  CollectorOptions options_;
};

}  // namespace kwb::analysis
