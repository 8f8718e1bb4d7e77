#include "analysis/rules.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace kwb::analysis {

namespace {

constexpr const char* kMax = "Maximum";
constexpr const char* kSum = "Sum";
constexpr const char* kAverage = "Average";

// "12.3" style: enough digits for a person, no scientific notation.
std::string num(double value, int decimals = 1) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string percent(double fraction) { return num(fraction * 100.0, 0) + "%"; }

std::string duration_text(double seconds) {
  if (seconds >= 2 * 3600) return num(seconds / 3600.0) + " h";
  if (seconds >= 120) return num(seconds / 60.0) + " min";
  return num(seconds, 0) + " s";
}

Finding make(const std::string& rule, const StreamSnapshot& s, Category category, Severity severity,
             std::string title) {
  Finding f;
  f.id = rule + ":" + s.stream_name;
  f.stream = s.stream_name;
  f.category = category;
  f.severity = severity;
  f.title = std::move(title);
  return f;
}

Evidence evidence(std::string metric_name, std::string statistic, double value, std::optional<double> threshold,
                  int period, std::optional<SystemTimePoint> at = std::nullopt) {
  return Evidence{std::move(metric_name), std::move(statistic), value, threshold, period, at};
}

std::string scale_text(const ShardRecommendation& r) {
  std::string steps;
  for (int step : r.steps) steps += (steps.empty() ? "" : " → ") + std::to_string(step);
  std::string text = "UpdateShardCount from " + std::to_string(r.current_shard_count) + " to " +
                     std::to_string(r.recommended_shard_count) + " shards";
  if (r.steps.size() > 1) text += " in steps (" + steps + "), each at most ×2 or ×½";
  text += "; provisioned cost $" + num(r.cost_before.provisioned, 2) + " → $" + num(r.cost_after.provisioned, 2) +
          " per month (" + r.price_label + ")";
  return text;
}

double sum_of(const StreamSnapshot& s, const char* metric_name, std::optional<Point>* peak = nullptr) {
  const Series* series = s.series(metric_name, kSum);
  if (series == nullptr) return 0;
  if (peak != nullptr) *peak = series_max(*series);
  return *series_sum(*series);
}

}  // namespace

double RulesConfig::iterator_age_threshold_for(const StreamSnapshot& snapshot) const {
  if (auto it = iterator_age_threshold_by_stream.find(snapshot.stream_name); it != iterator_age_threshold_by_stream.end()) {
    return it->second;
  }
  for (const auto& [key, value] : snapshot.tags) {
    if (auto it = iterator_age_threshold_by_tag.find(key + "=" + value); it != iterator_age_threshold_by_tag.end()) {
      return it->second;
    }
  }
  return iterator_age_threshold_seconds;
}

Status RulesConfig::validate() const {
  auto positive = [](double v) { return std::isfinite(v) && v > 0; };
  auto fraction = [](double v) { return std::isfinite(v) && v > 0 && v <= 1; };
  if (!positive(iterator_age_threshold_seconds)) {
    return Error::invalid_input("iterator_age_threshold_seconds", "must be > 0");
  }
  for (const auto& [name, value] : iterator_age_threshold_by_stream) {
    if (!positive(value)) return Error::invalid_input("iterator_age_threshold_by_stream." + name, "must be > 0");
  }
  for (const auto& [tag, value] : iterator_age_threshold_by_tag) {
    if (!positive(value)) return Error::invalid_input("iterator_age_threshold_by_tag." + tag, "must be > 0");
  }
  if (!fraction(retention_critical_fraction)) return Error::invalid_input("retention_critical_fraction", "must be in (0, 1]");
  if (!fraction(utilisation_warning)) return Error::invalid_input("utilisation_warning", "must be in (0, 1]");
  if (!fraction(low_utilisation) || low_utilisation >= utilisation_warning) {
    return Error::invalid_input("low_utilisation", "must be in (0, utilisation_warning)");
  }
  if (!(hot_shard_ratio > 1)) return Error::invalid_input("hot_shard_ratio", "must be > 1");
  if (!(retention_safety_factor >= 1)) return Error::invalid_input("retention_safety_factor", "must be >= 1");
  if (!(sizing.headroom >= 0 && sizing.headroom <= 10)) return Error::invalid_input("headroom", "must be in [0, 10]");
  if (!positive(rising_slope_seconds_per_hour)) return Error::invalid_input("rising_slope_seconds_per_hour", "must be > 0");
  if (min_trend_points < 3) return Error::invalid_input("min_trend_points", "must be >= 3");
  return ok_status();
}

// ---- latency ----

std::vector<Finding> latency_rules(const StreamSnapshot& s, const RulesConfig& config) {
  std::vector<Finding> out;
  const int period = s.period_seconds;
  const double threshold_ms = config.iterator_age_threshold_for(s) * 1000.0;
  const double retention_ms = s.retention_seconds() * 1000.0;
  const double critical_ms = retention_ms * config.retention_critical_fraction;

  if (const Series* age = s.series(metric::kIteratorAge, kMax)) {
    Point peak = *series_max(*age);
    // At or above retention is actual loss and belongs to the data-loss rules.
    if (peak.value >= critical_ms && peak.value < retention_ms) {
      Finding f = make("iterator-age-near-retention", s, Category::kLatency, Severity::kCritical,
                       "Consumers are " + duration_text(peak.value / 1000) + " behind, " +
                           percent(peak.value / retention_ms) + " of the " + std::to_string(s.retention_hours) +
                           " h retention");
      f.evidence.push_back(evidence(metric::kIteratorAge, kMax, peak.value, critical_ms, period, peak.at));
      f.explanation = "Records older than the retention period are deleted whether or not they were read. A consumer "
                      "this far behind will start losing records if it does not catch up.";
      f.recommendation = "Scale the consumer out (more workers, one per shard at most for shared throughput), look for "
                         "a stuck or failing record processor, and raise retention while it catches up.";
      out.push_back(std::move(f));
    } else if (peak.value > threshold_ms && peak.value < retention_ms) {
      Finding f = make("iterator-age-high", s, Category::kLatency, Severity::kWarning,
                       "Consumers are up to " + duration_text(peak.value / 1000) + " behind (threshold " +
                           duration_text(threshold_ms / 1000) + ")");
      f.evidence.push_back(evidence(metric::kIteratorAge, kMax, peak.value, threshold_ms, period, peak.at));
      f.explanation = "GetRecords.IteratorAgeMilliseconds is how old the last record read was: the end-to-end delay "
                      "the slowest consumer adds.";
      f.recommendation = "Check the slowest consumer's processing time per batch and its error rate; add workers or "
                         "switch it to enhanced fan-out if it shares read throughput.";
      out.push_back(std::move(f));
    }

    Series seconds = *age;
    for (double& v : seconds.values) v /= 1000.0;
    auto trend = series_trend(seconds);
    if (trend && static_cast<int>(seconds.size()) >= config.min_trend_points &&
        trend->slope_per_hour >= config.rising_slope_seconds_per_hour && trend->r_squared >= config.min_trend_r_squared) {
      const double last = seconds.values.back();
      Finding f = make("iterator-age-rising", s, Category::kLatency, Severity::kWarning,
                       "A consumer is falling behind: iterator age grows " + duration_text(trend->slope_per_hour) +
                           " per hour");
      f.evidence.push_back(evidence(metric::kIteratorAge, "slope_seconds_per_hour", trend->slope_per_hour,
                                    config.rising_slope_seconds_per_hour, period));
      f.evidence.push_back(evidence(metric::kIteratorAge, "r_squared", trend->r_squared, config.min_trend_r_squared, period));
      f.evidence.push_back(evidence(metric::kIteratorAge, kMax, last * 1000.0, threshold_ms, period, seconds.timestamps.back()));
      f.explanation = "Iterator age rose steadily over the window, so the consumer reads slower than producers write. ";
      if (last < s.retention_seconds()) {
        f.explanation += "At this rate it reaches the retention period in about " +
                         duration_text((s.retention_seconds() - last) / trend->slope_per_hour * 3600.0) + ".";
      }
      f.recommendation = "Increase consumer throughput before the backlog reaches retention: more workers, larger "
                         "GetRecords batches, or enhanced fan-out.";
      out.push_back(std::move(f));
    }
  }

  if (const Series* latency = s.series(metric::kGetRecordsLatency, kAverage)) {
    Point peak = *series_max(*latency);
    if (peak.value > config.get_records_latency_ms) {
      Finding f = make("get-records-latency-high", s, Category::kLatency, Severity::kWarning,
                       "GetRecords latency reached " + num(peak.value, 0) + " ms");
      f.evidence.push_back(evidence(metric::kGetRecordsLatency, kAverage, peak.value, config.get_records_latency_ms,
                                    period, peak.at));
      f.explanation = "Slow GetRecords calls lengthen every consumer's poll loop and add directly to end-to-end delay.";
      f.recommendation = "Check record sizes per call (GetRecords returns up to 10 MiB) and whether consumers poll "
                         "more than 5 times per second per shard; enhanced fan-out avoids polling altogether.";
      out.push_back(std::move(f));
    }
  }

  Finding put = make("put-latency-high", s, Category::kLatency, Severity::kWarning, "");
  double worst = 0;
  for (const char* name : {metric::kPutRecordLatency, metric::kPutRecordsLatency}) {
    if (const Series* latency = s.series(name, kAverage)) {
      Point peak = *series_max(*latency);
      if (peak.value > config.put_latency_ms) {
        put.evidence.push_back(evidence(name, kAverage, peak.value, config.put_latency_ms, period, peak.at));
        worst = std::max(worst, peak.value);
      }
    }
  }
  if (!put.evidence.empty()) {
    put.title = "Put latency reached " + num(worst, 0) + " ms";
    put.explanation = "Producers wait this long for each write; with synchronous producers it caps their throughput.";
    put.recommendation = "Batch with PutRecords (up to 500 records), send asynchronously, and check for throttling "
                         "retries inside the producer library.";
    out.push_back(std::move(put));
  }
  return out;
}

// ---- data loss ----

std::vector<Finding> data_loss_rules(const StreamSnapshot& s, const RulesConfig&) {
  std::vector<Finding> out;
  const int period = s.period_seconds;
  const double retention_ms = s.retention_seconds() * 1000.0;
  if (const Series* age = s.series(metric::kIteratorAge, kMax)) {
    Point peak = *series_max(*age);
    if (peak.value >= retention_ms) {
      Finding f = make("records-expired", s, Category::kDataLoss, Severity::kCritical,
                       "Records expired before they were read (iterator age " + duration_text(peak.value / 1000) +
                           " ≥ retention " + std::to_string(s.retention_hours) + " h)");
      f.evidence.push_back(evidence(metric::kIteratorAge, kMax, peak.value, retention_ms, period, peak.at));
      f.explanation = "An iterator age at or above the retention period means the consumer was positioned on records "
                      "that Kinesis was already deleting: everything older was lost unread.";
      f.recommendation = "Raise retention now (IncreaseStreamRetentionPeriod, up to 8,760 h), then scale the consumer; "
                         "replay lost data from the producer side if it keeps a copy.";
      out.push_back(std::move(f));
    }
  }

  std::optional<Point> failed_peak, throttled_peak;
  const double failed = sum_of(s, metric::kPutRecordsFailedRecords, &failed_peak);
  const double throttled = sum_of(s, metric::kPutRecordsThrottledRecords, &throttled_peak);
  if (failed > 0 || throttled > 0) {
    Finding f = make("put-records-rejected", s, Category::kDataLoss, Severity::kWarning,
                     num(failed + throttled, 0) + " records were rejected by PutRecords");
    if (failed > 0) {
      f.evidence.push_back(evidence(metric::kPutRecordsFailedRecords, kSum, failed, 0.0, period));
      f.evidence.push_back(evidence(metric::kPutRecordsFailedRecords, kMax, failed_peak->value, 0.0, period, failed_peak->at));
    }
    if (throttled > 0) {
      f.evidence.push_back(evidence(metric::kPutRecordsThrottledRecords, kSum, throttled, 0.0, period));
      f.evidence.push_back(
          evidence(metric::kPutRecordsThrottledRecords, kMax, throttled_peak->value, 0.0, period, throttled_peak->at));
    }
    f.explanation = "PutRecords succeeds as a call even when some of its records fail. These records are lost unless "
                    "the producers retry them (the KPL and kwb put do; a plain SDK call does not).";
    f.recommendation = "Make sure every producer checks FailedRecordCount and retries the failed entries with backoff; "
                       "fix the cause (throttling: more shards or better key spread; internal failures: retry).";
    out.push_back(std::move(f));
  }

  Finding success = make("calls-failing", s, Category::kDataLoss, Severity::kWarning, "");
  for (const char* name : {metric::kGetRecordsSuccess, metric::kPutRecordsSuccess}) {
    if (const Series* series = s.series(name, kAverage)) {
      Point low = *series_min(*series);
      if (low.value < 1.0) success.evidence.push_back(evidence(name, kAverage, low.value, 1.0, period, low.at));
    }
  }
  if (!success.evidence.empty()) {
    success.title = "Some GetRecords/PutRecords calls failed (success average below 1)";
    success.explanation = "A Success average below 1 means a share of the calls in that period failed outright; "
                          "failed writes are lost unless retried, failed reads delay consumers.";
    success.recommendation = "Look at the throttling findings and the consumers' and producers' error logs for the "
                             "failing periods.";
    out.push_back(std::move(success));
  }
  return out;
}

// ---- throughput ----

std::vector<Finding> throughput_rules(const StreamSnapshot& s, const RulesConfig& config) {
  std::vector<Finding> out;
  const int period = s.period_seconds;
  const int shards = std::max(1, s.open_shard_count);
  const Load load = observed_load(s);
  const ShardRecommendation rec = recommend_shards(s, config.sizing);

  if (s.mode == CapacityMode::kProvisioned && load.has_data) {
    const double peak_bytes = load.peak_write_bytes / (shards * kShardWriteBytesPerSecond);
    const double peak_records = load.peak_write_records / (shards * kShardWriteRecordsPerSecond);
    const double p95_bytes = load.p95_write_bytes / (shards * kShardWriteBytesPerSecond);
    const double p95_records = load.p95_write_records / (shards * kShardWriteRecordsPerSecond);
    const double peak = std::max(peak_bytes, peak_records);
    const double p95 = std::max(p95_bytes, p95_records);
    if (peak >= config.utilisation_warning) {
      const Severity severity = p95 >= config.utilisation_warning ? Severity::kCritical : Severity::kWarning;
      Finding f = make("write-utilisation-high", s, Category::kThroughput, severity,
                       "Writes use " + percent(peak) + " of the shards' capacity at peak (" + percent(p95) + " at p95)");
      const double t = config.utilisation_warning;
      f.evidence.push_back(evidence("WriteUtilisation.Bytes", "Maximum", peak_bytes, t, period, load.peak_write_bytes_at));
      f.evidence.push_back(evidence("WriteUtilisation.Bytes", "p95", p95_bytes, t, period));
      f.evidence.push_back(
          evidence("WriteUtilisation.Records", "Maximum", peak_records, t, period, load.peak_write_records_at));
      f.evidence.push_back(evidence("WriteUtilisation.Records", "p95", p95_records, t, period));
      f.explanation = "Each shard takes at most 1 MiB/s and 1,000 records/s of writes. Utilisation is the busiest "
                      "period's rate (throttled records included) over " + std::to_string(shards) +
                      " shards' limit; near 100% producers are throttled.";
      f.recommendation = rec.recommended_shard_count > s.open_shard_count
                             ? scale_text(rec) + "."
                             : "Spread partition keys more evenly; the stream has enough shards on average.";
      out.push_back(std::move(f));
    }
  }

  std::optional<Point> write_peak;
  const double write_exceeded = sum_of(s, metric::kWriteExceeded, &write_peak);
  if (write_exceeded > 0) {
    Finding f = make("write-throttled", s, Category::kThroughput, Severity::kWarning,
                     num(write_exceeded, 0) + " writes were throttled (WriteProvisionedThroughputExceeded)");
    f.evidence.push_back(evidence(metric::kWriteExceeded, kSum, write_exceeded, 0.0, period));
    f.evidence.push_back(evidence(metric::kWriteExceeded, kMax, write_peak->value, 0.0, period, write_peak->at));
    f.explanation = "Producers wrote faster than the shards accept (1 MiB/s or 1,000 records/s per shard), either "
                    "for the whole stream or on a hot shard.";
    if (s.mode == CapacityMode::kOnDemand) {
      f.recommendation = "On-demand streams scale after traffic doubles its previous peak; smooth bursts on the "
                         "producer side or pre-scale by switching to provisioned for known peaks.";
    } else if (rec.recommended_shard_count > s.open_shard_count) {
      f.recommendation = scale_text(rec) + ".";
    } else {
      f.recommendation = "The stream has enough shards for its average load: look for a hot shard and spread the "
                         "partition keys.";
    }
    out.push_back(std::move(f));
  }

  std::optional<Point> read_peak;
  const double read_exceeded = sum_of(s, metric::kReadExceeded, &read_peak);
  if (read_exceeded > 0) {
    Finding f = make("read-throttled", s, Category::kThroughput, Severity::kWarning,
                     num(read_exceeded, 0) + " reads were throttled (ReadProvisionedThroughputExceeded)");
    f.evidence.push_back(evidence(metric::kReadExceeded, kSum, read_exceeded, 0.0, period));
    f.evidence.push_back(evidence(metric::kReadExceeded, kMax, read_peak->value, 0.0, period, read_peak->at));
    double calls_per_shard = 0;
    if (const Series* calls = s.series(metric::kGetRecordsSuccess, "SampleCount")) {
      Point peak = *series_max(*calls);
      calls_per_shard = peak.value / std::max(1, period) / shards;
      f.evidence.push_back(evidence("GetRecords.CallsPerShardPerSecond", "Maximum", calls_per_shard, 5.0, period, peak.at));
    }
    f.evidence.push_back(evidence("RegisteredConsumers", "Count", s.consumer_count, std::nullopt, 0));
    f.explanation = "All shared-throughput consumers of a shard split its 2 MiB/s and 5 GetRecords calls/s. ";
    if (calls_per_shard > 0) {
      f.explanation += "Consumers made up to " + num(calls_per_shard) + " calls/s per shard, which suggests about " +
                       std::to_string(std::max(1, static_cast<int>(std::lround(calls_per_shard)))) +
                       " polling consumers (one poll per second each). ";
    }
    f.explanation += std::to_string(s.consumer_count) + " enhanced fan-out consumers are registered.";
    f.recommendation = "Register the consumers that need low latency for enhanced fan-out (SubscribeToShard, "
                       "2 MiB/s per consumer per shard), or reduce each consumer's polling rate.";
    out.push_back(std::move(f));
  }

  // Hot shards: compare each shard's busiest period with the mean shard.
  if (s.shard_metrics.size() >= 2) {
    std::string hottest;
    double hottest_bytes = 0, total = 0;
    std::optional<Point> hottest_peak;
    for (const auto& [shard, series_by_key] : s.shard_metrics) {
      auto it = series_by_key.find(MetricKey{metric::kIncomingBytes, kSum});
      if (it == series_by_key.end() || it->second.empty()) continue;
      const double bytes = *series_sum(it->second);
      total += bytes;
      if (hottest.empty() || bytes > hottest_bytes) {
        hottest = shard;
        hottest_bytes = bytes;
        hottest_peak = series_max(it->second);
      }
    }
    const double mean = total / static_cast<double>(s.shard_metrics.size());
    if (!hottest.empty() && mean > 0 && hottest_bytes / mean >= config.hot_shard_ratio) {
      const double ratio = hottest_bytes / mean;
      const double peak_utilisation = hottest_peak->value / std::max(1, period) / kShardWriteBytesPerSecond;
      // Skew only hurts when the hot shard gets near its own limit.
      const Severity severity = peak_utilisation >= 0.5 ? Severity::kWarning : Severity::kInfo;
      Finding f = make("hot-shard", s, Category::kThroughput, severity,
                       "Shard " + hottest + " carries " + num(ratio) + "× the mean shard's writes");
      f.evidence.push_back(evidence("IncomingBytes.ShardSkew", "ratio", ratio, config.hot_shard_ratio, period));
      f.evidence.push_back(evidence(std::string(metric::kIncomingBytes) + "[" + hottest + "]", "UtilisationMaximum",
                                    peak_utilisation, 1.0, period, hottest_peak->at));
      f.explanation = "Partition keys are not spread evenly: one shard hits its 1 MiB/s limit while the others idle, "
                      "so adding shards helps less than fixing the keys.";
      f.recommendation = "Use higher-cardinality partition keys (or a random suffix), or split the hot shard "
                         "(SplitShard) along its hash range.";
      out.push_back(std::move(f));
    }
  }
  return out;
}

// ---- cost and configuration ----

std::vector<Finding> cost_and_configuration_rules(const StreamSnapshot& s, const RulesConfig& config) {
  std::vector<Finding> out;
  const int period = s.period_seconds;
  const int shards = std::max(1, s.open_shard_count);
  const Load load = observed_load(s);
  const ShardRecommendation rec = recommend_shards(s, config.sizing);

  if (s.mode == CapacityMode::kProvisioned && shards > 1 && rec.recommended_shard_count < shards) {
    const double bytes = load.peak_write_bytes / (shards * kShardWriteBytesPerSecond);
    const double records = load.peak_write_records / (shards * kShardWriteRecordsPerSecond);
    const double reads = load.peak_read_bytes / (shards * kShardReadBytesPerSecond);
    const double peak = std::max({bytes, records, reads});
    if (peak < config.low_utilisation) {
      Finding f = make("over-provisioned", s, Category::kCost, Severity::kWarning,
                       "Peak use is " + percent(peak) + " of " + std::to_string(shards) + " shards: scale down to " +
                           std::to_string(rec.recommended_shard_count));
      f.evidence.push_back(evidence("WriteUtilisation.Bytes", "Maximum", bytes, config.low_utilisation, period,
                                    load.peak_write_bytes_at));
      f.evidence.push_back(evidence("WriteUtilisation.Records", "Maximum", records, config.low_utilisation, period,
                                    load.peak_write_records_at));
      f.evidence.push_back(evidence("ReadUtilisation.Bytes", "Maximum", reads, config.low_utilisation, period));
      f.evidence.push_back(evidence("MonthlyCost.Provisioned", "before", rec.cost_before.provisioned, std::nullopt, 0));
      f.evidence.push_back(evidence("MonthlyCost.Provisioned", "after", rec.cost_after.provisioned, std::nullopt, 0));
      f.explanation = "Shards are billed per hour whether used or not; over the whole window the stream never used "
                      "more than " + percent(peak) + " of what it pays for, headroom of " +
                      percent(config.sizing.headroom) + " included in the recommendation.";
      f.recommendation = scale_text(rec) + ".";
      out.push_back(std::move(f));
    }
  }

  // Capacity mode: compare provisioned at the recommended size with on-demand at the same load.
  const double provisioned = rec.cost_after.provisioned;
  const double on_demand = rec.cost_after.on_demand;
  if (s.mode == CapacityMode::kProvisioned && on_demand < provisioned * (1 - config.mode_switch_min_saving)) {
    Finding f = make("mode-on-demand-cheaper", s, Category::kCost, Severity::kInfo,
                     "On-demand would cost $" + num(on_demand, 2) + "/month instead of $" + num(provisioned, 2));
    f.evidence.push_back(evidence("MonthlyCost.OnDemand", "estimate", on_demand, std::nullopt, 0));
    f.evidence.push_back(evidence("MonthlyCost.Provisioned", "estimate", provisioned, std::nullopt, 0));
    f.explanation = "At this load the per-GB on-demand price is below the cost of the shards needed (" +
                    rec.price_label + ").";
    f.recommendation = "Consider UpdateStreamMode to ON_DEMAND, which also removes shard management.";
    out.push_back(std::move(f));
  } else if (s.mode == CapacityMode::kOnDemand && provisioned < on_demand * (1 - config.mode_switch_min_saving)) {
    Finding f = make("mode-provisioned-cheaper", s, Category::kCost, Severity::kInfo,
                     "Provisioned with " + std::to_string(rec.recommended_shard_count) + " shards would cost $" +
                         num(provisioned, 2) + "/month instead of $" + num(on_demand, 2));
    f.evidence.push_back(evidence("MonthlyCost.OnDemand", "estimate", on_demand, std::nullopt, 0));
    f.evidence.push_back(evidence("MonthlyCost.Provisioned", "estimate", provisioned, std::nullopt, 0));
    f.explanation = "The load is steady and small enough that fixed shards cost less than on-demand's per-stream "
                    "and per-GB prices (" + rec.price_label + ").";
    f.recommendation = "Consider UpdateStreamMode to PROVISIONED with " + std::to_string(rec.recommended_shard_count) +
                       " shards if the load stays predictable.";
    out.push_back(std::move(f));
  }

  if (const Series* age = s.series(metric::kIteratorAge, kMax)) {
    Point peak = *series_max(*age);
    const double needed_seconds = peak.value / 1000.0 * config.retention_safety_factor;
    if (needed_seconds > s.retention_seconds()) {
      const int hours = std::clamp(static_cast<int>(std::ceil(needed_seconds / 3600.0)), 24, 8760);
      Finding f = make("retention-too-short", s, Category::kConfiguration, Severity::kWarning,
                       "Retention " + std::to_string(s.retention_hours) + " h is less than " +
                           num(config.retention_safety_factor) + "× the worst iterator age");
      f.evidence.push_back(evidence(metric::kIteratorAge, kMax, peak.value, s.retention_seconds() * 1000.0 /
                                    config.retention_safety_factor, period, peak.at));
      f.explanation = "Retention is the buffer that lets a slow or restarted consumer catch up without losing data; "
                      "it should comfortably exceed the worst lag seen.";
      f.recommendation = "IncreaseStreamRetentionPeriod to at least " + std::to_string(hours) +
                         " h (extended retention beyond 24 h is billed per shard-hour).";
      out.push_back(std::move(f));
    }
  }

  if (!s.enhanced_monitoring() && s.mode == CapacityMode::kProvisioned && shards > 1) {
    Finding f = make("enhanced-monitoring-off", s, Category::kConfiguration, Severity::kInfo,
                     "Shard-level metrics are off, so hot shards cannot be seen");
    f.explanation = "Stream-level metrics average over shards: a stream at 30% can have one shard throttling.";
    f.recommendation = "EnableEnhancedMonitoring for IncomingBytes, IncomingRecords and "
                       "WriteProvisionedThroughputExceeded (billed as custom CloudWatch metrics per shard).";
    out.push_back(std::move(f));
  }
  if (!s.encrypted) {
    Finding f = make("encryption-off", s, Category::kConfiguration, Severity::kInfo, "Server-side encryption is off");
    f.explanation = "Records are stored unencrypted at rest.";
    f.recommendation = "StartStreamEncryption with the AWS-managed key alias/aws/kinesis (no extra Kinesis charge).";
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<Finding> run_rules(const StreamSnapshot& snapshot, const RulesConfig& config) {
  std::vector<Finding> findings;
  for (auto* group : {&latency_rules, &data_loss_rules, &throughput_rules, &cost_and_configuration_rules}) {
    auto part = group(snapshot, config);
    findings.insert(findings.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
  }
  sort_findings(findings);
  return findings;
}

}  // namespace kwb::analysis
