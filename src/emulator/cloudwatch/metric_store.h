#pragma once
// The emulator's CloudWatch metric store: every series (region, namespace, metric name, dimensions)
// keeps aggregates at three resolutions, as CloudWatch does.
//
//   resolution   kept for   (CloudWatch's retention schedule)
//   1 minute     15 days
//   5 minutes    63 days
//   1 hour       455 days
//
// A datapoint updates its bucket at all three resolutions when it arrives, so the coarse buckets are
// exactly the roll-up of the fine ones and nothing has to be recomputed when fine data expires.
// Each bucket holds Sum, SampleCount, Minimum, Maximum and a sparse log-scale histogram (about 1%
// relative error), enough to answer percentile statistics (p50, p99.9, ...) to that precision;
// a percentile is always clamped to [Minimum, Maximum], so single-valued buckets are exact.
//
// Memory: buckets are stored only where data exists (a sorted deque per resolution), and expire()
// drops buckets past retention, so the store is bounded by traffic x retention, not by time.
//
// Ownership: owns its series. Thread safety: every method may be called from any thread (one mutex;
// writes are a map lookup and three bucket updates).

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"

namespace kwb::emulator::cloudwatch {

using Dimensions = std::vector<std::pair<std::string, std::string>>;  // sorted by name

struct MetricId {
  std::string region;
  std::string ns;
  std::string name;
  Dimensions dimensions;
  friend bool operator<(const MetricId& a, const MetricId& b) {
    return std::tie(a.region, a.ns, a.name, a.dimensions) < std::tie(b.region, b.ns, b.name, b.dimensions);
  }
  friend bool operator==(const MetricId& a, const MetricId& b) = default;
};

// Sorts by dimension name (CloudWatch treats dimension order as irrelevant).
Dimensions normalize(Dimensions dimensions);

// Mergeable summary of the samples in one bucket.
struct Aggregate {
  double sum = 0;
  double count = 0;
  double min = 0;
  double max = 0;
  // Sparse histogram: (bucket index, weight), sorted by index. See bucket_of().
  std::vector<std::pair<std::int32_t, double>> histogram;

  [[nodiscard]] bool empty() const { return count <= 0; }
  void add(double value, double weight = 1);
  // A pre-aggregated set (PutMetricData StatisticValues): the histogram gets the mean.
  void add_set(double sample_count, double total, double minimum, double maximum);
  void merge(const Aggregate& other);
  // p in [0, 100]; nullopt when empty.
  [[nodiscard]] std::optional<double> percentile(double p) const;
};

// Log-scale histogram bucket of a value; sign-aware, 0 has its own bucket.
std::int32_t bucket_of(double value);
double bucket_value(std::int32_t bucket);

struct Bucket {
  std::int64_t start_s = 0;  // epoch seconds, a multiple of the resolution
  Aggregate aggregate;
};

struct SeriesInfo {
  MetricId id;
  std::string unit;  // unit of the last datapoint ("None" when not given)
  SystemTimePoint last_update;
};

class MetricStore {
 public:
  static constexpr std::int64_t kResolutions[3] = {60, 300, 3600};
  static constexpr std::int64_t kRetentionSeconds[3] = {15LL * 86400, 63LL * 86400, 455LL * 86400};

  void add(const MetricId& id, std::string_view unit, SystemTimePoint time, double value, double weight = 1);
  void add_set(const MetricId& id, std::string_view unit, SystemTimePoint time, double sample_count, double sum,
               double minimum, double maximum);

  // Aggregates for consecutive periods [start + k*period, start + (k+1)*period) up to end, oldest
  // first; nullopt entries are periods without data. Each period is built from the finest
  // resolution that divides `period` and still holds data that old (relative to `now`).
  // Periods under a minute (1, 5, 10, 20, 30 s) see the data at the stored 1-minute resolution,
  // as CloudWatch answers them for a standard-resolution metric: each minute's aggregate lands in
  // the period that holds the minute's start, and the other periods are empty.
  // REQUIRES: period is under 60 or a multiple of 60; end > start.
  [[nodiscard]] std::vector<std::optional<Aggregate>> query(const MetricId& id, std::int64_t start_s, std::int64_t end_s,
                                                            std::int64_t period, std::int64_t now_s) const;

  // CloudWatch's rule for old data (MetricStat.Period in the API reference): a query whose
  // StartTime is more than 3 hours / 15 days / 63 days old must use a Period that is a multiple of
  // 60 / 300 / 3600 seconds, "or no data points in that time range is returned". 1 (any period)
  // for younger queries.
  [[nodiscard]] static std::int64_t required_period_multiple(std::int64_t start_age_s);

  [[nodiscard]] std::optional<SeriesInfo> info(const MetricId& id) const;
  // Every series in a region, filtered by namespace and metric name (empty: any).
  [[nodiscard]] std::vector<SeriesInfo> list(std::string_view region, std::string_view ns, std::string_view name) const;

  // Drops buckets past retention and series left empty.
  void expire(std::int64_t now_s);
  [[nodiscard]] std::size_t series_count() const;
  [[nodiscard]] std::size_t bucket_count() const;
  void clear();

 private:
  struct Series {
    std::string unit = "None";
    SystemTimePoint last_update;
    std::deque<Bucket> buckets[3];
  };
  Series& series_locked(const MetricId& id, std::string_view unit, SystemTimePoint time);
  static Aggregate& bucket_locked(std::deque<Bucket>& buckets, std::int64_t start_s);

  mutable std::mutex mutex_;
  std::map<MetricId, Series> series_;  // GUARDED_BY(mutex_)
};

}  // namespace kwb::emulator::cloudwatch
