#include "analysis/alarms.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <deque>
#include <map>
#include <numeric>

namespace kwb::analysis {

namespace {

using cloudwatch::ComparisonOperator;
using cloudwatch::MetricAlarm;
using cloudwatch::TreatMissingData;

// What distinguishes one recommended alarm from another; the rest is common to all of them.
struct AlarmShape {
  const char* metric_name;
  const char* statistic;
  int period_seconds;
  int datapoints_to_alarm;  // M ...
  int evaluation_periods;   // ... out of N
  ComparisonOperator comparison;
  double threshold;
  std::string description;
};

// Every recommended alarm watches one stream-level AWS/Kinesis metric, and treats missing data as
// not breaching: an idle stream reports nothing and must not alarm.
MetricAlarm make_alarm(const StreamSnapshot& s, AlarmShape shape, const AlarmOptions& options) {
  MetricAlarm alarm;
  alarm.alarm_name = alarm_name(s.stream_name, shape.metric_name);
  alarm.namespace_name = "AWS/Kinesis";
  alarm.metric_name = shape.metric_name;
  alarm.statistic = shape.statistic;
  alarm.dimensions = {{"StreamName", s.stream_name}};
  alarm.period_seconds = shape.period_seconds;
  alarm.evaluation_periods = shape.evaluation_periods;
  alarm.datapoints_to_alarm = shape.datapoints_to_alarm;
  alarm.comparison_operator = shape.comparison;
  alarm.threshold = shape.threshold;
  alarm.treat_missing_data = TreatMissingData::kNotBreaching;
  alarm.alarm_description = std::move(shape.description);
  alarm.alarm_actions = options.alarm_actions;
  return alarm;
}

}  // namespace

std::string alarm_name(const std::string& stream, const std::string& metric_name) {
  std::string name = "kwb-" + stream + "-" + metric_name;
  for (char& c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) c = '-';
  }
  return name.substr(0, 255);
}

std::vector<MetricAlarm> recommend_alarms(const StreamSnapshot& s, const RulesConfig& config, const AlarmOptions& options) {
  std::vector<MetricAlarm> alarms;

  const std::string& name = s.stream_name;
  // Iterator age: the latency SLO, but never later than half the retention, where records start
  // to be at risk.
  const double slo_ms = config.iterator_age_threshold_for(s) * 1000.0;
  const double age_threshold = std::min(slo_ms, s.retention_seconds() * 1000.0 * config.retention_critical_fraction);
  alarms.push_back(make_alarm(
      s,
      {metric::kIteratorAge, "Maximum", 60, 5, 5, ComparisonOperator::kGreaterThanThreshold, age_threshold,
       "Consumers of " + name + " are more than " + std::to_string(static_cast<long long>(age_threshold / 1000)) +
           " s behind for 5 minutes (kwb: min of latency SLO and " +
           std::to_string(static_cast<int>(config.retention_critical_fraction * 100)) + "% of retention)"},
      options));

  // Write throttling: recurring, not only sustained. A stream that hits its limit for a minute at
  // every traffic peak never throttles five minutes in a row, yet every peak costs its producers
  // retries and latency; three throttled minutes in half an hour is that pattern, while a lone
  // burst (one or two minutes, retried away) stays quiet. Replaying the alarm over the window
  // (backtest_alarm) is how this choice was checked against such a stream.
  alarms.push_back(make_alarm(s,
                              {metric::kWriteExceeded, "Sum", 60, 3, 30, ComparisonOperator::kGreaterThanThreshold, 0,
                               "Writes to " + name + " throttled in 3 of the last 30 minutes (kwb)"},
                              options));

  // Read throttling: sustained only. Consumers polling a shard briefly over its 5 reads/s is
  // common and harmless (they back off and catch up); five minutes in a row is a consumer that
  // cannot keep up.
  alarms.push_back(make_alarm(s,
                              {metric::kReadExceeded, "Sum", 60, 5, 5, ComparisonOperator::kGreaterThanThreshold, 0,
                               "Sustained read throttling on " + name + " for 5 minutes (kwb)"},
                              options));

  // Any rejected record: lost unless the producer retries it, so one minute is enough.
  alarms.push_back(make_alarm(s,
                              {metric::kPutRecordsFailedRecords, "Sum", 60, 1, 1, ComparisonOperator::kGreaterThanThreshold,
                               0, "PutRecords rejected records on " + name + "; lost unless producers retry (kwb)"},
                              options));

  alarms.push_back(make_alarm(s,
                              {metric::kGetRecordsSuccess, "Average", 300, 3, 3, ComparisonOperator::kLessThanThreshold, 1,
                               "GetRecords calls failing on " + name + " for 15 minutes (kwb)"},
                              options));
  return alarms;
}

nlohmann::json to_json(const MetricAlarm& alarm) {
  nlohmann::json dimensions = nlohmann::json::array();
  for (const auto& d : alarm.dimensions) dimensions.push_back({{"name", d.name}, {"value", d.value}});
  return {{"alarm_name", alarm.alarm_name},
          {"namespace", alarm.namespace_name},
          {"metric_name", alarm.metric_name},
          {"statistic", alarm.statistic.value_or("")},
          {"dimensions", dimensions},
          {"period", alarm.period_seconds.value_or(60)},
          {"evaluation_periods", alarm.evaluation_periods},
          {"datapoints_to_alarm", alarm.datapoints_to_alarm.value_or(alarm.evaluation_periods)},
          {"threshold", alarm.threshold},
          {"comparison_operator", std::string(cloudwatch::to_string(alarm.comparison_operator))},
          {"treat_missing_data",
           alarm.treat_missing_data ? std::string(cloudwatch::to_string(*alarm.treat_missing_data)) : "missing"},
          {"description", alarm.alarm_description.value_or("")},
          {"alarm_actions", alarm.alarm_actions}};
}

AlarmApplyResult apply_alarms(const cloudwatch::Client& client, const std::vector<MetricAlarm>& alarms) {
  AlarmApplyResult result;
  for (const auto& alarm : alarms) {
    Status status = client.put_metric_alarm(alarm);
    if (status.ok()) {
      result.created.push_back(alarm.alarm_name);
    } else {
      result.failed.emplace_back(alarm.alarm_name, status.error());
    }
  }
  return result;
}

namespace {

std::optional<bool> breaches(ComparisonOperator op, double value, double threshold) {
  switch (op) {
    case ComparisonOperator::kGreaterThanThreshold: return value > threshold;
    case ComparisonOperator::kGreaterThanOrEqualToThreshold: return value >= threshold;
    case ComparisonOperator::kLessThanThreshold: return value < threshold;
    case ComparisonOperator::kLessThanOrEqualToThreshold: return value <= threshold;
    default: return std::nullopt;  // anomaly-detection bands need a model this replay does not have
  }
}

bool is_upper_bound(ComparisonOperator op) {
  return op == ComparisonOperator::kGreaterThanThreshold || op == ComparisonOperator::kGreaterThanOrEqualToThreshold;
}

// Rolls the points of one bucket into one datapoint of `statistic`; nullopt for a statistic
// whose roll-up cannot be formed from the statistic itself.
std::optional<double> roll_up(const std::string& statistic, const std::vector<double>& values) {
  if (statistic == "Sum" || statistic == "SampleCount") return std::accumulate(values.begin(), values.end(), 0.0);
  if (statistic == "Maximum") return *std::max_element(values.begin(), values.end());
  if (statistic == "Minimum") return *std::min_element(values.begin(), values.end());
  if (statistic == "Average") return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
  return std::nullopt;
}

}  // namespace

AlarmBacktest backtest_alarm(const MetricAlarm& alarm, const StreamSnapshot& snapshot) {
  using std::chrono::seconds;
  AlarmBacktest out;
  const int alarm_period = alarm.period_seconds.value_or(60);
  const int data_period = std::max(1, snapshot.period_seconds);
  const std::string statistic = alarm.statistic.value_or("");
  if (!breaches(alarm.comparison_operator, 0, 0)) {
    out.not_evaluated_reason = "comparison operator " + std::string(cloudwatch::to_string(alarm.comparison_operator)) +
                               " is not replayed";
    return out;
  }
  if (!roll_up(statistic, {0.0})) {
    out.not_evaluated_reason = "statistic '" + statistic + "' is not replayed";
    return out;
  }
  out.evaluated = true;

  // The evaluated period and "M out of N" covering the same span of time as the alarm's.
  const int resolution = std::max(alarm_period, data_period);
  out.resolution_seconds = resolution;
  // Rolling finer data up is exact for Sum, SampleCount, Maximum and Minimum; an average of
  // averages is not (sample counts differ), and coarser data cannot be split.
  out.approximate = data_period > alarm_period || alarm_period % data_period != 0 ||
                    (data_period < alarm_period && statistic == "Average");
  const int evaluation_periods = std::max(1, alarm.evaluation_periods);
  const int to_alarm = std::clamp(alarm.datapoints_to_alarm.value_or(evaluation_periods), 1, evaluation_periods);
  const auto scaled = [&](int n) {
    return std::max(1, static_cast<int>(std::ceil(static_cast<double>(n) * alarm_period / resolution)));
  };
  const int window_n = scaled(evaluation_periods);
  const int window_m = std::min(window_n, scaled(to_alarm));

  // Buckets aligned to the resolution, as CloudWatch aligns periods.
  const auto to_seconds = [](SystemTimePoint t) {
    return std::chrono::duration_cast<seconds>(t.time_since_epoch()).count();
  };
  const long long first_bucket = to_seconds(snapshot.window_start) / resolution * resolution;
  const long long end = to_seconds(snapshot.window_end);
  std::map<long long, std::vector<double>> buckets;
  if (const Series* series = snapshot.series(alarm.metric_name, statistic)) {
    for (std::size_t i = 0; i < series->size(); ++i) {
      const long long at = to_seconds(series->timestamps[i]);
      if (at < first_bucket || at >= end) continue;
      buckets[(at - first_bucket) / resolution * resolution + first_bucket].push_back(series->values[i]);
    }
  }

  const TreatMissingData missing = alarm.treat_missing_data.value_or(TreatMissingData::kMissing);
  std::deque<bool> recent;  // the last N datapoints' "breaching", oldest first
  bool in_alarm = false;
  for (long long bucket = first_bucket; bucket < end; bucket += resolution) {
    std::optional<bool> breaching;
    if (const auto found = buckets.find(bucket); found != buckets.end()) {
      const double value = *roll_up(statistic, found->second);
      ++out.datapoints;
      breaching = *breaches(alarm.comparison_operator, value, alarm.threshold);
      if (*breaching) ++out.breaching_datapoints;
      const bool worse = !out.worst_value || (is_upper_bound(alarm.comparison_operator) ? value > *out.worst_value
                                                                                       : value < *out.worst_value);
      if (worse) out.worst_value = value;
    } else if (missing == TreatMissingData::kBreaching) {
      breaching = true;
    } else if (missing == TreatMissingData::kNotBreaching) {
      breaching = false;
    }
    if (breaching) {
      recent.push_back(*breaching);
      if (static_cast<int>(recent.size()) > window_n) recent.pop_front();
    }
    const bool now_in_alarm = std::count(recent.begin(), recent.end(), true) >= window_m;
    if (now_in_alarm && !in_alarm) {
      ++out.times_fired;
      if (!out.first_alarm_at) out.first_alarm_at = SystemTimePoint(seconds(bucket + resolution));
    }
    if (now_in_alarm) out.time_in_alarm += seconds(resolution);
    in_alarm = now_in_alarm;
  }
  out.would_fire = out.times_fired > 0;
  return out;
}

nlohmann::json to_json(const AlarmBacktest& b) {
  if (!b.evaluated) return {{"evaluated", false}, {"reason", b.not_evaluated_reason}};
  return {{"evaluated", true},
          {"would_fire", b.would_fire},
          {"first_alarm_at", b.first_alarm_at ? nlohmann::json(format_iso8601_millis(*b.first_alarm_at)) : nlohmann::json()},
          {"minutes_in_alarm", static_cast<double>(b.time_in_alarm.count()) / 60.0},
          {"times_fired", b.times_fired},
          {"datapoints", b.datapoints},
          {"breaching_datapoints", b.breaching_datapoints},
          {"worst_value", b.worst_value ? nlohmann::json(*b.worst_value) : nlohmann::json()},
          {"resolution_seconds", b.resolution_seconds},
          {"approximate", b.approximate}};
}

}  // namespace kwb::analysis
