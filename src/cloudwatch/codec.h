#pragma once
// CloudWatch request/response encoding for both wire protocols, with one code path per operation.
//
// Every request is first built as a protocol-neutral "document": a nlohmann::json object whose
// member names are the API's member names (MetricDataQueries, MetricStat, Dimensions, ...).
//   - AWS JSON 1.0 sends the document as the body unchanged.
//   - The Query protocol flattens it: object members join with '.', list elements become
//     "<Name>.member.<N>" (1-based), so MetricDataQueries[0].MetricStat.Metric.Dimensions[0].Name
//     becomes MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Name.
// The one difference the document cannot hide is the timestamp: Query sends ISO 8601 text, JSON
// 1.0 sends epoch seconds as a number. Encoders therefore take the Protocol and emit the right
// leaf, so the flattener needs no knowledge of shapes.
//
// Responses go the other way: a Query XML response is converted to the same JSON shape (a
// <member> list becomes an array, an <entry><key/><value/> map an object, a text leaf a string)
// and the one decoder per operation reads either. The readers accept numbers and booleans both as
// JSON values and as XML text, and timestamps as ISO text or epoch seconds.
//
// Pure functions; thread-safe. Exposed (rather than hidden in client.cc) so the tests and the
// emulator's CloudWatch front end can check shapes without HTTP.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cloudwatch/types.h"
#include "core/result.h"

namespace kwb::cloudwatch {

enum class Protocol {
  kQuery,   // form-encoded Action=...&Version=2010-08-01, XML responses (the default, works everywhere)
  kJson10,  // X-Amz-Target: GraniteServiceVersion20100801.<Op>, application/x-amz-json-1.0
};

std::string_view to_string(Protocol protocol);

inline constexpr std::string_view kApiVersion = "2010-08-01";
inline constexpr std::string_view kJsonTargetPrefix = "GraniteServiceVersion20100801";

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// ---- Protocol plumbing ----

// Flattens a request document into Query parameters (without Action and Version).
// Empty lists and null members are omitted.
QueryParams flatten_query(const nlohmann::json& document);

// Parses a Query XML response for `action` and returns the content of its <ActionResult> element
// in the JSON shape (an empty object when the response has no result element). kParse error on
// malformed XML or an unexpected root; an <ErrorResponse> becomes the AWS error it carries.
Result<nlohmann::json> parse_query_response(std::string_view xml, std::string_view action);

// A timestamp leaf for the protocol: "2024-05-01T12:00:00Z" (Query) or 1714564800 (JSON 1.0).
nlohmann::json encode_timestamp(SystemTimePoint time, Protocol protocol);

// ---- Requests ----

nlohmann::json encode_get_metric_data(const GetMetricDataRequest& request, Protocol protocol);
nlohmann::json encode_get_metric_statistics(const GetMetricStatisticsRequest& request, Protocol protocol);
nlohmann::json encode_list_metrics(const ListMetricsRequest& request);
nlohmann::json encode_put_metric_data(const PutMetricDataRequest& request, Protocol protocol);
nlohmann::json encode_put_metric_alarm(const MetricAlarm& alarm);
nlohmann::json encode_describe_alarms(const DescribeAlarmsRequest& request);
nlohmann::json encode_delete_alarms(const std::vector<std::string>& alarm_names);
nlohmann::json encode_describe_alarm_history(const DescribeAlarmHistoryRequest& request, Protocol protocol);

// ---- Responses (the <OpResult> content, or the JSON body) ----

Result<GetMetricDataPage> decode_get_metric_data(const nlohmann::json& result);
Result<GetMetricStatisticsResult> decode_get_metric_statistics(const nlohmann::json& result);
Result<ListMetricsPage> decode_list_metrics(const nlohmann::json& result);
Result<DescribeAlarmsPage> decode_describe_alarms(const nlohmann::json& result);
Result<AlarmHistoryPage> decode_describe_alarm_history(const nlohmann::json& result);

}  // namespace kwb::cloudwatch
