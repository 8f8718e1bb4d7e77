#pragma once
// The CloudWatch data model as plain value types, shared by the client (src/cloudwatch) and, as
// the architecture allows, by the emulator's CloudWatch engine.
//
// Field names follow the API reference (MetricName -> metric_name, Namespace -> namespace_name,
// because `namespace` is a keyword). Optional wire members are std::optional so that "not sent"
// and "sent as zero/false" stay different, as they are for CloudWatch (an absent
// DatapointsToAlarm means "equal to EvaluationPeriods", not 0).
//
// Statistics and units stay strings: CloudWatch accepts open-ended forms (p99.9, TM(10%:90%),
// IQM) that an enum cannot list. Closed sets (alarm state, comparison operator, missing-data
// treatment, status code) are enums with to_string/parse pairs.
//
// Plain data: no ownership beyond the values themselves, no synchronisation.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace kwb::cloudwatch {

struct Dimension {
  std::string name;
  std::string value;
  bool operator==(const Dimension&) const = default;
};

// A ListMetrics filter: a dimension name, optionally with the value it must have.
struct DimensionFilter {
  std::string name;
  std::optional<std::string> value;
};

struct Metric {
  std::string namespace_name;  // e.g. "AWS/Kinesis"
  std::string metric_name;     // e.g. "IncomingBytes"
  std::vector<Dimension> dimensions;
  bool operator==(const Metric&) const = default;
};

struct MetricStat {
  Metric metric;
  int period_seconds = 60;
  std::string stat = "Sum";  // Sum, Average, Minimum, Maximum, SampleCount, p99, ...
  std::optional<std::string> unit;
};

// One entry of GetMetricData's MetricDataQueries (also PutMetricAlarm's Metrics).
// REQUIRES: exactly one of metric_stat and expression is set.
struct MetricDataQuery {
  // Must match ^[a-z][a-zA-Z0-9_]*$ and be unique within one request. The batcher generates one
  // when it is empty; the single-call client requires it.
  std::string id;
  std::optional<MetricStat> metric_stat;
  std::optional<std::string> expression;  // metric math, e.g. "SUM(METRICS())" or "m1 / 60"
  std::optional<std::string> label;
  std::optional<bool> return_data;        // absent means true
  std::optional<int> period_seconds;      // for expressions only
  std::optional<std::string> account_id;  // cross-account observability
};

struct MessageData {
  std::string code;
  std::string value;
};

enum class StatusCode { kComplete, kPartialData, kInternalError, kForbidden };
enum class ScanBy { kTimestampDescending, kTimestampAscending };

struct MetricDataResult {
  std::string id;
  std::string label;
  // Parallel vectors: values[i] was measured at timestamps[i].
  std::vector<SystemTimePoint> timestamps;
  std::vector<double> values;
  StatusCode status_code = StatusCode::kComplete;
  std::vector<MessageData> messages;
};

struct GetMetricDataRequest {
  std::vector<MetricDataQuery> queries;  // at most 500 per call; see metric_batcher.h for more
  SystemTimePoint start_time;
  SystemTimePoint end_time;
  std::optional<std::string> next_token;
  std::optional<ScanBy> scan_by;
  std::optional<int> max_datapoints;
};

struct GetMetricDataPage {
  std::vector<MetricDataResult> results;
  std::vector<MessageData> messages;
  std::optional<std::string> next_token;
};

// GetMetricStatistics: one metric, several statistics per period.
struct GetMetricStatisticsRequest {
  Metric metric;
  SystemTimePoint start_time;
  SystemTimePoint end_time;
  int period_seconds = 60;
  std::vector<std::string> statistics;           // SampleCount, Average, Sum, Minimum, Maximum
  std::vector<std::string> extended_statistics;  // p50, p90, p99, ...
  std::optional<std::string> unit;
};

struct Datapoint {
  SystemTimePoint timestamp;
  std::optional<double> sample_count;
  std::optional<double> average;
  std::optional<double> sum;
  std::optional<double> minimum;
  std::optional<double> maximum;
  std::optional<std::string> unit;
  std::map<std::string, double> extended_statistics;  // "p99" -> value
};

struct GetMetricStatisticsResult {
  std::string label;
  std::vector<Datapoint> datapoints;
};

struct ListMetricsRequest {
  std::optional<std::string> namespace_name;
  std::optional<std::string> metric_name;
  std::vector<DimensionFilter> dimensions;
  std::optional<std::string> next_token;
  bool recently_active = false;  // true sends RecentlyActive=PT3H
};

struct ListMetricsPage {
  std::vector<Metric> metrics;
  std::optional<std::string> next_token;
};

struct StatisticSet {
  double sample_count = 0;
  double sum = 0;
  double minimum = 0;
  double maximum = 0;
};

// One PutMetricData datum: a single value, a statistic set, or values with counts.
struct MetricDatum {
  std::string metric_name;
  std::vector<Dimension> dimensions;
  std::optional<SystemTimePoint> timestamp;
  std::optional<double> value;
  std::optional<StatisticSet> statistic_values;
  std::vector<double> values;
  std::vector<double> counts;
  std::optional<std::string> unit;
  std::optional<int> storage_resolution;  // 1 (high resolution) or 60
};

struct PutMetricDataRequest {
  std::string namespace_name;  // custom namespaces only: CloudWatch rejects "AWS/..."
  std::vector<MetricDatum> metric_data;
};

enum class ComparisonOperator {
  kGreaterThanOrEqualToThreshold,
  kGreaterThanThreshold,
  kLessThanThreshold,
  kLessThanOrEqualToThreshold,
  kLessThanLowerOrGreaterThanUpperThreshold,
  kLessThanLowerThreshold,
  kGreaterThanUpperThreshold,
};

enum class TreatMissingData { kMissing, kIgnore, kBreaching, kNotBreaching };
enum class AlarmState { kOk, kAlarm, kInsufficientData };

// A metric alarm: every PutMetricAlarm field we support, plus the state fields DescribeAlarms
// returns. For put_metric_alarm the state fields are ignored.
struct MetricAlarm {
  std::string alarm_name;
  std::optional<std::string> alarm_description;
  std::optional<bool> actions_enabled;  // absent means true
  std::vector<std::string> ok_actions;
  std::vector<std::string> alarm_actions;
  std::vector<std::string> insufficient_data_actions;
  // A single-metric alarm: the metric and exactly one of statistic / extended_statistic.
  std::string metric_name;
  std::string namespace_name;
  std::optional<std::string> statistic;           // Sum, Average, Minimum, Maximum, SampleCount
  std::optional<std::string> extended_statistic;  // p99, ...
  std::vector<Dimension> dimensions;
  std::optional<int> period_seconds;
  std::optional<std::string> unit;
  // A metric-math alarm sets `metrics` instead of the metric fields above.
  std::vector<MetricDataQuery> metrics;
  int evaluation_periods = 1;
  std::optional<int> datapoints_to_alarm;  // M of N; absent means M == N
  double threshold = 0;
  ComparisonOperator comparison_operator = ComparisonOperator::kGreaterThanThreshold;
  std::optional<TreatMissingData> treat_missing_data;               // absent means missing
  std::optional<std::string> evaluate_low_sample_count_percentile;  // evaluate | ignore

  // Filled by DescribeAlarms only.
  std::optional<std::string> alarm_arn;
  std::optional<AlarmState> state_value;
  std::optional<std::string> state_reason;
  std::optional<std::string> state_reason_data;
  std::optional<SystemTimePoint> state_updated_timestamp;
  std::optional<SystemTimePoint> alarm_configuration_updated_timestamp;
};

struct DescribeAlarmsRequest {
  std::vector<std::string> alarm_names;  // at most 100
  std::optional<std::string> alarm_name_prefix;
  std::optional<AlarmState> state_value;
  std::optional<std::string> action_prefix;
  std::optional<int> max_records;  // 1..100 per page
  std::optional<std::string> next_token;
};

struct DescribeAlarmsPage {
  std::vector<MetricAlarm> metric_alarms;
  std::optional<std::string> next_token;
};

struct AlarmHistoryItem {
  std::string alarm_name;
  std::string alarm_type;  // MetricAlarm | CompositeAlarm
  SystemTimePoint timestamp;
  std::string history_item_type;  // ConfigurationUpdate | StateUpdate | Action
  std::string history_summary;
  std::string history_data;  // JSON text, as CloudWatch sends it
};

struct DescribeAlarmHistoryRequest {
  std::optional<std::string> alarm_name;
  std::optional<std::string> history_item_type;
  std::optional<SystemTimePoint> start_date;
  std::optional<SystemTimePoint> end_date;
  std::optional<int> max_records;
  std::optional<std::string> next_token;
  std::optional<ScanBy> scan_by;
};

struct AlarmHistoryPage {
  std::vector<AlarmHistoryItem> items;
  std::optional<std::string> next_token;
};

// Wire names ("GreaterThanThreshold", "ALARM", "notBreaching", ...) and back. parse_* return a
// kParse error naming the unknown value.
std::string_view to_string(ComparisonOperator value);
std::string_view to_string(TreatMissingData value);
std::string_view to_string(AlarmState value);
std::string_view to_string(StatusCode value);
std::string_view to_string(ScanBy value);
Result<ComparisonOperator> parse_comparison_operator(std::string_view text);
Result<TreatMissingData> parse_treat_missing_data(std::string_view text);
Result<AlarmState> parse_alarm_state(std::string_view text);
Result<StatusCode> parse_status_code(std::string_view text);

// True when id is a valid MetricDataQuery id: ^[a-z][a-zA-Z0-9_]*$ (and at most 255 chars).
bool is_valid_query_id(std::string_view id);

}  // namespace kwb::cloudwatch
