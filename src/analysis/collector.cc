#include "analysis/collector.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <mutex>
#include <numeric>
#include <thread>

namespace kwb::analysis {

namespace {

using std::chrono::seconds;

// Runs fn(0..n-1) on the calling thread plus up to parallel-1 jthreads. After the first failure no
// new index starts; the error of the lowest failed index is returned, so the result does not
// depend on scheduling.
Status parallel_for(std::size_t n, int parallel, const std::function<Status(std::size_t)>& fn) {
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  std::optional<std::pair<std::size_t, Error>> first_error;  // GUARDED_BY(mutex)
  auto worker = [&] {
    for (std::size_t i = next++; i < n && !failed.load(); i = next++) {
      Status status = fn(i);
      if (!status.ok()) {
        std::lock_guard lock(mutex);
        failed = true;
        if (!first_error || i < first_error->first) first_error.emplace(i, status.error());
      }
    }
  };
  {
    std::vector<std::jthread> threads;
    const auto extra = static_cast<std::size_t>(std::max(0, std::min<int>(parallel, static_cast<int>(n)) - 1));
    for (std::size_t t = 0; t < extra; ++t) threads.emplace_back(worker);
    worker();
  }
  if (first_error) return first_error->second;
  return ok_status();
}

SystemTimePoint floor_to(SystemTimePoint t, int period) {
  const auto s = std::chrono::duration_cast<seconds>(t.time_since_epoch()).count();
  return SystemTimePoint(seconds(s - s % period));
}

std::string stream_id(std::size_t i) { return "s" + std::to_string(i); }

}  // namespace

Result<seconds> parse_window(const std::string& text) {
  auto bad = [&] {
    return Error::invalid_input("--window", "a window is a number and a unit (s, m, h, d, w), e.g. 3h; got '" + text + "'");
  };
  if (text.size() < 2) return bad();
  const char unit = text.back();
  const std::string digits = text.substr(0, text.size() - 1);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) ||
      digits.size() > 6) {
    return bad();
  }
  const long long n = std::stoll(digits);
  long long factor = 0;
  switch (unit) {
    case 's': factor = 1; break;
    case 'm': factor = 60; break;
    case 'h': factor = 3600; break;
    case 'd': factor = 86400; break;
    case 'w': factor = 7 * 86400; break;
    default: return bad();
  }
  const seconds window(n * factor);
  if (window < seconds(60)) return Error::invalid_input("--window", "the window must be at least 1m");
  if (window > seconds(455LL * 86400)) return Error::invalid_input("--window", "CloudWatch keeps metrics for 455 days at most");
  return window;
}

int choose_period(seconds window, seconds age) {
  // CloudWatch's retention of 1-minute data is 15 days, 5-minute 63 days, then 1-hour.
  const long long oldest = (window + age).count();
  int minimum = 60;
  if (oldest > 63LL * 86400) {
    minimum = 3600;
  } else if (oldest > 15LL * 86400) {
    minimum = 300;
  }
  for (int period : {60, 300, 900, 3600, 21600, 86400}) {
    if (period >= minimum && window.count() / period <= 1440) return period;
  }
  return 86400;
}

std::vector<cloudwatch::MetricDataQuery> build_metric_queries(const std::vector<StreamSnapshot>& snapshots,
                                                              const std::vector<std::vector<std::string>>& open_shards,
                                                              int period_seconds) {
  std::vector<cloudwatch::MetricDataQuery> queries;
  auto add = [&](std::string id, const std::string& metric_name, const std::string& stat,
                 std::vector<cloudwatch::Dimension> dimensions) {
    cloudwatch::MetricDataQuery q;
    q.id = std::move(id);
    q.metric_stat = cloudwatch::MetricStat{{"AWS/Kinesis", metric_name, std::move(dimensions)}, period_seconds, stat, {}};
    queries.push_back(std::move(q));
  };
  const auto& stream_keys = stream_metric_keys();
  const auto& shard_keys = shard_metric_keys();
  for (std::size_t i = 0; i < snapshots.size(); ++i) {
    const std::string& name = snapshots[i].stream_name;
    for (std::size_t m = 0; m < stream_keys.size(); ++m) {
      add(stream_id(i) + "m" + std::to_string(m), stream_keys[m].metric, stream_keys[m].statistic,
          {{"StreamName", name}});
    }
    if (!snapshots[i].enhanced_monitoring() || i >= open_shards.size()) continue;
    for (std::size_t h = 0; h < open_shards[i].size(); ++h) {
      for (std::size_t m = 0; m < shard_keys.size(); ++m) {
        add(stream_id(i) + "h" + std::to_string(h) + "m" + std::to_string(m), shard_keys[m].metric,
            shard_keys[m].statistic, {{"StreamName", name}, {"ShardId", open_shards[i][h]}});
      }
    }
  }
  return queries;
}

void assign_metric_results(std::vector<StreamSnapshot>& snapshots,
                           const std::vector<std::vector<std::string>>& open_shards,
                           const cloudwatch::BatchedMetricData& data) {
  auto to_series = [](const cloudwatch::MetricDataResult& result) {
    std::vector<std::size_t> order(std::min(result.values.size(), result.timestamps.size()));
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return result.timestamps[a] < result.timestamps[b]; });
    Series series;
    for (std::size_t k : order) series.add(result.timestamps[k], result.values[k]);
    return series;
  };
  const auto& stream_keys = stream_metric_keys();
  const auto& shard_keys = shard_metric_keys();
  for (std::size_t i = 0; i < snapshots.size(); ++i) {
    for (std::size_t m = 0; m < stream_keys.size(); ++m) {
      auto it = data.results.find(stream_id(i) + "m" + std::to_string(m));
      if (it != data.results.end()) snapshots[i].metrics[stream_keys[m]] = to_series(it->second);
    }
    if (i >= open_shards.size()) continue;
    for (std::size_t h = 0; h < open_shards[i].size(); ++h) {
      for (std::size_t m = 0; m < shard_keys.size(); ++m) {
        auto it = data.results.find(stream_id(i) + "h" + std::to_string(h) + "m" + std::to_string(m));
        if (it != data.results.end()) {
          snapshots[i].shard_metrics[open_shards[i][h]][shard_keys[m]] = to_series(it->second);
        }
      }
    }
  }
}

Collector::Collector(kinesis::Client& kinesis, const cloudwatch::Client& cloudwatch, Clock& clock,
                     CollectorOptions options)
    : kinesis_(kinesis), cloudwatch_(cloudwatch), clock_(clock), options_(options) {}

Result<std::vector<std::string>> Collector::resolve(const StreamSelector& selector, CollectStats& stats) const {
  if (selector.kind == StreamSelector::Kind::kNames) {
    if (selector.names.empty()) return Error::invalid_input("--streams", "name at least one stream");
    for (const auto& name : selector.names) {
      KWB_RETURN_IF_ERROR(kinesis::validate_stream_ref(kinesis::StreamRef::parse(name)));
    }
    return selector.names;
  }
  auto listed = kinesis_.list_all_streams();
  ++stats.kinesis_calls;
  if (!listed) return listed.error();
  std::vector<std::string> names = listed->stream_names;
  if (names.empty()) {
    for (const auto& entry : listed->streams) names.push_back(entry.stream_name);
  }
  if (selector.kind == StreamSelector::Kind::kAll) return names;
  std::vector<char> keep(names.size(), 0);
  std::atomic<int> calls{0};
  KWB_RETURN_IF_ERROR(parallel_for(names.size(), options_.max_parallel, [&](std::size_t i) -> Status {
    ++calls;
    auto tags = kinesis_.list_all_tags(StreamName(names[i]));
    if (!tags) return tags.error();
    for (const auto& tag : *tags) {
      if (tag.key == selector.tag_key && tag.value == selector.tag_value) keep[i] = 1;
    }
    return ok_status();
  }));
  stats.kinesis_calls += calls.load();
  std::vector<std::string> out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (keep[i]) out.push_back(names[i]);
  }
  return out;
}

Result<std::vector<StreamSnapshot>> Collector::collect(const StreamSelector& selector, seconds window,
                                                       CollectStats* stats_out,
                                                       const CollectProgressCallback& progress) const {
  CollectStats stats;
  auto names = resolve(selector, stats);
  if (!names) return names.error();
  std::mutex progress_mutex;
  const auto report = [&](const char* phase, int done, int total) {
    if (!progress) return;
    std::lock_guard lock(progress_mutex);
    progress(CollectProgress{phase, done, total});
  };
  const int stream_total = static_cast<int>(names->size());
  int described = 0;  // GUARDED_BY(progress_mutex): counted under the lock so reports arrive in order
  const auto report_described = [&] {
    if (!progress) return;
    std::lock_guard lock(progress_mutex);
    progress(CollectProgress{"describe", ++described, stream_total});
  };
  report("describe", 0, stream_total);
  const int period = options_.period_seconds.value_or(choose_period(window));
  stats.period_seconds = period;
  const SystemTimePoint end = floor_to(clock_.now(), period);
  const SystemTimePoint start = end - window;

  std::vector<StreamSnapshot> snapshots(names->size());
  std::vector<std::vector<std::string>> open_shards(names->size());
  std::atomic<int> calls{0};
  KWB_RETURN_IF_ERROR(parallel_for(names->size(), options_.max_parallel, [&](std::size_t i) -> Status {
    const auto ref = kinesis::StreamRef::parse((*names)[i]);
    auto summary = kinesis_.describe_stream_summary(ref);
    ++calls;
    if (!summary) return summary.error();
    StreamSnapshot& s = snapshots[i];
    s.stream_name = summary->stream_name.empty() ? ref.name() : summary->stream_name;
    s.stream_arn = summary->stream_arn;
    s.mode = summary->stream_mode == kinesis::StreamMode::kOnDemand ? CapacityMode::kOnDemand : CapacityMode::kProvisioned;
    s.open_shard_count = summary->open_shard_count;
    s.retention_hours = summary->retention_period_hours > 0 ? summary->retention_period_hours : 24;
    s.encrypted = !summary->encryption_type.empty() && summary->encryption_type != "NONE";
    s.shard_level_metrics = summary->shard_level_metrics;
    s.consumer_count = summary->consumer_count.value_or(0);
    s.window_start = start;
    s.window_end = end;
    s.period_seconds = period;
    auto tags = kinesis_.list_all_tags(ref);
    ++calls;
    if (!tags) return tags.error();
    for (const auto& tag : *tags) s.tags[tag.key] = tag.value;
    if (s.enhanced_monitoring()) {
      auto shards = kinesis_.list_all_shards(ref);
      ++calls;
      if (!shards) return shards.error();
      for (const auto& shard : *shards) {
        if (shard.is_open()) open_shards[i].push_back(shard.shard_id.str());
      }
    }
    report_described();
    return ok_status();
  }));
  stats.kinesis_calls += calls.load();
  stats.streams = static_cast<int>(snapshots.size());

  auto queries = build_metric_queries(snapshots, open_shards, period);
  stats.metric_queries = static_cast<int>(queries.size());
  if (!queries.empty()) {
    cloudwatch::BatchOptions batch;
    batch.max_parallel = std::clamp(options_.max_parallel, 1, 64);
    batch.max_queries_per_request = options_.max_queries_per_request;
    batch.scan_by = cloudwatch::ScanBy::kTimestampAscending;
    cloudwatch::MetricBatcher batcher(cloudwatch_, batch);
    if (!progress) {
      auto data = batcher.fetch(std::move(queries), start, end);
      if (!data) return data.error();
      stats.cloudwatch_requests = data->stats.requests;
      assign_metric_results(snapshots, open_shards, *data);
    } else {
      // One fetch per request-sized chunk, merged: the ids are unique across the whole set.
      const std::size_t chunk = std::max<std::size_t>(1, options_.max_queries_per_request);
      const int batches = static_cast<int>((queries.size() + chunk - 1) / chunk);
      cloudwatch::BatchedMetricData merged;
      report("metrics", 0, batches);
      for (int b = 0; b < batches; ++b) {
        const auto first = queries.begin() + static_cast<std::ptrdiff_t>(b * chunk);
        const auto last = queries.begin() + static_cast<std::ptrdiff_t>(std::min(queries.size(), (b + 1) * chunk));
        auto data = batcher.fetch(std::vector<cloudwatch::MetricDataQuery>(first, last), start, end);
        if (!data) return data.error();
        for (auto& [id, result] : data->results) merged.results[id] = std::move(result);
        merged.ids.insert(merged.ids.end(), data->ids.begin(), data->ids.end());
        merged.stats.requests += data->stats.requests;
        report("metrics", b + 1, batches);
      }
      stats.cloudwatch_requests = merged.stats.requests;
      assign_metric_results(snapshots, open_shards, merged);
    }
  }
  if (stats_out != nullptr) *stats_out = stats;
  return snapshots;
}

}  // namespace kwb::analysis
