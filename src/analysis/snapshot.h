#pragma once
// StreamSnapshot: everything the analyzers know about one stream over one window — the stream's
// configuration (from DescribeStreamSummary / ListShards) and its AWS/Kinesis metric series (from
// GetMetricData). The collector (collector.h) builds snapshots from the network; tests build them
// by hand. Rules, sizing and alarms are pure functions of a snapshot, so every rule can be tested
// without a network.
//
// Plain data; safe to copy between threads.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"

namespace kwb::analysis {

// AWS/Kinesis metric names, as CloudWatch spells them.
namespace metric {
inline constexpr const char* kIteratorAge = "GetRecords.IteratorAgeMilliseconds";
inline constexpr const char* kGetRecordsLatency = "GetRecords.Latency";
inline constexpr const char* kGetRecordsSuccess = "GetRecords.Success";
inline constexpr const char* kGetRecordsBytes = "GetRecords.Bytes";
inline constexpr const char* kPutRecordLatency = "PutRecord.Latency";
inline constexpr const char* kPutRecordsLatency = "PutRecords.Latency";
inline constexpr const char* kPutRecordsSuccess = "PutRecords.Success";
inline constexpr const char* kPutRecordsFailedRecords = "PutRecords.FailedRecords";
inline constexpr const char* kPutRecordsThrottledRecords = "PutRecords.ThrottledRecords";
inline constexpr const char* kIncomingBytes = "IncomingBytes";
inline constexpr const char* kIncomingRecords = "IncomingRecords";
inline constexpr const char* kWriteExceeded = "WriteProvisionedThroughputExceeded";
inline constexpr const char* kReadExceeded = "ReadProvisionedThroughputExceeded";
// Shard-level (enhanced monitoring) names differ for iterator age.
inline constexpr const char* kShardIteratorAge = "IteratorAgeMilliseconds";
inline constexpr const char* kShardOutgoingBytes = "OutgoingBytes";
}  // namespace metric

// One metric + statistic, the key of a series: {"IncomingBytes", "Sum"}.
struct MetricKey {
  std::string metric;
  std::string statistic;
  auto operator<=>(const MetricKey&) const = default;
};

// Datapoints in time order (the collector sorts them). Parallel vectors.
struct Series {
  std::vector<SystemTimePoint> timestamps;
  std::vector<double> values;

  [[nodiscard]] bool empty() const { return values.empty(); }
  [[nodiscard]] std::size_t size() const { return values.size(); }
  void add(SystemTimePoint at, double value) {
    timestamps.push_back(at);
    values.push_back(value);
  }
};

// A value and when it happened.
struct Point {
  double value = 0;
  std::optional<SystemTimePoint> at;
};

// Statistics over a series. All return nullopt for an empty series.
std::optional<Point> series_max(const Series& series);
std::optional<Point> series_min(const Series& series);
std::optional<double> series_mean(const Series& series);
std::optional<double> series_sum(const Series& series);
// Nearest-rank percentile of the datapoint values, q in (0, 100].
std::optional<double> series_percentile(const Series& series, double q);
// Least-squares slope in value units per hour, and the fit's R². nullopt with < 3 points or no
// spread in time.
struct Trend {
  double slope_per_hour = 0;
  double r_squared = 0;
};
std::optional<Trend> series_trend(const Series& series);

enum class CapacityMode { kProvisioned, kOnDemand };

struct StreamSnapshot {
  // ---- configuration ----
  std::string stream_name;
  std::string stream_arn;
  CapacityMode mode = CapacityMode::kProvisioned;
  int open_shard_count = 1;
  int retention_hours = 24;
  bool encrypted = false;
  std::vector<std::string> shard_level_metrics;  // enhanced monitoring; empty when off
  int consumer_count = 0;                         // registered (enhanced fan-out) consumers
  std::map<std::string, std::string> tags;

  // ---- metrics ----
  SystemTimePoint window_start;
  SystemTimePoint window_end;
  int period_seconds = 60;
  std::map<MetricKey, Series> metrics;
  // Shard-level series, by shard id, where enhanced monitoring is on.
  std::map<std::string, std::map<MetricKey, Series>> shard_metrics;

  // The series for metric/statistic, or nullptr when it was not collected or had no data.
  [[nodiscard]] const Series* series(const std::string& metric, const std::string& statistic) const;
  [[nodiscard]] bool enhanced_monitoring() const { return !shard_level_metrics.empty(); }
  [[nodiscard]] double retention_seconds() const { return retention_hours * 3600.0; }
};

// The stream-level metric/statistic pairs the analyzers read; the collector asks for exactly these.
const std::vector<MetricKey>& stream_metric_keys();
// The shard-level pairs read where enhanced monitoring is on.
const std::vector<MetricKey>& shard_metric_keys();

}  // namespace kwb::analysis
