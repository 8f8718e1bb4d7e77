#include "analysis/snapshot.h"

#include <algorithm>
#include <cmath>

namespace kwb::analysis {

std::optional<Point> series_max(const Series& series) {
  if (series.empty()) return std::nullopt;
  auto it = std::max_element(series.values.begin(), series.values.end());
  auto index = static_cast<std::size_t>(it - series.values.begin());
  return Point{*it, series.timestamps.size() > index ? std::optional(series.timestamps[index]) : std::nullopt};
}

std::optional<Point> series_min(const Series& series) {
  if (series.empty()) return std::nullopt;
  auto it = std::min_element(series.values.begin(), series.values.end());
  auto index = static_cast<std::size_t>(it - series.values.begin());
  return Point{*it, series.timestamps.size() > index ? std::optional(series.timestamps[index]) : std::nullopt};
}

std::optional<double> series_sum(const Series& series) {
  if (series.empty()) return std::nullopt;
  double sum = 0;
  for (double v : series.values) sum += v;
  return sum;
}

std::optional<double> series_mean(const Series& series) {
  auto sum = series_sum(series);
  if (!sum) return std::nullopt;
  return *sum / static_cast<double>(series.size());
}

std::optional<double> series_percentile(const Series& series, double q) {
  if (series.empty()) return std::nullopt;
  std::vector<double> sorted = series.values;
  std::sort(sorted.begin(), sorted.end());
  // Nearest rank: the smallest value with at least q% of the values at or below it.
  auto rank = static_cast<std::size_t>(std::ceil(q / 100.0 * static_cast<double>(sorted.size())));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

std::optional<Trend> series_trend(const Series& series) {
  const std::size_t n = std::min(series.values.size(), series.timestamps.size());
  if (n < 3) return std::nullopt;
  const auto origin = series.timestamps.front();
  double sx = 0, sy = 0;
  std::vector<double> xs(n);
  for (std::size_t i = 0; i < n; ++i) {
    xs[i] = std::chrono::duration<double>(series.timestamps[i] - origin).count() / 3600.0;
    sx += xs[i];
    sy += series.values[i];
  }
  const double mx = sx / static_cast<double>(n);
  const double my = sy / static_cast<double>(n);
  double sxx = 0, sxy = 0, syy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sxx += (xs[i] - mx) * (xs[i] - mx);
    sxy += (xs[i] - mx) * (series.values[i] - my);
    syy += (series.values[i] - my) * (series.values[i] - my);
  }
  if (sxx <= 0) return std::nullopt;
  Trend trend;
  trend.slope_per_hour = sxy / sxx;
  trend.r_squared = syy > 0 ? (sxy * sxy) / (sxx * syy) : 0.0;
  return trend;
}

const Series* StreamSnapshot::series(const std::string& metric_name, const std::string& statistic) const {
  auto it = metrics.find(MetricKey{metric_name, statistic});
  if (it == metrics.end() || it->second.empty()) return nullptr;
  return &it->second;
}

const std::vector<MetricKey>& stream_metric_keys() {
  static const std::vector<MetricKey> keys = {
      {metric::kIteratorAge, "Maximum"},
      {metric::kGetRecordsLatency, "Average"},
      {metric::kGetRecordsSuccess, "Average"},
      {metric::kGetRecordsSuccess, "SampleCount"},
      {metric::kGetRecordsBytes, "Sum"},
      {metric::kPutRecordLatency, "Average"},
      {metric::kPutRecordsLatency, "Average"},
      {metric::kPutRecordsSuccess, "Average"},
      {metric::kPutRecordsFailedRecords, "Sum"},
      {metric::kPutRecordsThrottledRecords, "Sum"},
      {metric::kIncomingBytes, "Sum"},
      {metric::kIncomingRecords, "Sum"},
      {metric::kWriteExceeded, "Sum"},
      {metric::kReadExceeded, "Sum"},
  };
  return keys;
}

const std::vector<MetricKey>& shard_metric_keys() {
  static const std::vector<MetricKey> keys = {
      {metric::kIncomingBytes, "Sum"},
      {metric::kIncomingRecords, "Sum"},
  };
  return keys;
}

}  // namespace kwb::analysis
