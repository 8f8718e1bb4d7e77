#pragma once
// Synthetic snapshots for the analysis tests: a fixed window start, one datapoint per period, and
// value generators (constant, jitter from a seeded Random, linear ramps). Nothing reads a clock.

#include <functional>
#include <string>

#include "analysis/snapshot.h"
#include "core/random.h"

namespace kwb::analysis::testing {

inline SystemTimePoint window_start() {
  SystemTimePoint t;
  parse_iso8601("2026-01-05T09:00:00Z", t);
  return t;
}

class SnapshotBuilder {
 public:
  explicit SnapshotBuilder(std::string name, int shards = 1, int points = 180, int period = 60) : points_(points) {
    s_.stream_name = std::move(name);
    s_.stream_arn = "arn:aws:kinesis:us-east-1:123456789012:stream/" + s_.stream_name;
    s_.open_shard_count = shards;
    s_.period_seconds = period;
    s_.window_start = window_start();
    s_.window_end = s_.window_start + std::chrono::seconds(points * period);
    s_.encrypted = true;
    s_.shard_level_metrics = {"IncomingBytes", "IncomingRecords"};
  }

  SnapshotBuilder& mode(CapacityMode m) { s_.mode = m; return *this; }
  SnapshotBuilder& retention(int hours) { s_.retention_hours = hours; return *this; }
  SnapshotBuilder& encrypted(bool on) { s_.encrypted = on; return *this; }
  SnapshotBuilder& monitoring(bool on) {
    if (!on) s_.shard_level_metrics.clear();
    return *this;
  }
  SnapshotBuilder& consumers(int n) { s_.consumer_count = n; return *this; }
  SnapshotBuilder& tag(std::string k, std::string v) { s_.tags[std::move(k)] = std::move(v); return *this; }

  // value(i) for datapoint i.
  SnapshotBuilder& series(const std::string& metric, const std::string& stat, const std::function<double(int)>& value) {
    Series& out = s_.metrics[MetricKey{metric, stat}];
    out = Series{};
    for (int i = 0; i < points_; ++i) out.add(at(i), value(i));
    return *this;
  }
  SnapshotBuilder& constant(const std::string& metric, const std::string& stat, double value) {
    return series(metric, stat, [value](int) { return value; });
  }
  // Uniform in [low, high], from a fixed seed.
  SnapshotBuilder& jitter(const std::string& metric, const std::string& stat, double low, double high,
                          std::uint64_t seed = 7) {
    SeededRandom random(seed);
    return series(metric, stat, [&](int) { return low + (high - low) * random.uniform01(); });
  }
  SnapshotBuilder& ramp(const std::string& metric, const std::string& stat, double from, double to) {
    const int n = points_;
    return series(metric, stat, [=](int i) { return from + (to - from) * i / std::max(1, n - 1); });
  }
  SnapshotBuilder& shard_series(const std::string& shard, const std::string& metric, double per_period) {
    Series& out = s_.shard_metrics[shard][MetricKey{metric, "Sum"}];
    out = Series{};
    for (int i = 0; i < points_; ++i) out.add(at(i), per_period);
    return *this;
  }

  [[nodiscard]] SystemTimePoint at(int i) const { return s_.window_start + std::chrono::seconds(i * s_.period_seconds); }
  [[nodiscard]] StreamSnapshot build() const { return s_; }

 private:
  StreamSnapshot s_;
  int points_;
};

inline constexpr double kMiB = 1024.0 * 1024.0;

// A stream doing what it should: 4 shards at 35-45% of write capacity, consumers 0.2-2 s behind,
// fast calls, nothing throttled or failed, keys spread evenly, encrypted and monitored.
inline StreamSnapshot healthy_stream(const std::string& name = "orders") {
  const int shards = 4;
  SnapshotBuilder b(name, shards);
  b.consumers(1)
      .jitter(metric::kIncomingBytes, "Sum", 0.35 * shards * kMiB * 60, 0.45 * shards * kMiB * 60, 1)
      .jitter(metric::kIncomingRecords, "Sum", 0.35 * shards * 1000 * 60, 0.45 * shards * 1000 * 60, 2)
      .jitter(metric::kGetRecordsBytes, "Sum", 0.35 * shards * kMiB * 60, 0.45 * shards * kMiB * 60, 3)
      .jitter(metric::kIteratorAge, "Maximum", 200, 2000, 4)
      .jitter(metric::kGetRecordsLatency, "Average", 8, 30, 5)
      .jitter(metric::kPutRecordsLatency, "Average", 10, 40, 6)
      .constant(metric::kGetRecordsSuccess, "Average", 1.0)
      .constant(metric::kGetRecordsSuccess, "SampleCount", shards * 60.0)
      .constant(metric::kPutRecordsSuccess, "Average", 1.0)
      .constant(metric::kPutRecordsFailedRecords, "Sum", 0)
      .constant(metric::kPutRecordsThrottledRecords, "Sum", 0)
      .constant(metric::kWriteExceeded, "Sum", 0)
      .constant(metric::kReadExceeded, "Sum", 0);
  for (int i = 0; i < shards; ++i) {
    b.shard_series("shardId-00000000000" + std::to_string(i), metric::kIncomingBytes, 0.4 * kMiB * 60);
  }
  return b.build();
}

}  // namespace kwb::analysis::testing
