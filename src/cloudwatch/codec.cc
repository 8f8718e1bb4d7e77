#include "cloudwatch/codec.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <pugixml.hpp>
#include <stdexcept>

#include "aws/error_table.h"

namespace kwb::cloudwatch {
namespace {

using nlohmann::json;

// Thrown by the readers below and caught in decode_guard, inside this file only: decoders read
// like the shape they decode instead of checking a Result after every member.
struct WireError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <typename F>
auto decode_guard(std::string_view what, F&& decode) -> Result<decltype(decode())> {
  try {
    return decode();
  } catch (const WireError& e) {
    return Error::parse(std::string(what) + " response: " + e.what());
  } catch (const json::exception& e) {
    return Error::parse(std::string(what) + " response: " + e.what());
  }
}

// ---- Encoding helpers ----

std::string format_double(double value) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (ec != std::errc()) return std::to_string(value);
  return std::string(buffer, end);
}

void flatten_into(const json& value, const std::string& prefix, QueryParams& out) {
  switch (value.type()) {
    case json::value_t::object:
      for (const auto& [key, member] : value.items()) {
        std::string name = prefix;
        if (!name.empty()) name += '.';
        name += key;
        flatten_into(member, name, out);
      }
      break;
    case json::value_t::array: {
      int index = 1;
      for (const auto& element : value) flatten_into(element, prefix + ".member." + std::to_string(index++), out);
      break;
    }
    case json::value_t::string:
      out.emplace_back(prefix, value.get<std::string>());
      break;
    case json::value_t::boolean:
      out.emplace_back(prefix, value.get<bool>() ? "true" : "false");
      break;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      out.emplace_back(prefix, value.dump());
      break;
    case json::value_t::number_float:
      out.emplace_back(prefix, format_double(value.get<double>()));
      break;
    default:  // null, binary, discarded: nothing to send
      break;
  }
}

json encode_dimensions(const std::vector<Dimension>& dimensions) {
  json list = json::array();
  for (const auto& d : dimensions) list.push_back({{"Name", d.name}, {"Value", d.value}});
  return list;
}

json encode_metric(const Metric& metric) {
  json out = {{"Namespace", metric.namespace_name}, {"MetricName", metric.metric_name}};
  if (!metric.dimensions.empty()) out["Dimensions"] = encode_dimensions(metric.dimensions);
  return out;
}

json encode_query(const MetricDataQuery& query) {
  json out = {{"Id", query.id}};
  if (query.metric_stat) {
    const MetricStat& stat = *query.metric_stat;
    json ms = {{"Metric", encode_metric(stat.metric)}, {"Period", stat.period_seconds}, {"Stat", stat.stat}};
    if (stat.unit) ms["Unit"] = *stat.unit;
    out["MetricStat"] = std::move(ms);
  }
  if (query.expression) out["Expression"] = *query.expression;
  if (query.label) out["Label"] = *query.label;
  if (query.return_data) out["ReturnData"] = *query.return_data;
  if (query.period_seconds) out["Period"] = *query.period_seconds;
  if (query.account_id) out["AccountId"] = *query.account_id;
  return out;
}

json encode_strings(const std::vector<std::string>& values) {
  json list = json::array();
  for (const auto& v : values) list.push_back(v);
  return list;
}

json encode_doubles(const std::vector<double>& values) {
  json list = json::array();
  for (double v : values) list.push_back(v);
  return list;
}

// ---- Decoding helpers ----

const json* member(const json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<std::string> get_string(const json& object, std::string_view key) {
  const json* v = member(object, key);
  if (!v) return std::nullopt;
  if (!v->is_string()) throw WireError(std::string(key) + " is not a string");
  return v->get<std::string>();
}

std::string get_string_or_empty(const json& object, std::string_view key) {
  return get_string(object, key).value_or("");
}

// Paginated answers end with no NextToken or an empty one; both mean "last page".
std::optional<std::string> get_next_token(const json& result) {
  auto token = get_string(result, "NextToken");
  if (token && token->empty()) token.reset();
  return token;
}

double parse_double_text(const std::string& text, std::string_view key) {
  // JSON cannot carry non-finite numbers, so AWS JSON protocols send them as these strings.
  if (text == "Infinity") return std::numeric_limits<double>::infinity();
  if (text == "-Infinity") return -std::numeric_limits<double>::infinity();
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  double value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr != end) throw WireError(std::string(key) + " is not a number: '" + text + "'");
  return value;
}

double to_double(const json& v, std::string_view key) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) return parse_double_text(v.get<std::string>(), key);
  throw WireError(std::string(key) + " is not a number");
}

std::optional<double> get_double(const json& object, std::string_view key) {
  const json* v = member(object, key);
  if (!v) return std::nullopt;
  return to_double(*v, key);
}

std::optional<int> get_int(const json& object, std::string_view key) {
  auto d = get_double(object, key);
  if (!d) return std::nullopt;
  if (*d != std::floor(*d) || std::abs(*d) > 2e9) throw WireError(std::string(key) + " is not an integer");
  return static_cast<int>(*d);
}

std::optional<bool> get_bool(const json& object, std::string_view key) {
  const json* v = member(object, key);
  if (!v) return std::nullopt;
  if (v->is_boolean()) return v->get<bool>();
  if (v->is_string()) {
    if (*v == "true") return true;
    if (*v == "false") return false;
  }
  throw WireError(std::string(key) + " is not a boolean");
}

// "YYYY-MM-DDTHH:MM:SSZ" or "YYYY-MM-DDTHH:MM:SS.f...Z" (up to 9 fraction digits, kept to the
// millisecond), the one shape CloudWatch and the emulator put in GetMetricData answers; nullopt
// for anything else, which then goes to the general parse_iso8601. Why a second parser: an answer
// for 1,000 streams x 8 metrics over 3 h carries 1.44 million timestamps, and parse_iso8601
// (sscanf + timegm) was the largest single cost of decoding it (~25% of the client's CPU).
std::optional<SystemTimePoint> parse_wire_timestamp(std::string_view s) {
  if (s.size() < 20 || s.back() != 'Z' || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
      s[16] != ':') {
    return std::nullopt;
  }
  auto number = [&](std::size_t at, std::size_t digits, int& out) {
    out = 0;
    for (std::size_t i = at; i < at + digits; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
  if (!number(0, 4, year) || !number(5, 2, month) || !number(8, 2, day) || !number(11, 2, hour) ||
      !number(14, 2, minute) || !number(17, 2, second) || hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  if (s.size() > 20) {
    const std::size_t fraction = s.size() - 21;  // digits between '.' and 'Z'
    if (s[19] != '.' || fraction == 0 || fraction > 9) return std::nullopt;
    int ignored = 0;
    if (!number(20, fraction, ignored)) return std::nullopt;
    for (std::size_t i = 0; i < 3; ++i) millis = millis * 10 + (i < fraction ? s[20 + i] - '0' : 0);
  }
  const std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(unsigned(month)),
                                         std::chrono::day(unsigned(day))};
  if (!date.ok()) return std::nullopt;
  const auto time = std::chrono::sys_days(date) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
                    std::chrono::seconds(second) + std::chrono::milliseconds(millis);
  return std::chrono::time_point_cast<SystemTimePoint::duration>(time);
}

SystemTimePoint to_timestamp(const json& v, std::string_view key) {
  if (v.is_string()) {
    if (auto fast = parse_wire_timestamp(v.get_ref<const std::string&>())) return *fast;
  }
  if (v.is_number()) {
    const double seconds = v.get<double>();
    return SystemTimePoint(
        std::chrono::duration_cast<SystemTimePoint::duration>(std::chrono::duration<double>(seconds)));
  }
  if (v.is_string()) {
    SystemTimePoint out;
    if (parse_iso8601(v.get<std::string>(), out)) return out;
    // Some JSON encoders send epoch seconds as text.
    return to_timestamp(json(parse_double_text(v.get<std::string>(), key)), key);
  }
  throw WireError(std::string(key) + " is not a timestamp");
}

std::optional<SystemTimePoint> get_timestamp(const json& object, std::string_view key) {
  const json* v = member(object, key);
  if (!v) return std::nullopt;
  return to_timestamp(*v, key);
}

// A list member. An empty XML element (<Values/>) arrives as "", and an absent one as nothing;
// both mean the empty list.
const json& get_list(const json& object, std::string_view key) {
  static const json kEmpty = json::array();
  const json* v = member(object, key);
  if (!v) return kEmpty;
  if (v->is_array()) return *v;
  if (v->is_string() && v->get<std::string>().empty()) return kEmpty;
  throw WireError(std::string(key) + " is not a list");
}

std::vector<std::string> get_string_list(const json& object, std::string_view key) {
  std::vector<std::string> out;
  for (const auto& v : get_list(object, key)) {
    if (!v.is_string()) throw WireError(std::string(key) + " holds a non-string");
    out.push_back(v.get<std::string>());
  }
  return out;
}

template <typename T>
T unwrap(Result<T> result) {
  if (!result) throw WireError(result.error().message);
  return std::move(result).value();
}

std::vector<Dimension> decode_dimensions(const json& object) {
  std::vector<Dimension> out;
  for (const auto& d : get_list(object, "Dimensions")) {
    out.push_back({get_string_or_empty(d, "Name"), get_string_or_empty(d, "Value")});
  }
  return out;
}

Metric decode_metric(const json& object) {
  return {get_string_or_empty(object, "Namespace"), get_string_or_empty(object, "MetricName"),
          decode_dimensions(object)};
}

std::vector<MessageData> decode_messages(const json& object) {
  std::vector<MessageData> out;
  for (const auto& m : get_list(object, "Messages")) {
    out.push_back({get_string_or_empty(m, "Code"), get_string_or_empty(m, "Value")});
  }
  return out;
}

MetricDataQuery decode_query(const json& object) {
  MetricDataQuery q;
  q.id = get_string_or_empty(object, "Id");
  if (const json* ms = member(object, "MetricStat")) {
    MetricStat stat;
    if (const json* m = member(*ms, "Metric")) stat.metric = decode_metric(*m);
    stat.period_seconds = get_int(*ms, "Period").value_or(0);
    stat.stat = get_string_or_empty(*ms, "Stat");
    stat.unit = get_string(*ms, "Unit");
    q.metric_stat = std::move(stat);
  }
  q.expression = get_string(object, "Expression");
  q.label = get_string(object, "Label");
  q.return_data = get_bool(object, "ReturnData");
  q.period_seconds = get_int(object, "Period");
  q.account_id = get_string(object, "AccountId");
  return q;
}

MetricAlarm decode_alarm(const json& object) {
  MetricAlarm a;
  a.alarm_name = get_string_or_empty(object, "AlarmName");
  a.alarm_arn = get_string(object, "AlarmArn");
  a.alarm_description = get_string(object, "AlarmDescription");
  a.alarm_configuration_updated_timestamp = get_timestamp(object, "AlarmConfigurationUpdatedTimestamp");
  a.actions_enabled = get_bool(object, "ActionsEnabled");
  a.ok_actions = get_string_list(object, "OKActions");
  a.alarm_actions = get_string_list(object, "AlarmActions");
  a.insufficient_data_actions = get_string_list(object, "InsufficientDataActions");
  if (auto state = get_string(object, "StateValue")) a.state_value = unwrap(parse_alarm_state(*state));
  a.state_reason = get_string(object, "StateReason");
  a.state_reason_data = get_string(object, "StateReasonData");
  a.state_updated_timestamp = get_timestamp(object, "StateUpdatedTimestamp");
  a.metric_name = get_string_or_empty(object, "MetricName");
  a.namespace_name = get_string_or_empty(object, "Namespace");
  a.statistic = get_string(object, "Statistic");
  a.extended_statistic = get_string(object, "ExtendedStatistic");
  a.dimensions = decode_dimensions(object);
  a.period_seconds = get_int(object, "Period");
  a.unit = get_string(object, "Unit");
  a.evaluation_periods = get_int(object, "EvaluationPeriods").value_or(0);
  a.datapoints_to_alarm = get_int(object, "DatapointsToAlarm");
  a.threshold = get_double(object, "Threshold").value_or(0);
  if (auto op = get_string(object, "ComparisonOperator")) {
    a.comparison_operator = unwrap(parse_comparison_operator(*op));
  }
  if (auto t = get_string(object, "TreatMissingData")) a.treat_missing_data = unwrap(parse_treat_missing_data(*t));
  a.evaluate_low_sample_count_percentile = get_string(object, "EvaluateLowSampleCountPercentile");
  for (const auto& q : get_list(object, "Metrics")) a.metrics.push_back(decode_query(q));
  return a;
}

// ---- XML to the JSON shape ----

bool has_element_children(const pugi::xml_node& node) {
  for (auto child : node.children()) {
    if (child.type() == pugi::node_element) return true;
  }
  return false;
}

bool all_children_named(const pugi::xml_node& node, const char* name) {
  bool any = false;
  for (auto child : node.children()) {
    if (child.type() != pugi::node_element) continue;
    if (std::string_view(child.name()) != name) return false;
    any = true;
  }
  return any;
}

json xml_to_json(const pugi::xml_node& node) {
  if (!has_element_children(node)) return json(std::string(node.text().get()));
  if (all_children_named(node, "member")) {
    json list = json::array();
    for (auto child : node.children("member")) list.push_back(xml_to_json(child));
    return list;
  }
  if (all_children_named(node, "entry")) {
    // A map: <entry><key>p99</key><value>12.5</value></entry>.
    json map = json::object();
    for (auto entry : node.children("entry")) {
      map[entry.child("key").text().get()] = xml_to_json(entry.child("value"));
    }
    return map;
  }
  json object = json::object();
  for (auto child : node.children()) {
    if (child.type() != pugi::node_element) continue;
    object[child.name()] = xml_to_json(child);
  }
  return object;
}

}  // namespace

std::string_view to_string(Protocol protocol) { return protocol == Protocol::kQuery ? "query" : "json"; }

QueryParams flatten_query(const json& document) {
  QueryParams out;
  flatten_into(document, "", out);
  return out;
}

Result<json> parse_query_response(std::string_view xml, std::string_view action) {
  pugi::xml_document doc;
  const pugi::xml_parse_result parsed = doc.load_buffer(xml.data(), xml.size());
  if (!parsed) {
    return Error::parse(std::string(action) + " response is not XML: " + parsed.description());
  }
  const pugi::xml_node root = doc.document_element();
  const std::string root_name = root.name();
  if (root_name == "ErrorResponse") {
    // AwsClient turns error responses into Errors before we see them; this covers a 200 that
    // nevertheless carries an error document.
    const pugi::xml_node error = root.child("Error");
    return aws::make_aws_error(error.child("Code").text().get(), error.child("Message").text().get(), 0);
  }
  if (root_name != std::string(action) + "Response") {
    return Error::parse("unexpected " + root_name + " in answer to " + std::string(action));
  }
  const pugi::xml_node result = root.child((std::string(action) + "Result").c_str());
  if (!result) return json::object();
  json converted = xml_to_json(result);
  // A result element with no children (e.g. "<ListMetricsResult/>") converts to "", which the
  // decoders would not recognise as an object.
  if (!converted.is_object()) return json::object();
  return converted;
}

json encode_timestamp(SystemTimePoint time, Protocol protocol) {
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  if (protocol == Protocol::kJson10) {
    if (millis % 1000 == 0) return json(static_cast<std::int64_t>(millis / 1000));
    return json(static_cast<double>(millis) / 1000.0);
  }
  std::string text = format_iso8601_millis(time);
  // "...:00.000Z" -> "...:00Z": what the AWS CLI sends for whole seconds.
  if (millis % 1000 == 0 && text.size() > 5 && text.compare(text.size() - 5, 5, ".000Z") == 0) {
    text.erase(text.size() - 5, 4);
  }
  return json(std::move(text));
}

json encode_get_metric_data(const GetMetricDataRequest& request, Protocol protocol) {
  json queries = json::array();
  for (const auto& q : request.queries) queries.push_back(encode_query(q));
  json out = {{"MetricDataQueries", std::move(queries)},
              {"StartTime", encode_timestamp(request.start_time, protocol)},
              {"EndTime", encode_timestamp(request.end_time, protocol)}};
  if (request.next_token) out["NextToken"] = *request.next_token;
  if (request.scan_by) out["ScanBy"] = std::string(to_string(*request.scan_by));
  if (request.max_datapoints) out["MaxDatapoints"] = *request.max_datapoints;
  return out;
}

json encode_get_metric_statistics(const GetMetricStatisticsRequest& request, Protocol protocol) {
  json out = {{"Namespace", request.metric.namespace_name},
              {"MetricName", request.metric.metric_name},
              {"StartTime", encode_timestamp(request.start_time, protocol)},
              {"EndTime", encode_timestamp(request.end_time, protocol)},
              {"Period", request.period_seconds}};
  if (!request.metric.dimensions.empty()) out["Dimensions"] = encode_dimensions(request.metric.dimensions);
  if (!request.statistics.empty()) out["Statistics"] = encode_strings(request.statistics);
  if (!request.extended_statistics.empty()) out["ExtendedStatistics"] = encode_strings(request.extended_statistics);
  if (request.unit) out["Unit"] = *request.unit;
  return out;
}

json encode_list_metrics(const ListMetricsRequest& request) {
  json out = json::object();
  if (request.namespace_name) out["Namespace"] = *request.namespace_name;
  if (request.metric_name) out["MetricName"] = *request.metric_name;
  if (!request.dimensions.empty()) {
    json filters = json::array();
    for (const auto& f : request.dimensions) {
      json filter = {{"Name", f.name}};
      if (f.value) filter["Value"] = *f.value;
      filters.push_back(std::move(filter));
    }
    out["Dimensions"] = std::move(filters);
  }
  if (request.next_token) out["NextToken"] = *request.next_token;
  if (request.recently_active) out["RecentlyActive"] = "PT3H";
  return out;
}

json encode_put_metric_data(const PutMetricDataRequest& request, Protocol protocol) {
  json data = json::array();
  for (const auto& d : request.metric_data) {
    json datum = {{"MetricName", d.metric_name}};
    if (!d.dimensions.empty()) datum["Dimensions"] = encode_dimensions(d.dimensions);
    if (d.timestamp) datum["Timestamp"] = encode_timestamp(*d.timestamp, protocol);
    if (d.value) datum["Value"] = *d.value;
    if (d.statistic_values) {
      datum["StatisticValues"] = {{"SampleCount", d.statistic_values->sample_count},
                                  {"Sum", d.statistic_values->sum},
                                  {"Minimum", d.statistic_values->minimum},
                                  {"Maximum", d.statistic_values->maximum}};
    }
    if (!d.values.empty()) datum["Values"] = encode_doubles(d.values);
    if (!d.counts.empty()) datum["Counts"] = encode_doubles(d.counts);
    if (d.unit) datum["Unit"] = *d.unit;
    if (d.storage_resolution) datum["StorageResolution"] = *d.storage_resolution;
    data.push_back(std::move(datum));
  }
  return {{"Namespace", request.namespace_name}, {"MetricData", std::move(data)}};
}

json encode_put_metric_alarm(const MetricAlarm& alarm) {
  json out = {{"AlarmName", alarm.alarm_name},
              {"EvaluationPeriods", alarm.evaluation_periods},
              {"Threshold", alarm.threshold},
              {"ComparisonOperator", std::string(to_string(alarm.comparison_operator))}};
  if (alarm.alarm_description) out["AlarmDescription"] = *alarm.alarm_description;
  if (alarm.actions_enabled) out["ActionsEnabled"] = *alarm.actions_enabled;
  if (!alarm.ok_actions.empty()) out["OKActions"] = encode_strings(alarm.ok_actions);
  if (!alarm.alarm_actions.empty()) out["AlarmActions"] = encode_strings(alarm.alarm_actions);
  if (!alarm.insufficient_data_actions.empty()) {
    out["InsufficientDataActions"] = encode_strings(alarm.insufficient_data_actions);
  }
  if (!alarm.metric_name.empty()) out["MetricName"] = alarm.metric_name;
  if (!alarm.namespace_name.empty()) out["Namespace"] = alarm.namespace_name;
  if (alarm.statistic) out["Statistic"] = *alarm.statistic;
  if (alarm.extended_statistic) out["ExtendedStatistic"] = *alarm.extended_statistic;
  if (!alarm.dimensions.empty()) out["Dimensions"] = encode_dimensions(alarm.dimensions);
  if (alarm.period_seconds) out["Period"] = *alarm.period_seconds;
  if (alarm.unit) out["Unit"] = *alarm.unit;
  if (alarm.datapoints_to_alarm) out["DatapointsToAlarm"] = *alarm.datapoints_to_alarm;
  if (alarm.treat_missing_data) out["TreatMissingData"] = std::string(to_string(*alarm.treat_missing_data));
  if (alarm.evaluate_low_sample_count_percentile) {
    out["EvaluateLowSampleCountPercentile"] = *alarm.evaluate_low_sample_count_percentile;
  }
  if (!alarm.metrics.empty()) {
    json metrics = json::array();
    for (const auto& q : alarm.metrics) metrics.push_back(encode_query(q));
    out["Metrics"] = std::move(metrics);
  }
  return out;
}

json encode_describe_alarms(const DescribeAlarmsRequest& request) {
  json out = json::object();
  if (!request.alarm_names.empty()) out["AlarmNames"] = encode_strings(request.alarm_names);
  if (request.alarm_name_prefix) out["AlarmNamePrefix"] = *request.alarm_name_prefix;
  if (request.state_value) out["StateValue"] = std::string(to_string(*request.state_value));
  if (request.action_prefix) out["ActionPrefix"] = *request.action_prefix;
  if (request.max_records) out["MaxRecords"] = *request.max_records;
  if (request.next_token) out["NextToken"] = *request.next_token;
  return out;
}

json encode_delete_alarms(const std::vector<std::string>& alarm_names) {
  return {{"AlarmNames", encode_strings(alarm_names)}};
}

json encode_describe_alarm_history(const DescribeAlarmHistoryRequest& request, Protocol protocol) {
  json out = json::object();
  if (request.alarm_name) out["AlarmName"] = *request.alarm_name;
  if (request.history_item_type) out["HistoryItemType"] = *request.history_item_type;
  if (request.start_date) out["StartDate"] = encode_timestamp(*request.start_date, protocol);
  if (request.end_date) out["EndDate"] = encode_timestamp(*request.end_date, protocol);
  if (request.max_records) out["MaxRecords"] = *request.max_records;
  if (request.next_token) out["NextToken"] = *request.next_token;
  if (request.scan_by) out["ScanBy"] = std::string(to_string(*request.scan_by));
  return out;
}

Result<GetMetricDataPage> decode_get_metric_data(const json& result) {
  return decode_guard("GetMetricData", [&] {
    GetMetricDataPage page;
    for (const auto& r : get_list(result, "MetricDataResults")) {
      MetricDataResult out;
      out.id = get_string_or_empty(r, "Id");
      out.label = get_string_or_empty(r, "Label");
      for (const auto& t : get_list(r, "Timestamps")) out.timestamps.push_back(to_timestamp(t, "Timestamps"));
      for (const auto& v : get_list(r, "Values")) out.values.push_back(to_double(v, "Values"));
      if (out.timestamps.size() != out.values.size()) {
        throw WireError("result " + out.id + " has " + std::to_string(out.timestamps.size()) + " timestamps but " +
                        std::to_string(out.values.size()) + " values");
      }
      if (auto code = get_string(r, "StatusCode")) out.status_code = unwrap(parse_status_code(*code));
      out.messages = decode_messages(r);
      page.results.push_back(std::move(out));
    }
    page.messages = decode_messages(result);
    page.next_token = get_next_token(result);
    return page;
  });
}

Result<GetMetricStatisticsResult> decode_get_metric_statistics(const json& result) {
  return decode_guard("GetMetricStatistics", [&] {
    GetMetricStatisticsResult out;
    out.label = get_string_or_empty(result, "Label");
    for (const auto& d : get_list(result, "Datapoints")) {
      Datapoint p;
      p.timestamp = get_timestamp(d, "Timestamp").value_or(SystemTimePoint{});
      p.sample_count = get_double(d, "SampleCount");
      p.average = get_double(d, "Average");
      p.sum = get_double(d, "Sum");
      p.minimum = get_double(d, "Minimum");
      p.maximum = get_double(d, "Maximum");
      p.unit = get_string(d, "Unit");
      if (const json* ext = member(d, "ExtendedStatistics"); ext && ext->is_object()) {
        for (const auto& [name, value] : ext->items()) p.extended_statistics[name] = to_double(value, name);
      }
      out.datapoints.push_back(std::move(p));
    }
    return out;
  });
}

Result<ListMetricsPage> decode_list_metrics(const json& result) {
  return decode_guard("ListMetrics", [&] {
    ListMetricsPage page;
    for (const auto& m : get_list(result, "Metrics")) page.metrics.push_back(decode_metric(m));
    page.next_token = get_next_token(result);
    return page;
  });
}

Result<DescribeAlarmsPage> decode_describe_alarms(const json& result) {
  return decode_guard("DescribeAlarms", [&] {
    DescribeAlarmsPage page;
    for (const auto& a : get_list(result, "MetricAlarms")) page.metric_alarms.push_back(decode_alarm(a));
    page.next_token = get_next_token(result);
    return page;
  });
}

Result<AlarmHistoryPage> decode_describe_alarm_history(const json& result) {
  return decode_guard("DescribeAlarmHistory", [&] {
    AlarmHistoryPage page;
    for (const auto& h : get_list(result, "AlarmHistoryItems")) {
      AlarmHistoryItem item;
      item.alarm_name = get_string_or_empty(h, "AlarmName");
      item.alarm_type = get_string_or_empty(h, "AlarmType");
      item.timestamp = get_timestamp(h, "Timestamp").value_or(SystemTimePoint{});
      item.history_item_type = get_string_or_empty(h, "HistoryItemType");
      item.history_summary = get_string_or_empty(h, "HistorySummary");
      item.history_data = get_string_or_empty(h, "HistoryData");
      page.items.push_back(std::move(item));
    }
    page.next_token = get_next_token(result);
    return page;
  });
}

}  // namespace kwb::cloudwatch
