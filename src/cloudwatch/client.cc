#include "cloudwatch/client.h"

#include <cmath>
#include <set>
#include <utility>

namespace kwb::cloudwatch {
namespace {

constexpr std::size_t kMaxQueriesPerCall = 500;      // GetMetricData
constexpr std::size_t kMaxMetricDataPerCall = 1000;  // PutMetricData
constexpr std::size_t kMaxAlarmNamesPerCall = 100;   // DescribeAlarms, DeleteAlarms

Status check_not_empty(const std::string& value, const std::string& field) {
  if (value.empty()) return Error::invalid_input(field, field + " must not be empty");
  return ok_status();
}

Status check_period(int period_seconds, const std::string& field) {
  // CloudWatch: 1, 5, 10, 20 or 30 (high resolution) or any multiple of 60.
  const bool ok = period_seconds == 1 || period_seconds == 5 || period_seconds == 10 || period_seconds == 20 ||
                  period_seconds == 30 || (period_seconds > 0 && period_seconds % 60 == 0);
  if (!ok) {
    return Error::invalid_input(
        field, field + " must be 1, 5, 10, 20, 30 or a multiple of 60 (got " + std::to_string(period_seconds) + ")");
  }
  return ok_status();
}

Status check_time_range(SystemTimePoint start, SystemTimePoint end) {
  if (!(start < end)) return Error::invalid_input("StartTime", "StartTime must be before EndTime");
  return ok_status();
}

// Follows NextToken: fetch(request) returns one page; take(page) moves its items out.
template <typename Item, typename Request, typename Fetch, typename Take>
Result<std::vector<Item>> collect_pages(Request request, int max_pages, const char* operation, Fetch fetch, Take take) {
  std::vector<Item> all;
  for (int page = 0; page < max_pages; ++page) {
    auto result = fetch(request);
    if (!result) return std::move(result).error();
    for (auto& item : take(*result)) all.push_back(std::move(item));
    if (!result->next_token) return all;
    request.next_token = std::move(result->next_token);
  }
  return Error::internal(std::string(operation) + " still had more pages after " + std::to_string(max_pages));
}

}  // namespace

Status validate_query(const MetricDataQuery& query, const std::string& field) {
  if (!is_valid_query_id(query.id)) {
    return Error::invalid_input(field + ".Id", "query id '" + query.id + "' must match ^[a-z][a-zA-Z0-9_]*$");
  }
  if (query.metric_stat.has_value() == query.expression.has_value()) {
    return Error::invalid_input(field, "query '" + query.id + "' needs exactly one of MetricStat and Expression");
  }
  if (query.metric_stat) {
    KWB_RETURN_IF_ERROR(
        check_not_empty(query.metric_stat->metric.namespace_name, field + ".MetricStat.Metric.Namespace"));
    KWB_RETURN_IF_ERROR(
        check_not_empty(query.metric_stat->metric.metric_name, field + ".MetricStat.Metric.MetricName"));
    KWB_RETURN_IF_ERROR(check_not_empty(query.metric_stat->stat, field + ".MetricStat.Stat"));
    KWB_RETURN_IF_ERROR(check_period(query.metric_stat->period_seconds, field + ".MetricStat.Period"));
  } else {
    KWB_RETURN_IF_ERROR(check_not_empty(*query.expression, field + ".Expression"));
  }
  return ok_status();
}

Status validate_metric_alarm(const MetricAlarm& alarm) {
  KWB_RETURN_IF_ERROR(check_not_empty(alarm.alarm_name, "AlarmName"));
  if (alarm.evaluation_periods < 1) return Error::invalid_input("EvaluationPeriods", "EvaluationPeriods must be >= 1");
  if (alarm.datapoints_to_alarm &&
      (*alarm.datapoints_to_alarm < 1 || *alarm.datapoints_to_alarm > alarm.evaluation_periods)) {
    return Error::invalid_input("DatapointsToAlarm", "DatapointsToAlarm must be between 1 and EvaluationPeriods");
  }
  if (!std::isfinite(alarm.threshold)) return Error::invalid_input("Threshold", "Threshold must be finite");
  if (!alarm.metrics.empty()) {
    if (!alarm.metric_name.empty() || alarm.statistic || alarm.extended_statistic) {
      return Error::invalid_input("Metrics", "a metric-math alarm sets Metrics instead of MetricName/Statistic");
    }
    std::set<std::string> ids;
    for (std::size_t i = 0; i < alarm.metrics.size(); ++i) {
      const std::string field = "Metrics.member." + std::to_string(i + 1);
      KWB_RETURN_IF_ERROR(validate_query(alarm.metrics[i], field));
      if (!ids.insert(alarm.metrics[i].id).second) return Error::invalid_input(field + ".Id", "duplicate query id");
    }
    return ok_status();
  }
  KWB_RETURN_IF_ERROR(check_not_empty(alarm.metric_name, "MetricName"));
  KWB_RETURN_IF_ERROR(check_not_empty(alarm.namespace_name, "Namespace"));
  if (alarm.statistic.has_value() == alarm.extended_statistic.has_value()) {
    return Error::invalid_input("Statistic", "set exactly one of Statistic and ExtendedStatistic");
  }
  if (!alarm.period_seconds) return Error::invalid_input("Period", "Period is required for a single-metric alarm");
  KWB_RETURN_IF_ERROR(check_period(*alarm.period_seconds, "Period"));
  return ok_status();
}

Client::Client(aws::AwsClient aws, ClientOptions options) : aws_(std::move(aws)), options_(options) {}

Result<nlohmann::json> Client::call(const std::string& operation, const nlohmann::json& document,
                                    CallCounters* counters) const {
  aws::CallStats stats;
  Result<nlohmann::json> result = [&]() -> Result<nlohmann::json> {
    if (options_.protocol == Protocol::kJson10) {
      Result<nlohmann::json> body = aws_.call_json(std::string(kJsonTargetPrefix), operation, document, "1.0", &stats);
      if (!body) return std::move(body).error();
      // Operations without output answer with an empty body or "{}".
      if (body->is_null()) return nlohmann::json::object();
      if (!body->is_object()) return Error::parse(operation + " response is not a JSON object");
      return std::move(body).value();
    }
    Result<std::string> xml = aws_.call_query(operation, std::string(kApiVersion), flatten_query(document), &stats);
    if (!xml) return std::move(xml).error();
    return parse_query_response(*xml, operation);
  }();
  if (counters) {
    counters->requests += 1;
    counters->attempts += stats.attempts;
  }
  return result;
}

Result<GetMetricDataPage> Client::get_metric_data(const GetMetricDataRequest& request, CallCounters* counters) const {
  if (request.queries.empty() || request.queries.size() > kMaxQueriesPerCall) {
    return Error::invalid_input("MetricDataQueries", "GetMetricData takes 1 to 500 queries (got " +
                                                         std::to_string(request.queries.size()) + ")");
  }
  KWB_RETURN_IF_ERROR(check_time_range(request.start_time, request.end_time));
  std::set<std::string> ids;
  for (std::size_t i = 0; i < request.queries.size(); ++i) {
    const std::string field = "MetricDataQueries.member." + std::to_string(i + 1);
    KWB_RETURN_IF_ERROR(validate_query(request.queries[i], field));
    if (!ids.insert(request.queries[i].id).second) {
      return Error::invalid_input(field + ".Id", "duplicate query id '" + request.queries[i].id + "'");
    }
  }
  Result<nlohmann::json> result = call("GetMetricData", encode_get_metric_data(request, options_.protocol), counters);
  if (!result) return std::move(result).error();
  return decode_get_metric_data(*result);
}

Result<GetMetricStatisticsResult> Client::get_metric_statistics(const GetMetricStatisticsRequest& request) const {
  KWB_RETURN_IF_ERROR(check_not_empty(request.metric.namespace_name, "Namespace"));
  KWB_RETURN_IF_ERROR(check_not_empty(request.metric.metric_name, "MetricName"));
  KWB_RETURN_IF_ERROR(check_period(request.period_seconds, "Period"));
  KWB_RETURN_IF_ERROR(check_time_range(request.start_time, request.end_time));
  if (request.statistics.empty() && request.extended_statistics.empty()) {
    return Error::invalid_input("Statistics", "ask for at least one of Statistics and ExtendedStatistics");
  }
  Result<nlohmann::json> result = call("GetMetricStatistics", encode_get_metric_statistics(request, options_.protocol));
  if (!result) return std::move(result).error();
  return decode_get_metric_statistics(*result);
}

Result<ListMetricsPage> Client::list_metrics(const ListMetricsRequest& request) const {
  Result<nlohmann::json> result = call("ListMetrics", encode_list_metrics(request));
  if (!result) return std::move(result).error();
  return decode_list_metrics(*result);
}

Result<std::vector<Metric>> Client::list_all_metrics(ListMetricsRequest request) const {
  return collect_pages<Metric>(
      std::move(request), options_.max_pages, "ListMetrics",
      [this](const ListMetricsRequest& r) { return list_metrics(r); },
      [](ListMetricsPage& page) -> std::vector<Metric>& { return page.metrics; });
}

Status Client::put_metric_data(const PutMetricDataRequest& request) const {
  KWB_RETURN_IF_ERROR(check_not_empty(request.namespace_name, "Namespace"));
  if (request.namespace_name.starts_with("AWS/")) {
    return Error::invalid_input("Namespace", "the AWS/ namespaces are reserved for AWS services");
  }
  if (request.metric_data.empty() || request.metric_data.size() > kMaxMetricDataPerCall) {
    return Error::invalid_input("MetricData", "PutMetricData takes 1 to 1000 data");
  }
  for (std::size_t i = 0; i < request.metric_data.size(); ++i) {
    const MetricDatum& d = request.metric_data[i];
    const std::string field = "MetricData.member." + std::to_string(i + 1);
    KWB_RETURN_IF_ERROR(check_not_empty(d.metric_name, field + ".MetricName"));
    // CloudWatch rejects NaN and infinities, and JSON cannot even carry them.
    bool finite = !d.value || std::isfinite(*d.value);
    for (double v : d.values) finite = finite && std::isfinite(v);
    if (!finite) return Error::invalid_input(field + ".Value", "metric values must be finite numbers");
    if (!d.counts.empty() && d.counts.size() != d.values.size()) {
      return Error::invalid_input(field + ".Counts", "Counts must have as many entries as Values");
    }
  }
  Result<nlohmann::json> result = call("PutMetricData", encode_put_metric_data(request, options_.protocol));
  if (!result) return std::move(result).error();
  return ok_status();
}

Status Client::put_metric_alarm(const MetricAlarm& alarm) const {
  KWB_RETURN_IF_ERROR(validate_metric_alarm(alarm));
  Result<nlohmann::json> result = call("PutMetricAlarm", encode_put_metric_alarm(alarm));
  if (!result) return std::move(result).error();
  return ok_status();
}

Result<DescribeAlarmsPage> Client::describe_alarms(const DescribeAlarmsRequest& request) const {
  if (request.alarm_names.size() > kMaxAlarmNamesPerCall) {
    return Error::invalid_input("AlarmNames", "DescribeAlarms takes at most 100 alarm names");
  }
  Result<nlohmann::json> result = call("DescribeAlarms", encode_describe_alarms(request));
  if (!result) return std::move(result).error();
  return decode_describe_alarms(*result);
}

Result<std::vector<MetricAlarm>> Client::describe_all_alarms(DescribeAlarmsRequest request) const {
  return collect_pages<MetricAlarm>(
      std::move(request), options_.max_pages, "DescribeAlarms",
      [this](const DescribeAlarmsRequest& r) { return describe_alarms(r); },
      [](DescribeAlarmsPage& page) -> std::vector<MetricAlarm>& { return page.metric_alarms; });
}

Status Client::delete_alarms(const std::vector<std::string>& alarm_names) const {
  if (alarm_names.empty() || alarm_names.size() > kMaxAlarmNamesPerCall) {
    return Error::invalid_input("AlarmNames", "DeleteAlarms takes 1 to 100 alarm names");
  }
  Result<nlohmann::json> result = call("DeleteAlarms", encode_delete_alarms(alarm_names));
  if (!result) return std::move(result).error();
  return ok_status();
}

Result<AlarmHistoryPage> Client::describe_alarm_history(const DescribeAlarmHistoryRequest& request) const {
  Result<nlohmann::json> result =
      call("DescribeAlarmHistory", encode_describe_alarm_history(request, options_.protocol));
  if (!result) return std::move(result).error();
  return decode_describe_alarm_history(*result);
}

Result<std::vector<AlarmHistoryItem>> Client::describe_all_alarm_history(DescribeAlarmHistoryRequest request) const {
  return collect_pages<AlarmHistoryItem>(
      std::move(request), options_.max_pages, "DescribeAlarmHistory",
      [this](const DescribeAlarmHistoryRequest& r) { return describe_alarm_history(r); },
      [](AlarmHistoryPage& page) -> std::vector<AlarmHistoryItem>& { return page.items; });
}

}  // namespace kwb::cloudwatch
