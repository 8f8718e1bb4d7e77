#include "emulator/cloudwatch/metric_store.h"

#include <algorithm>
#include <cmath>

namespace kwb::emulator::cloudwatch {

namespace {

// Bucket growth factor: bucket i covers (kGamma^(i-1), kGamma^i]; a bucket's representative value
// is within 1% of every value in it.
constexpr double kGamma = 1.02;
constexpr std::int32_t kOffset = 1 << 24;  // keeps positive keys > 0 for tiny values

std::int64_t floor_to(std::int64_t value, std::int64_t step) {
  std::int64_t q = value / step;
  if (value % step != 0 && value < 0) --q;
  return q * step;
}

std::int64_t epoch_seconds(SystemTimePoint time) {
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

}  // namespace

Dimensions normalize(Dimensions dimensions) {
  std::sort(dimensions.begin(), dimensions.end());
  return dimensions;
}

std::int32_t bucket_of(double value) {
  if (value == 0 || !std::isfinite(value)) return 0;
  const double magnitude = std::fabs(value);
  const auto index = static_cast<std::int32_t>(std::ceil(std::log(magnitude) / std::log(kGamma) - 1e-9));
  const std::int32_t key = index + kOffset;
  return value > 0 ? key : -key;
}

double bucket_value(std::int32_t bucket) {
  if (bucket == 0) return 0;
  if (bucket < 0) return -bucket_value(-bucket);
  const double upper = std::pow(kGamma, bucket - kOffset);
  return upper * 2 / (kGamma + 1);  // the middle of (upper/kGamma, upper]
}

void Aggregate::add(double value, double weight) {
  if (weight <= 0) return;
  if (count <= 0) {
    min = value;
    max = value;
  } else {
    min = std::min(min, value);
    max = std::max(max, value);
  }
  sum += value * weight;
  count += weight;
  const std::int32_t key = bucket_of(value);
  auto it = std::lower_bound(histogram.begin(), histogram.end(), key,
                             [](const auto& entry, std::int32_t k) { return entry.first < k; });
  if (it != histogram.end() && it->first == key) it->second += weight;
  else histogram.insert(it, {key, weight});
}

void Aggregate::add_set(double sample_count, double total, double minimum, double maximum) {
  if (sample_count <= 0) return;
  Aggregate other;
  other.add(total / sample_count, sample_count);
  other.sum = total;
  other.min = minimum;
  other.max = maximum;
  merge(other);
}

void Aggregate::merge(const Aggregate& other) {
  if (other.empty()) return;
  if (empty()) {
    *this = other;
    return;
  }
  sum += other.sum;
  count += other.count;
  min = std::min(min, other.min);
  max = std::max(max, other.max);
  std::vector<std::pair<std::int32_t, double>> merged;
  merged.reserve(histogram.size() + other.histogram.size());
  std::size_t i = 0, j = 0;
  while (i < histogram.size() || j < other.histogram.size()) {
    if (j == other.histogram.size() || (i < histogram.size() && histogram[i].first < other.histogram[j].first)) {
      merged.push_back(histogram[i++]);
    } else if (i == histogram.size() || other.histogram[j].first < histogram[i].first) {
      merged.push_back(other.histogram[j++]);
    } else {
      merged.emplace_back(histogram[i].first, histogram[i].second + other.histogram[j].second);
      ++i, ++j;
    }
  }
  histogram = std::move(merged);
}

std::optional<double> Aggregate::percentile(double p) const {
  if (empty()) return std::nullopt;
  if (p <= 0) return min;
  if (p >= 100) return max;
  double total = 0;
  for (const auto& [key, weight] : histogram) total += weight;
  const double rank = p / 100.0 * total;
  double seen = 0;
  double value = max;
  for (const auto& [key, weight] : histogram) {
    seen += weight;
    if (seen >= rank - 1e-9) {
      value = bucket_value(key);
      break;
    }
  }
  return std::clamp(value, min, max);
}

Aggregate& MetricStore::bucket_locked(std::deque<Bucket>& buckets, std::int64_t start_s) {
  // Almost every datapoint lands in the newest bucket or a new one after it.
  if (buckets.empty() || buckets.back().start_s < start_s) {
    buckets.push_back(Bucket{start_s, {}});
    return buckets.back().aggregate;
  }
  if (buckets.back().start_s == start_s) return buckets.back().aggregate;
  auto it = std::lower_bound(buckets.begin(), buckets.end(), start_s,
                             [](const Bucket& b, std::int64_t s) { return b.start_s < s; });
  if (it == buckets.end() || it->start_s != start_s) it = buckets.insert(it, Bucket{start_s, {}});
  return it->aggregate;
}

MetricStore::Series& MetricStore::series_locked(const MetricId& id, std::string_view unit, SystemTimePoint time) {
  Series& series = series_[id];
  if (!unit.empty()) series.unit = std::string(unit);
  if (time > series.last_update) series.last_update = time;
  return series;
}

void MetricStore::add(const MetricId& id, std::string_view unit, SystemTimePoint time, double value, double weight) {
  const std::int64_t t = epoch_seconds(time);
  std::lock_guard lock(mutex_);
  Series& series = series_locked(id, unit, time);
  for (int r = 0; r < 3; ++r) bucket_locked(series.buckets[r], floor_to(t, kResolutions[r])).add(value, weight);
}

void MetricStore::add_set(const MetricId& id, std::string_view unit, SystemTimePoint time, double sample_count,
                          double sum, double minimum, double maximum) {
  const std::int64_t t = epoch_seconds(time);
  std::lock_guard lock(mutex_);
  Series& series = series_locked(id, unit, time);
  for (int r = 0; r < 3; ++r) {
    bucket_locked(series.buckets[r], floor_to(t, kResolutions[r])).add_set(sample_count, sum, minimum, maximum);
  }
}

std::vector<std::optional<Aggregate>> MetricStore::query(const MetricId& id, std::int64_t start_s, std::int64_t end_s,
                                                         std::int64_t period, std::int64_t now_s) const {
  std::vector<std::optional<Aggregate>> out;
  if (period <= 0 || end_s <= start_s) return out;
  const std::int64_t periods = (end_s - start_s + period - 1) / period;
  out.resize(static_cast<std::size_t>(periods));
  std::lock_guard lock(mutex_);
  auto found = series_.find(id);
  if (found == series_.end()) return out;
  const Series& series = found->second;
  if (period < kResolutions[0]) {
    // Nothing finer than a minute is stored: every minute bucket in range goes, whole, to the
    // period that holds its start.
    const auto& minutes = series.buckets[0];
    auto it = std::lower_bound(minutes.begin(), minutes.end(), start_s,
                               [](const Bucket& b, std::int64_t s) { return b.start_s < s; });
    for (; it != minutes.end() && it->start_s < end_s; ++it) {
      auto& slot = out[static_cast<std::size_t>((it->start_s - start_s) / period)];
      if (!slot) slot = Aggregate{};
      slot->merge(it->aggregate);
    }
    for (auto& slot : out) {
      if (slot && slot->empty()) slot.reset();
    }
    return out;
  }
  for (std::int64_t k = 0; k < periods; ++k) {
    const std::int64_t from = start_s + k * period;
    const std::int64_t to = std::min(from + period, end_s);
    // The finest resolution that tiles the period and still has data this old.
    int r = 0;
    while (r < 2 && (period % kResolutions[r] != 0 || from % kResolutions[r] != 0 ||
                     now_s - from > kRetentionSeconds[r])) {
      ++r;
    }
    const auto& buckets = series.buckets[r];
    auto it = std::lower_bound(buckets.begin(), buckets.end(), from,
                               [](const Bucket& b, std::int64_t s) { return b.start_s < s; });
    // A coarse bucket that starts before `from` (unaligned period) still counts if it overlaps.
    if (it != buckets.begin() && (it == buckets.end() || it->start_s > from)) {
      auto previous = std::prev(it);
      if (previous->start_s + kResolutions[r] > from) it = previous;
    }
    Aggregate total;
    for (; it != buckets.end() && it->start_s < to; ++it) total.merge(it->aggregate);
    if (!total.empty()) out[static_cast<std::size_t>(k)] = std::move(total);
  }
  return out;
}

std::int64_t MetricStore::required_period_multiple(std::int64_t start_age_s) {
  constexpr std::int64_t kHighResolutionRetention = 3 * 3600;
  if (start_age_s > kRetentionSeconds[1]) return kResolutions[2];
  if (start_age_s > kRetentionSeconds[0]) return kResolutions[1];
  if (start_age_s > kHighResolutionRetention) return kResolutions[0];
  return 1;
}

std::optional<SeriesInfo> MetricStore::info(const MetricId& id) const {
  std::lock_guard lock(mutex_);
  auto it = series_.find(id);
  if (it == series_.end()) return std::nullopt;
  return SeriesInfo{it->first, it->second.unit, it->second.last_update};
}

std::vector<SeriesInfo> MetricStore::list(std::string_view region, std::string_view ns, std::string_view name) const {
  std::vector<SeriesInfo> out;
  std::lock_guard lock(mutex_);
  for (const auto& [id, series] : series_) {
    if (id.region != region) continue;
    if (!ns.empty() && id.ns != ns) continue;
    if (!name.empty() && id.name != name) continue;
    out.push_back(SeriesInfo{id, series.unit, series.last_update});
  }
  return out;
}

void MetricStore::expire(std::int64_t now_s) {
  std::lock_guard lock(mutex_);
  for (auto it = series_.begin(); it != series_.end();) {
    bool empty = true;
    for (int r = 0; r < 3; ++r) {
      auto& buckets = it->second.buckets[r];
      while (!buckets.empty() && buckets.front().start_s + kResolutions[r] <= now_s - kRetentionSeconds[r]) {
        buckets.pop_front();
      }
      empty = empty && buckets.empty();
    }
    it = empty ? series_.erase(it) : std::next(it);
  }
}

std::size_t MetricStore::series_count() const {
  std::lock_guard lock(mutex_);
  return series_.size();
}

std::size_t MetricStore::bucket_count() const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& [id, series] : series_) n += series.buckets[0].size() + series.buckets[1].size() + series.buckets[2].size();
  return n;
}

void MetricStore::clear() {
  std::lock_guard lock(mutex_);
  series_.clear();
}

}  // namespace kwb::emulator::cloudwatch
