#include "analysis/alarms.h"

#include <algorithm>
#include <cctype>

namespace kwb::analysis {

namespace {

using cloudwatch::ComparisonOperator;
using cloudwatch::MetricAlarm;
using cloudwatch::TreatMissingData;

MetricAlarm base(const StreamSnapshot& s, const char* metric_name, const char* statistic, int period,
                 int evaluation_periods, const AlarmOptions& options) {
  MetricAlarm alarm;
  alarm.alarm_name = alarm_name(s.stream_name, metric_name);
  alarm.namespace_name = "AWS/Kinesis";
  alarm.metric_name = metric_name;
  alarm.statistic = statistic;
  alarm.dimensions = {{"StreamName", s.stream_name}};
  alarm.period_seconds = period;
  alarm.evaluation_periods = evaluation_periods;
  alarm.datapoints_to_alarm = evaluation_periods;
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

  // Iterator age: the latency SLO, but never later than half the retention, where records start
  // to be at risk. Missing data is not breaching: an idle stream has no iterator age.
  MetricAlarm age = base(s, metric::kIteratorAge, "Maximum", 60, 5, options);
  const double slo_ms = config.iterator_age_threshold_for(s) * 1000.0;
  const double half_retention_ms = s.retention_seconds() * 1000.0 * config.retention_critical_fraction;
  age.threshold = std::min(slo_ms, half_retention_ms);
  age.comparison_operator = ComparisonOperator::kGreaterThanThreshold;
  age.treat_missing_data = TreatMissingData::kNotBreaching;
  age.alarm_description = "Consumers of " + s.stream_name + " are more than " +
                          std::to_string(static_cast<long long>(age.threshold / 1000)) +
                          " s behind for 5 minutes (kwb: min of latency SLO and " +
                          std::to_string(static_cast<int>(config.retention_critical_fraction * 100)) + "% of retention)";
  alarms.push_back(std::move(age));

  for (const char* name : {metric::kWriteExceeded, metric::kReadExceeded}) {
    MetricAlarm alarm = base(s, name, "Sum", 60, 5, options);
    alarm.threshold = 0;
    alarm.comparison_operator = ComparisonOperator::kGreaterThanThreshold;
    alarm.treat_missing_data = TreatMissingData::kNotBreaching;
    alarm.alarm_description = "Sustained throttling on " + s.stream_name + " for 5 minutes (kwb)";
    alarms.push_back(std::move(alarm));
  }

  MetricAlarm failed = base(s, metric::kPutRecordsFailedRecords, "Sum", 60, 1, options);
  failed.threshold = 0;
  failed.comparison_operator = ComparisonOperator::kGreaterThanThreshold;
  failed.treat_missing_data = TreatMissingData::kNotBreaching;
  failed.alarm_description = "PutRecords rejected records on " + s.stream_name + "; lost unless producers retry (kwb)";
  alarms.push_back(std::move(failed));

  MetricAlarm success = base(s, metric::kGetRecordsSuccess, "Average", 300, 3, options);
  success.threshold = 1;
  success.comparison_operator = ComparisonOperator::kLessThanThreshold;
  success.treat_missing_data = TreatMissingData::kNotBreaching;
  success.alarm_description = "GetRecords calls failing on " + s.stream_name + " for 15 minutes (kwb)";
  alarms.push_back(std::move(success));
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

}  // namespace kwb::analysis
