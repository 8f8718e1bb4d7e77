#include "emulator/cloudwatch/service.h"

#include "emulator/signature_verifier.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <set>

#include "core/encoding.h"
#include "emulator/cloudwatch/metric_math.h"
#include "emulator/cloudwatch/statistics.h"

namespace kwb::emulator::cloudwatch {

using Json = nlohmann::json;

namespace {

constexpr std::int64_t kDay = 86400;

// ---- reading inputs that may be JSON-typed (JSON, CBOR) or text (Query) ----------------------

Error invalid(const std::string& message) { return cw_error("InvalidParameterValue", message); }
Error missing(const std::string& path) { return cw_error("MissingParameter", "The parameter " + path + " is required."); }
Error combination(const std::string& message) { return cw_error("InvalidParameterCombination", message); }

const Json* member(const Json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string join(const std::string& path, const char* key) { return path.empty() ? key : path + "." + key; }

Result<std::optional<std::string>> opt_string(const Json& object, const char* key, const std::string& path) {
  const Json* value = member(object, key);
  if (value == nullptr) return std::optional<std::string>();
  if (value->is_string()) return std::optional<std::string>(value->get<std::string>());
  return invalid("The parameter " + join(path, key) + " must be a string.");
}

Result<std::optional<double>> parse_double_text(const std::string& text, const std::string& name) {
  double number = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  auto [stop, ec] = std::from_chars(begin, end, number);
  if (ec != std::errc() || stop != end || text.empty()) {
    return invalid("The value " + text + " for parameter " + name + " is not a valid number.");
  }
  return std::optional<double>(number);
}

Result<std::optional<double>> opt_double(const Json& object, const char* key, const std::string& path) {
  const Json* value = member(object, key);
  if (value == nullptr) return std::optional<double>();
  if (value->is_number()) return std::optional<double>(value->get<double>());
  if (value->is_string()) return parse_double_text(value->get<std::string>(), join(path, key));
  return invalid("The parameter " + join(path, key) + " must be a number.");
}

Result<std::optional<std::int64_t>> opt_int(const Json& object, const char* key, const std::string& path) {
  auto number = opt_double(object, key, path);
  if (!number) return number.error();
  if (!*number) return std::optional<std::int64_t>();
  const double v = **number;
  if (!std::isfinite(v) || v != std::floor(v) || std::fabs(v) > 9e15) {
    return invalid("The parameter " + join(path, key) + " must be an integer.");
  }
  return std::optional<std::int64_t>(static_cast<std::int64_t>(v));
}

Result<std::optional<bool>> opt_bool(const Json& object, const char* key, const std::string& path) {
  const Json* value = member(object, key);
  if (value == nullptr) return std::optional<bool>();
  if (value->is_boolean()) return std::optional<bool>(value->get<bool>());
  if (value->is_string()) {
    const std::string text = value->get<std::string>();
    if (text == "true") return std::optional<bool>(true);
    if (text == "false") return std::optional<bool>(false);
  }
  return invalid("The parameter " + join(path, key) + " must be true or false.");
}

// "2024-01-02T03:04:05Z", "...05.123Z", "...05+01:00", "2024-01-02", or epoch seconds.
std::optional<double> parse_time_text(std::string_view text) {
  if (!text.empty() && (std::isdigit(static_cast<unsigned char>(text[0])) || text[0] == '-') &&
      text.find_first_of("-T:", 1) == std::string_view::npos) {
    double number = 0;
    auto [stop, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec == std::errc() && stop == text.data() + text.size()) return number;
    return std::nullopt;
  }
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int consumed = 0;
  const std::string s(text);
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%n", &year, &month, &day, &consumed) != 3 || consumed != 10) return std::nullopt;
  std::size_t pos = 10;
  double fraction = 0;
  int offset_s = 0;
  if (pos < s.size() && (s[pos] == 'T' || s[pos] == 't' || s[pos] == ' ')) {
    if (std::sscanf(s.c_str() + pos + 1, "%2d:%2d:%2d%n", &hour, &minute, &second, &consumed) != 3 || consumed != 8) {
      return std::nullopt;
    }
    pos += 9;
    if (pos < s.size() && s[pos] == '.') {
      std::size_t end = pos + 1;
      while (end < s.size() && std::isdigit(static_cast<unsigned char>(s[end]))) ++end;
      if (end == pos + 1) return std::nullopt;
      fraction = std::stod("0" + s.substr(pos, end - pos));
      pos = end;
    }
    if (pos < s.size()) {
      if (s[pos] == 'Z' || s[pos] == 'z') {
        ++pos;
      } else if (s[pos] == '+' || s[pos] == '-') {
        int oh = 0, om = 0;
        if (std::sscanf(s.c_str() + pos + 1, "%2d:%2d%n", &oh, &om, &consumed) != 2 || consumed != 5) return std::nullopt;
        offset_s = (oh * 3600 + om * 60) * (s[pos] == '+' ? 1 : -1);
        pos += 6;
      }
    }
  }
  if (pos != s.size()) return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<double>(timegm(&tm) - offset_s) + fraction;
}

Result<std::optional<double>> opt_time(const Json& object, const char* key, const std::string& path) {
  const Json* value = member(object, key);
  if (value == nullptr) return std::optional<double>();
  if (value->is_number()) return std::optional<double>(value->get<double>());
  if (value->is_string()) {
    auto parsed = parse_time_text(value->get<std::string>());
    if (parsed) return std::optional<double>(*parsed);
    return invalid("The parameter " + join(path, key) + " must be a valid ISO 8601 timestamp, got '" +
                   value->get<std::string>() + "'.");
  }
  return invalid("The parameter " + join(path, key) + " must be a timestamp.");
}

Result<const Json*> opt_list(const Json& object, const char* key, const std::string& path) {
  const Json* value = member(object, key);
  if (value == nullptr) return static_cast<const Json*>(nullptr);
  if (!value->is_array()) return invalid("The parameter " + join(path, key) + " must be a list.");
  return value;
}

std::string item_path(const std::string& path, const char* key, std::size_t index) {
  return join(path, key) + ".member." + std::to_string(index + 1);
}

template <typename T>
Result<T> required(Result<std::optional<T>> value, const std::string& path) {
  if (!value) return value.error();
  if (!*value) return missing(path);
  return **value;
}

const std::set<std::string>& standard_units() {
  static const std::set<std::string> units = {
      "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
      "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second",
      "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second",
      "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None"};
  return units;
}

Result<std::optional<std::string>> opt_unit(const Json& object, const std::string& path) {
  auto unit = opt_string(object, "Unit", path);
  if (!unit) return unit;
  if (*unit && standard_units().count(**unit) == 0) {
    return invalid("The parameter " + join(path, "Unit") + " must be a value in the set of standard units.");
  }
  return unit;
}

Status check_name(const std::string& value, const std::string& name, std::size_t max) {
  if (value.empty() || value.size() > max) {
    return invalid("The parameter " + name + " must be between 1 and " + std::to_string(max) + " characters long.");
  }
  return ok_status();
}

Result<Dimensions> read_dimensions(const Json& object, const std::string& path, bool values_required = true) {
  auto list = opt_list(object, "Dimensions", path);
  if (!list) return list.error();
  Dimensions dimensions;
  if (*list == nullptr) return dimensions;
  if ((*list)->size() > 30) return invalid("The collection " + join(path, "Dimensions") + " must not have a size greater than 30.");
  std::set<std::string> seen;
  for (std::size_t i = 0; i < (*list)->size(); ++i) {
    const Json& d = (**list)[i];
    const std::string p = item_path(path, "Dimensions", i);
    auto name = required(opt_string(d, "Name", p), join(p, "Name"));
    if (!name) return name.error();
    KWB_RETURN_IF_ERROR(check_name(*name, join(p, "Name"), 255));
    auto value = opt_string(d, "Value", p);
    if (!value) return value.error();
    if (!*value && values_required) return missing(join(p, "Value"));
    if (*value) KWB_RETURN_IF_ERROR(check_name(**value, join(p, "Value"), 1024));
    if (!seen.insert(*name).second) {
      return invalid("No metric may have duplicate dimension names: " + join(path, "Dimensions") + " repeats " + *name + ".");
    }
    dimensions.emplace_back(*name, value->value_or(std::string()));
  }
  return normalize(std::move(dimensions));
}

Json dimensions_json(const Dimensions& dimensions) {
  Json out = Json::array();
  for (const auto& [name, value] : dimensions) out.push_back({{"Name", name}, {"Value", value}});
  return out;
}

Result<MetricId> read_metric(const Json& object, const std::string& path, std::string_view region) {
  auto ns = required(opt_string(object, "Namespace", path), join(path, "Namespace"));
  if (!ns) return ns.error();
  auto name = required(opt_string(object, "MetricName", path), join(path, "MetricName"));
  if (!name) return name.error();
  KWB_RETURN_IF_ERROR(check_name(*ns, join(path, "Namespace"), 255));
  KWB_RETURN_IF_ERROR(check_name(*name, join(path, "MetricName"), 255));
  auto dimensions = read_dimensions(object, path);
  if (!dimensions) return dimensions.error();
  return MetricId{std::string(region), *ns, *name, std::move(*dimensions)};
}

// Period rules of the API reference (MetricStat, GetMetricStatistics): at least 1 (a model
// constraint, so ValidationError in the AWS constraint wording), then 1, 5, 10, 20 or 30 (the
// high-resolution periods) or a multiple of 60 (InvalidParameterValue naming the field).
Status check_period(std::int64_t period, const std::string& field) {
  if (period < 1) {
    return cw_error("ValidationError", "1 validation error detected: Value '" + std::to_string(period) + "' at '" + field +
                                           "' failed to satisfy constraint: Member must have value greater than or equal to 1");
  }
  const bool high_resolution = period == 1 || period == 5 || period == 10 || period == 20 || period == 30;
  if (!high_resolution && period % 60 != 0) {
    return invalid("The parameter " + field + " must be 1, 5, 10, 20, 30 or a multiple of 60.");
  }
  return ok_status();
}

// CloudWatch rounds StartTime down by its age: minute (< 15 days), 5 minutes (< 63 days), hour.
std::int64_t round_start(double start, std::int64_t now) {
  const auto s = static_cast<std::int64_t>(std::floor(start));
  const std::int64_t age = now - s;
  const std::int64_t step = age <= 15 * kDay ? 60 : age <= 63 * kDay ? 300 : 3600;
  return s - (((s % step) + step) % step);
}

std::string token_encode(std::uint64_t offset) { return base64_encode("kwb1:" + std::to_string(offset)); }
std::optional<std::uint64_t> token_decode(const std::string& token) {
  auto text = base64_decode(token);
  if (!text || text->rfind("kwb1:", 0) != 0) return std::nullopt;
  std::uint64_t value = 0;
  auto [stop, ec] = std::from_chars(text->data() + 5, text->data() + text->size(), value);
  if (ec != std::errc() || stop != text->data() + text->size()) return std::nullopt;
  return value;
}
Error invalid_token() { return cw_error("InvalidNextToken", "The service cannot process the request because the NextToken is invalid."); }

std::string comparison_words(Comparison c) {
  switch (c) {
    case Comparison::kGreaterOrEqual: return "greater than or equal to";
    case Comparison::kGreater: return "greater than";
    case Comparison::kLess: return "less than";
    case Comparison::kLessOrEqual: return "less than or equal to";
  }
  return "greater than";
}

std::string short_date(std::int64_t t) {
  const auto whole = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&whole, &tm);
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, "%02d/%02d/%02d %02d:%02d:%02d", tm.tm_mday, tm.tm_mon + 1, tm.tm_year % 100,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buffer;
}

struct StatQuery {
  MetricId metric;
  std::int64_t period = 60;
  Statistic statistic;
  std::optional<std::string> unit;
};

// Period aggregates to a series (only periods with data).
TimeSeries run_stat(const MetricStore& store, const StatQuery& q, std::int64_t start, std::int64_t end, std::int64_t now) {
  TimeSeries series;
  if (q.period % MetricStore::required_period_multiple(now - start) != 0) return series;  // too fine for data that old
  if (q.unit) {
    auto info = store.info(q.metric);
    if (!info || info->unit != *q.unit) return series;
  }
  const auto periods = store.query(q.metric, start, end, q.period, now);
  for (std::size_t k = 0; k < periods.size(); ++k) {
    if (!periods[k]) continue;
    series.timestamps.push_back(start + static_cast<std::int64_t>(k) * q.period);
    series.values.push_back(compute(q.statistic, *periods[k]));
  }
  return series;
}

Result<StatQuery> read_metric_stat(const Json& stat, const std::string& path, std::string_view region) {
  StatQuery q;
  const Json* metric = member(stat, "Metric");
  if (metric == nullptr) return missing(join(path, "Metric"));
  auto id = read_metric(*metric, join(path, "Metric"), region);
  if (!id) return id.error();
  q.metric = std::move(*id);
  auto period = required(opt_int(stat, "Period", path), join(path, "Period"));
  if (!period) return period.error();
  KWB_RETURN_IF_ERROR(check_period(*period, join(path, "Period")));
  q.period = *period;
  auto name = required(opt_string(stat, "Stat", path), join(path, "Stat"));
  if (!name) return name.error();
  auto statistic = parse_statistic(*name);
  if (!statistic) return invalid("The parameter " + join(path, "Stat") + " has an invalid statistic: " + *name + ".");
  q.statistic = *statistic;
  auto unit = opt_unit(stat, path);
  if (!unit) return unit.error();
  q.unit = *unit;
  return q;
}

struct DataQuery {
  std::string id;
  std::optional<std::string> label;
  bool return_data = true;
  std::optional<StatQuery> stat;
  std::optional<std::string> expression;
  std::int64_t period = 0;
};

Result<std::vector<DataQuery>> read_data_queries(const Json& input, const char* key, std::string_view region) {
  auto list = opt_list(input, key, "");
  if (!list) return list.error();
  if (*list == nullptr || (*list)->empty()) return missing(key);
  if ((*list)->size() > 500) {
    return invalid("The collection " + std::string(key) + " must not have a size greater than 500.");
  }
  std::vector<DataQuery> queries;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < (*list)->size(); ++i) {
    const Json& q = (**list)[i];
    const std::string p = item_path("", key, i);
    DataQuery query;
    auto id = required(opt_string(q, "Id", p), join(p, "Id"));
    if (!id) return id.error();
    const bool id_ok = !id->empty() && id->size() <= 255 && std::islower(static_cast<unsigned char>((*id)[0])) &&
                       std::all_of(id->begin(), id->end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
    if (!id_ok) {
      return invalid("The value " + *id + " for parameter " + join(p, "Id") +
                     " is invalid: it must start with a lowercase letter and contain only letters, numbers and underscores.");
    }
    if (!ids.insert(*id).second) return invalid("The values for parameter Id in " + std::string(key) + " must be unique: " + *id + ".");
    query.id = *id;
    auto label = opt_string(q, "Label", p);
    if (!label) return label.error();
    query.label = *label;
    auto return_data = opt_bool(q, "ReturnData", p);
    if (!return_data) return return_data.error();
    query.return_data = return_data->value_or(true);
    auto expression = opt_string(q, "Expression", p);
    if (!expression) return expression.error();
    const Json* stat = member(q, "MetricStat");
    if ((stat != nullptr) == expression->has_value()) {
      return combination("Exactly one of " + join(p, "MetricStat") + " and " + join(p, "Expression") + " must be specified.");
    }
    if (stat != nullptr) {
      auto parsed = read_metric_stat(*stat, join(p, "MetricStat"), region);
      if (!parsed) return parsed.error();
      query.period = parsed->period;
      query.stat = std::move(*parsed);
    } else {
      if (expression->value().empty() || expression->value().size() > 2048) {
        return invalid("The parameter " + join(p, "Expression") + " must be between 1 and 2048 characters long.");
      }
      query.expression = *expression;
      auto period = opt_int(q, "Period", p);
      if (!period) return period.error();
      if (*period) KWB_RETURN_IF_ERROR(check_period(**period, join(p, "Period")));
      query.period = period->value_or(0);
    }
    queries.push_back(std::move(query));
  }
  if (std::none_of(queries.begin(), queries.end(), [](const DataQuery& q) { return q.return_data; })) {
    return invalid("At least one query in " + std::string(key) + " must have ReturnData set to true.");
  }
  return queries;
}

// Runs MetricStat queries, then expressions in dependency order.
Result<std::vector<TimeSeries>> run_queries(const MetricStore& store, std::vector<DataQuery>& queries,
                                            std::int64_t start, std::int64_t end, std::int64_t now) {
  MathInputs inputs;
  std::int64_t smallest = 0;
  for (const auto& q : queries) {
    if (q.stat && (smallest == 0 || q.period < smallest)) smallest = q.period;
  }
  for (auto& q : queries) {
    if (!q.stat) continue;
    TimeSeries series = run_stat(store, *q.stat, start, end, now);
    series.id = q.id;
    series.label = q.label.value_or(q.stat->metric.name);
    inputs.metric_ids.push_back(q.id);
    inputs.by_id[q.id] = std::move(series);
  }
  const std::int64_t step = smallest > 0 ? smallest : 60;
  for (std::int64_t t = start; t < end; t += step) inputs.grid.push_back(t);
  std::map<std::string, std::vector<TimeSeries>> expression_results;
  std::vector<const DataQuery*> pending;
  for (const auto& q : queries) if (q.expression) pending.push_back(&q);
  while (!pending.empty()) {
    bool progress = false;
    for (auto it = pending.begin(); it != pending.end();) {
      const DataQuery& q = **it;
      bool ready = true;
      for (const auto& ref : referenced_ids(*q.expression)) {
        if (ref == "METRICS()" || inputs.by_id.count(ref) != 0) continue;
        const bool known = std::any_of(queries.begin(), queries.end(), [&](const DataQuery& o) { return o.id == ref; });
        if (!known || ref == q.id) {
          return cw_error("ValidationError", "Error in expression " + q.id + ": Unrecognized id " + ref);
        }
        ready = false;
      }
      if (!ready) {
        ++it;
        continue;
      }
      auto result = evaluate_expression(q.id, *q.expression, inputs);
      if (!result) return result.error();
      if (q.label && result->size() == 1) (*result)[0].label = *q.label;
      if (result->size() == 1) inputs.by_id[q.id] = (*result)[0];
      expression_results[q.id] = std::move(*result);
      it = pending.erase(it);
      progress = true;
    }
    if (!progress) return cw_error("ValidationError", "Circular reference between expressions in MetricDataQueries.");
  }
  std::vector<TimeSeries> out;
  for (const auto& q : queries) {
    if (!q.return_data) continue;
    if (q.stat) out.push_back(inputs.by_id[q.id]);
    else for (auto& series : expression_results[q.id]) out.push_back(series);
  }
  return out;
}

}  // namespace

CloudWatchService::CloudWatchService(MetricStore& store, Clock& clock, std::string account_id, std::string default_region)
    : store_(store), clock_(clock), account_id_(std::move(account_id)), default_region_(std::move(default_region)) {
  last_tick_minute_s_ = now_s() / 60 * 60;
  last_expire_s_ = now_s();
}

std::int64_t CloudWatchService::now_s() const {
  return std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
}

std::string CloudWatchService::next_request_id() {
  const std::uint64_t n = ++request_counter_;
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "c10d0000-0000-4000-8000-%012llx", static_cast<unsigned long long>(n));
  return buffer;
}

bool CloudWatchService::accepts(const ApiRequest& request) const { return detect_protocol(request).has_value(); }

ApiResponse CloudWatchService::handle(const ApiRequest& request) {
  const std::string request_id = next_request_id();
  const auto protocol = detect_protocol(request).value_or(Protocol::kQuery);
  auto decoded = decode_request(request, protocol);
  if (!decoded) return encode_error(protocol, decoded.error(), request_id);
  const std::string_view region = request.signing_region.empty() ? std::string_view(default_region_) : request.signing_region;
  auto output = call(decoded->operation, region, decoded->input);
  if (!output) return encode_error(protocol, output.error(), request_id);
  return encode_response(protocol, decoded->operation, *output, request_id);
}

ApiResponse CloudWatchService::signature_error(const ApiRequest& request, const SignatureRejection& rejection) {
  // Query services answer authentication failures with the common Query error codes; the JSON and
  // CBOR protocols carry the same code (awsQueryCompatible).
  std::string code = "SignatureDoesNotMatch";
  int status = 403;
  switch (rejection.failure) {
    case SignatureFailure::kMissing: code = "MissingAuthenticationToken"; break;
    case SignatureFailure::kIncomplete: code = "IncompleteSignature"; status = 400; break;
    case SignatureFailure::kUnknownKey: code = "InvalidClientTokenId"; break;
    case SignatureFailure::kMismatch:
    case SignatureFailure::kExpired: break;
  }
  return encode_error(detect_protocol(request).value_or(Protocol::kQuery), cw_error(code, rejection.message, status),
                      next_request_id());
}

Result<Json> CloudWatchService::call(std::string_view operation, std::string_view region, const Json& input) {
  tick();
  if (!input.is_object()) return cw_error("SerializationException", "The request must be a structure.");
  if (operation == "GetMetricData") return get_metric_data(region, input);
  if (operation == "GetMetricStatistics") return get_metric_statistics(region, input);
  if (operation == "ListMetrics") return list_metrics(region, input);
  if (operation == "PutMetricData") return put_metric_data(region, input);
  if (operation == "PutMetricAlarm") return put_metric_alarm(region, input);
  if (operation == "DescribeAlarms") return describe_alarms(region, input);
  if (operation == "DescribeAlarmsForMetric") return describe_alarms_for_metric(region, input);
  if (operation == "DeleteAlarms") return delete_alarms(region, input);
  if (operation == "SetAlarmState") return set_alarm_state(region, input);
  if (operation == "DescribeAlarmHistory") return describe_alarm_history(region, input);
  if (operation == "EnableAlarmActions") return set_alarm_actions(region, input, true);
  if (operation == "DisableAlarmActions") return set_alarm_actions(region, input, false);
  return cw_error("InvalidAction", "The action " + std::string(operation) + " is not valid for this web service.");
}

// ---- metrics -------------------------------------------------------------------------------------

namespace {

// GetMetricStatistics' Statistics or ExtendedStatistics list: at most `max` entries, each parsed by
// `parse`; the first bad one is named as CloudWatch names it ("Statistics.member.2 must ...").
template <typename Parse>
Result<std::vector<Statistic>> parse_statistic_list(const Json& list, const std::string& field, std::size_t max,
                                                    Parse parse, const std::string& rule) {
  if (list.size() > max) {
    return invalid("The collection " + field + " must not have a size greater than " + std::to_string(max) + ".");
  }
  std::vector<Statistic> wanted;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Json& s = list[i];
    auto parsed = s.is_string() ? parse(s.get<std::string>()) : std::nullopt;
    if (!parsed) return invalid("The parameter " + field + ".member." + std::to_string(i + 1) + " must " + rule + ".");
    wanted.push_back(*parsed);
  }
  return wanted;
}

}  // namespace

Result<Json> CloudWatchService::get_metric_statistics(std::string_view region, const Json& input) {
  auto metric = read_metric(input, "", region);
  if (!metric) return metric.error();
  auto start = required(opt_time(input, "StartTime", ""), "StartTime");
  if (!start) return start.error();
  auto end = required(opt_time(input, "EndTime", ""), "EndTime");
  if (!end) return end.error();
  auto period = required(opt_int(input, "Period", ""), "Period");
  if (!period) return period.error();
  KWB_RETURN_IF_ERROR(check_period(*period, "Period"));
  if (*start >= *end) return invalid("The parameter StartTime must be less than the parameter EndTime.");
  auto unit = opt_unit(input, "");
  if (!unit) return unit.error();
  auto statistics = opt_list(input, "Statistics", "");
  if (!statistics) return statistics.error();
  auto extended = opt_list(input, "ExtendedStatistics", "");
  if (!extended) return extended.error();
  const bool has_standard = *statistics != nullptr && !(*statistics)->empty();
  const bool has_extended = *extended != nullptr && !(*extended)->empty();
  if (has_standard == has_extended) {
    return combination("Must specify either Statistics or ExtendedStatistics, but not both.");
  }
  auto wanted = has_standard
                    ? parse_statistic_list(**statistics, "Statistics", 5, parse_standard_statistic,
                                           "be a value in the set [ Average, Sum, SampleCount, Maximum, Minimum ]")
                    : parse_statistic_list(**extended, "ExtendedStatistics", 10, parse_extended_statistic,
                                           "be a value in the pattern p(\\d{1,2}(\\.\\d{0,2})?|100)");
  if (!wanted) return wanted.error();
  const std::int64_t now = now_s();
  const std::int64_t from = round_start(*start, now);
  const auto to = static_cast<std::int64_t>(std::ceil(*end));
  const std::int64_t count = (to - from + *period - 1) / *period;
  if (count > 1440) {
    return combination("You have requested up to " + std::to_string(count) +
                       " datapoints, which exceeds the limit of 1,440. You may reduce the datapoints requested by "
                       "increasing Period, or decreasing the time range.");
  }
  Json datapoints = Json::array();
  auto info = store_.info(*metric);
  const bool unit_matches = !*unit || (info && info->unit == **unit);
  // A period too fine for data as old as StartTime returns nothing (MetricStore::required_period_multiple).
  const bool period_fits_age = *period % MetricStore::required_period_multiple(now - from) == 0;
  if (period_fits_age && info && unit_matches) {
    const auto periods = store_.query(*metric, from, to, *period, now);
    for (std::size_t k = 0; k < periods.size(); ++k) {
      if (!periods[k]) continue;
      Json point = {{"Timestamp", static_cast<double>(from + static_cast<std::int64_t>(k) * *period)},
                    {"Unit", info->unit}};
      Json extended_values = Json::object();
      for (const Statistic& s : *wanted) {
        if (s.kind == Statistic::Kind::kPercentile) extended_values[s.name] = compute(s, *periods[k]);
        else point[s.name] = compute(s, *periods[k]);
      }
      if (!extended_values.empty()) point["ExtendedStatistics"] = std::move(extended_values);
      datapoints.push_back(std::move(point));
    }
  }
  return Json{{"Label", metric->name}, {"Datapoints", std::move(datapoints)}};
}

Result<Json> CloudWatchService::get_metric_data(std::string_view region, const Json& input) {
  auto queries = read_data_queries(input, "MetricDataQueries", region);
  if (!queries) return queries.error();
  auto start = required(opt_time(input, "StartTime", ""), "StartTime");
  if (!start) return start.error();
  auto end = required(opt_time(input, "EndTime", ""), "EndTime");
  if (!end) return end.error();
  if (*start >= *end) return invalid("The parameter StartTime must be less than the parameter EndTime.");
  auto scan_by = opt_string(input, "ScanBy", "");
  if (!scan_by) return scan_by.error();
  if (*scan_by && **scan_by != "TimestampDescending" && **scan_by != "TimestampAscending") {
    return invalid("The parameter ScanBy must be a value in the set [ TimestampDescending, TimestampAscending ].");
  }
  const bool descending = scan_by->value_or("TimestampDescending") == "TimestampDescending";
  auto max_points = opt_int(input, "MaxDatapoints", "");
  if (!max_points) return max_points.error();
  const std::int64_t page_size = max_points->value_or(100800);
  if (page_size < 1) return invalid("The parameter MaxDatapoints must be greater than 0.");
  std::uint64_t offset = 0;
  auto token = opt_string(input, "NextToken", "");
  if (!token) return token.error();
  if (*token) {
    auto decoded = token_decode(**token);
    if (!decoded) return invalid_token();
    offset = *decoded;
  }
  const std::int64_t now = now_s();
  const std::int64_t from = round_start(*start, now);
  const auto to = static_cast<std::int64_t>(std::ceil(*end));
  auto series = run_queries(store_, *queries, from, to, now);
  if (!series) return series.error();
  std::uint64_t total = 0;
  for (auto& s : *series) {
    if (descending) {
      std::reverse(s.timestamps.begin(), s.timestamps.end());
      std::reverse(s.values.begin(), s.values.end());
    }
    total += s.timestamps.size();
  }
  if (offset > total) return invalid_token();
  // Page by datapoints across the results, in order; every result appears on every page.
  std::uint64_t skip = offset;
  std::uint64_t room = static_cast<std::uint64_t>(page_size);
  Json results = Json::array();
  for (const auto& s : *series) {
    const std::uint64_t n = s.timestamps.size();
    const std::uint64_t begin = std::min(skip, n);
    skip -= begin;
    const std::uint64_t take = std::min(room, n - begin);
    room -= take;
    Json timestamps = Json::array(), values = Json::array();
    for (std::uint64_t i = begin; i < begin + take; ++i) {
      timestamps.push_back(static_cast<double>(s.timestamps[i]));
      values.push_back(s.values[i]);
    }
    results.push_back({{"Id", s.id}, {"Label", s.label}, {"Timestamps", std::move(timestamps)},
                       {"Values", std::move(values)},
                       {"StatusCode", begin + take < n ? "PartialData" : "Complete"},
                       {"Messages", Json::array()}});
  }
  Json out = {{"MetricDataResults", std::move(results)}, {"Messages", Json::array()}};
  const std::uint64_t next = offset + static_cast<std::uint64_t>(page_size) - room;
  if (next < total) out["NextToken"] = token_encode(next);
  return out;
}

Result<Json> CloudWatchService::list_metrics(std::string_view region, const Json& input) {
  auto ns = opt_string(input, "Namespace", "");
  if (!ns) return ns.error();
  auto name = opt_string(input, "MetricName", "");
  if (!name) return name.error();
  auto filters = read_dimensions(input, "", false);
  if (!filters) return filters.error();
  if (filters->size() > 10) return invalid("The collection Dimensions must not have a size greater than 10.");
  auto recently = opt_string(input, "RecentlyActive", "");
  if (!recently) return recently.error();
  if (*recently && **recently != "PT3H") return invalid("The parameter RecentlyActive must be PT3H.");
  std::uint64_t offset = 0;
  auto token = opt_string(input, "NextToken", "");
  if (!token) return token.error();
  if (*token) {
    auto decoded = token_decode(**token);
    if (!decoded) return invalid_token();
    offset = *decoded;
  }
  const std::int64_t now = now_s();
  // Metrics with no datapoint in two weeks are not listed, as on CloudWatch.
  const std::int64_t horizon = *recently ? now - 3 * 3600 : now - 14 * kDay;
  Json metrics = Json::array();
  std::uint64_t index = 0;
  std::optional<std::uint64_t> next;
  for (const auto& series : store_.list(region, ns->value_or(""), name->value_or(""))) {
    const auto updated = std::chrono::duration_cast<std::chrono::seconds>(series.last_update.time_since_epoch()).count();
    if (updated < horizon) continue;
    bool matches = true;
    for (const auto& [filter_name, filter_value] : *filters) {
      // Named copy: lambdas may not capture structured bindings before C++20 in clang 14.
      const std::string& wanted = filter_name;
      auto it = std::find_if(series.id.dimensions.begin(), series.id.dimensions.end(),
                             [&wanted](const auto& d) { return d.first == wanted; });
      if (it == series.id.dimensions.end() || (!filter_value.empty() && it->second != filter_value)) matches = false;
    }
    if (!matches) continue;
    if (index++ < offset) continue;
    if (metrics.size() == 500) {
      next = offset + 500;
      break;
    }
    metrics.push_back({{"Namespace", series.id.ns}, {"MetricName", series.id.name},
                       {"Dimensions", dimensions_json(series.id.dimensions)}});
  }
  Json out = {{"Metrics", std::move(metrics)}};
  if (next) out["NextToken"] = token_encode(*next);
  return out;
}

Result<Json> CloudWatchService::put_metric_data(std::string_view region, const Json& input) {
  auto ns = required(opt_string(input, "Namespace", ""), "Namespace");
  if (!ns) return ns.error();
  KWB_RETURN_IF_ERROR(check_name(*ns, "Namespace", 255));
  if (ns->rfind("AWS/", 0) == 0) return invalid("The value " + *ns + " for parameter Namespace is invalid.");
  if ((*ns)[0] == ':') return invalid("The value " + *ns + " for parameter Namespace is invalid.");
  auto data = opt_list(input, "MetricData", "");
  if (!data) return data.error();
  if (*data == nullptr || (*data)->empty()) return missing("MetricData");
  if ((*data)->size() > 1000) return invalid("The collection MetricData must not have a size greater than 1000.");
  const std::int64_t now = now_s();
  struct Pending {
    MetricId id;
    std::string unit;
    SystemTimePoint time;
    std::vector<std::pair<double, double>> values;  // value, weight
    std::optional<std::array<double, 4>> set;       // count, sum, min, max
  };
  std::vector<Pending> pending;
  // Validate everything first: a bad datum rejects the whole call, as on CloudWatch.
  for (std::size_t i = 0; i < (*data)->size(); ++i) {
    const Json& d = (**data)[i];
    const std::string p = item_path("", "MetricData", i);
    Pending item;
    auto name = required(opt_string(d, "MetricName", p), join(p, "MetricName"));
    if (!name) return name.error();
    KWB_RETURN_IF_ERROR(check_name(*name, join(p, "MetricName"), 255));
    auto dimensions = read_dimensions(d, p);
    if (!dimensions) return dimensions.error();
    item.id = MetricId{std::string(region), *ns, *name, std::move(*dimensions)};
    auto unit = opt_unit(d, p);
    if (!unit) return unit.error();
    item.unit = unit->value_or("None");
    auto timestamp = opt_time(d, "Timestamp", p);
    if (!timestamp) return timestamp.error();
    const double t = timestamp->value_or(static_cast<double>(now));
    if (t < static_cast<double>(now - 14 * kDay) || t > static_cast<double>(now + 2 * 3600)) {
      return invalid("The parameter " + join(p, "Timestamp") +
                     " must specify a time no more than two weeks in the past and no more than two hours in the future.");
    }
    item.time = SystemTimePoint(std::chrono::duration_cast<SystemTimePoint::duration>(std::chrono::duration<double>(t)));
    auto value = opt_double(d, "Value", p);
    if (!value) return value.error();
    const Json* set = member(d, "StatisticValues");
    auto values = opt_list(d, "Values", p);
    if (!values) return values.error();
    auto counts = opt_list(d, "Counts", p);
    if (!counts) return counts.error();
    const int given = (value->has_value() ? 1 : 0) + (set != nullptr ? 1 : 0) + (*values != nullptr ? 1 : 0);
    if (given > 1) {
      return combination("The parameters " + join(p, "Value") + ", " + join(p, "StatisticValues") + " and " +
                         join(p, "Values") + " are mutually exclusive and you have specified more than one.");
    }
    if (given == 0) return missing(join(p, "Value"));
    auto finite = [&](double v, const std::string& field) -> Status {
      if (!std::isfinite(v) || std::fabs(v) > 1e300) {
        return invalid("The value " + format_double(v) + " for parameter " + field + " is invalid.");
      }
      return ok_status();
    };
    if (*value) {
      KWB_RETURN_IF_ERROR(finite(**value, join(p, "Value")));
      item.values.emplace_back(**value, 1);
    } else if (set != nullptr) {
      const std::string sp = join(p, "StatisticValues");
      std::array<double, 4> v{};
      const char* keys[4] = {"SampleCount", "Sum", "Minimum", "Maximum"};
      for (int k = 0; k < 4; ++k) {
        auto x = required(opt_double(*set, keys[k], sp), join(sp, keys[k]));
        if (!x) return x.error();
        KWB_RETURN_IF_ERROR(finite(*x, join(sp, keys[k])));
        v[static_cast<std::size_t>(k)] = *x;
      }
      if (v[0] <= 0 || v[2] > v[3]) return invalid("The parameter " + sp + " is inconsistent: SampleCount must be positive and Minimum at most Maximum.");
      item.set = v;
    } else {
      if ((*values)->size() > 150) return invalid("The collection " + join(p, "Values") + " must not have a size greater than 150.");
      if (*counts != nullptr && (*counts)->size() != (*values)->size()) {
        return combination("The parameters " + join(p, "Values") + " and " + join(p, "Counts") + " must be of the same size.");
      }
      for (std::size_t k = 0; k < (*values)->size(); ++k) {
        Json wrapper = {{"V", (**values)[k]}, {"C", *counts != nullptr ? (**counts)[k] : Json(1)}};
        auto v = required(opt_double(wrapper, "V", ""), item_path(p, "Values", k));
        if (!v) return v.error();
        auto c = required(opt_double(wrapper, "C", ""), item_path(p, "Counts", k));
        if (!c) return c.error();
        KWB_RETURN_IF_ERROR(finite(*v, item_path(p, "Values", k)));
        item.values.emplace_back(*v, *c);
      }
    }
    pending.push_back(std::move(item));
  }
  for (const auto& item : pending) {
    if (item.set) store_.add_set(item.id, item.unit, item.time, (*item.set)[0], (*item.set)[1], (*item.set)[2], (*item.set)[3]);
    for (const auto& [v, w] : item.values) store_.add(item.id, item.unit, item.time, v, w);
  }
  return Json();
}

Result<std::uint64_t> CloudWatchService::seed(const Json& body) {
  if (!body.is_object()) return invalid("The seed body must be a JSON object.");
  const std::string region = body.value("region", default_region_);
  std::uint64_t stored = 0;
  auto read_id = [&](const Json& item, const std::string& path) -> Result<MetricId> {
    MetricId id;
    id.region = region;
    id.ns = item.value("namespace", std::string(""));
    id.name = item.value("metric", std::string(""));
    if (id.ns.empty() || id.name.empty()) return invalid(path + ": namespace and metric are required.");
    if (const Json* dims = member(item, "dimensions")) {
      if (!dims->is_object()) return invalid(path + ": dimensions must be an object of name to value.");
      for (const auto& [k, v] : dims->items()) {
        if (!v.is_string()) return invalid(path + ": dimension values must be strings.");
        id.dimensions.emplace_back(k, v.get<std::string>());
      }
    }
    id.dimensions = normalize(std::move(id.dimensions));
    return id;
  };
  auto to_time = [](double t) {
    return SystemTimePoint(std::chrono::duration_cast<SystemTimePoint::duration>(std::chrono::duration<double>(t)));
  };
  if (const Json* points = member(body, "datapoints")) {
    if (!points->is_array()) return invalid("datapoints must be a list.");
    for (std::size_t i = 0; i < points->size(); ++i) {
      const Json& p = (*points)[i];
      const std::string path = "datapoints[" + std::to_string(i) + "]";
      auto id = read_id(p, path);
      if (!id) return id.error();
      auto t = required(opt_time(p, "timestamp", path), path + ".timestamp");
      if (!t) return t.error();
      const std::string unit = p.value("unit", std::string("None"));
      if (const Json* set = member(p, "statistic_values")) {
        store_.add_set(*id, unit, to_time(*t), set->value("SampleCount", 1.0), set->value("Sum", 0.0),
                       set->value("Minimum", 0.0), set->value("Maximum", 0.0));
      } else {
        auto v = required(opt_double(p, "value", path), path + ".value");
        if (!v) return v.error();
        store_.add(*id, unit, to_time(*t), *v);
      }
      ++stored;
    }
  }
  if (const Json* all = member(body, "series")) {
    if (!all->is_array()) return invalid("series must be a list.");
    for (std::size_t i = 0; i < all->size(); ++i) {
      const Json& s = (*all)[i];
      const std::string path = "series[" + std::to_string(i) + "]";
      auto id = read_id(s, path);
      if (!id) return id.error();
      auto start = required(opt_time(s, "start", path), path + ".start");
      if (!start) return start.error();
      auto period = opt_int(s, "period", path);
      if (!period) return period.error();
      const std::int64_t step = period->value_or(60);
      if (step <= 0) return invalid(path + ".period must be positive.");
      const Json* values = member(s, "values");
      if (values == nullptr || !values->is_array()) return invalid(path + ".values must be a list of numbers.");
      const std::string unit = s.value("unit", std::string("None"));
      for (std::size_t k = 0; k < values->size(); ++k) {
        if (!(*values)[k].is_number()) return invalid(path + ".values must be a list of numbers.");
        store_.add(*id, unit, to_time(*start + static_cast<double>(static_cast<std::int64_t>(k) * step)),
                   (*values)[k].get<double>());
        ++stored;
      }
    }
  }
  return stored;
}

// ---- alarms --------------------------------------------------------------------------------------

Result<Json> CloudWatchService::put_metric_alarm(std::string_view region, const Json& input) {
  auto name = required(opt_string(input, "AlarmName", ""), "AlarmName");
  if (!name) return name.error();
  KWB_RETURN_IF_ERROR(check_name(*name, "AlarmName", 255));
  auto evaluation_periods = required(opt_int(input, "EvaluationPeriods", ""), "EvaluationPeriods");
  if (!evaluation_periods) return evaluation_periods.error();
  if (*evaluation_periods < 1) return invalid("The parameter EvaluationPeriods must be greater than or equal to 1.");
  auto datapoints = opt_int(input, "DatapointsToAlarm", "");
  if (!datapoints) return datapoints.error();
  if (*datapoints && (**datapoints < 1 || **datapoints > *evaluation_periods)) {
    return invalid("The parameter DatapointsToAlarm must be between 1 and EvaluationPeriods.");
  }
  auto comparison_text = required(opt_string(input, "ComparisonOperator", ""), "ComparisonOperator");
  if (!comparison_text) return comparison_text.error();
  if (!parse_comparison(*comparison_text)) {
    return invalid("The parameter ComparisonOperator must be a value in the set [ GreaterThanOrEqualToThreshold, "
                   "GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold ] (anomaly detection is not emulated).");
  }
  auto threshold = required(opt_double(input, "Threshold", ""), "Threshold");
  if (!threshold) return threshold.error();
  auto treat = opt_string(input, "TreatMissingData", "");
  if (!treat) return treat.error();
  if (*treat && !parse_missing_data(**treat)) {
    return invalid("The parameter TreatMissingData must be one of breaching, notBreaching, ignore, missing.");
  }
  auto actions_enabled = opt_bool(input, "ActionsEnabled", "");
  if (!actions_enabled) return actions_enabled.error();
  const bool has_metric = member(input, "MetricName") != nullptr;
  const bool has_metrics = member(input, "Metrics") != nullptr;
  if (has_metric == has_metrics) {
    return combination("Exactly one of MetricName and Metrics must be specified.");
  }
  std::int64_t period = 0;
  if (has_metric) {
    auto metric = read_metric(input, "", region);
    if (!metric) return metric.error();
    auto statistic = opt_string(input, "Statistic", "");
    if (!statistic) return statistic.error();
    auto extended = opt_string(input, "ExtendedStatistic", "");
    if (!extended) return extended.error();
    if (statistic->has_value() == extended->has_value()) {
      return combination("Exactly one of Statistic and ExtendedStatistic must be specified.");
    }
    if (*statistic && !parse_standard_statistic(**statistic)) {
      return invalid("The parameter Statistic must be a value in the set [ Average, Sum, SampleCount, Maximum, Minimum ].");
    }
    if (*extended && !parse_extended_statistic(**extended)) {
      return invalid("The parameter ExtendedStatistic must be a value in the pattern p(\\d{1,2}(\\.\\d{0,2})?|100).");
    }
    auto p = required(opt_int(input, "Period", ""), "Period");
    if (!p) return p.error();
    period = *p;
    auto unit = opt_unit(input, "");
    if (!unit) return unit.error();
  } else {
    auto queries = read_data_queries(input, "Metrics", region);
    if (!queries) return queries.error();
    if (std::count_if(queries->begin(), queries->end(), [](const DataQuery& q) { return q.return_data; }) != 1) {
      return invalid("Exactly one element of the Metrics list must have ReturnData set to true.");
    }
    for (const auto& q : *queries) {
      if (q.return_data) period = q.period;
      if (period == 0 && q.stat) period = q.stat->period;
    }
    if (period == 0) period = 60;
  }
  if (!(period == 10 || period == 20 || period == 30 || (period >= 60 && period % 60 == 0))) {
    return invalid("The parameter Period must be 10, 20, 30 or a multiple of 60.");
  }
  if (period * *evaluation_periods > kDay) {
    return invalid("The evaluation period (Period x EvaluationPeriods) must be at most one day (86400 seconds).");
  }
  const double now = static_cast<double>(now_s());
  std::lock_guard lock(alarms_mutex_);
  auto& regional = alarms_[std::string(region)];
  auto it = regional.find(*name);
  const bool created = it == regional.end();
  if (created && regional.size() >= 10000) return cw_error("LimitExceeded", "The maximum number of alarms has been reached.");
  Alarm& alarm = regional[*name];
  alarm.name = *name;
  alarm.arn = "arn:aws:cloudwatch:" + std::string(region) + ":" + account_id_ + ":alarm:" + *name;
  alarm.definition = input;
  alarm.definition["Period"] = period;
  alarm.actions_enabled = actions_enabled->value_or(true);
  alarm.configuration_updated = now;
  if (created) {
    alarm.state_updated = now;
    alarm.state_transitioned = now;
  }
  Json history_data = {{"version", "1.0"}, {"type", created ? "Create" : "Update"}};
  alarm.history.push_back(HistoryItem{now, "ConfigurationUpdate",
                                      "Alarm \"" + *name + "\" " + (created ? "created" : "updated"), history_data.dump()});
  return Json();
}

void CloudWatchService::set_state_locked(Alarm& alarm, AlarmState state, std::string reason, std::string reason_data,
                                         double at_s) {
  const AlarmState old = alarm.state;
  const std::string old_reason = alarm.state_reason;
  alarm.state_reason = std::move(reason);
  alarm.state_reason_data = std::move(reason_data);
  alarm.state_updated = at_s;
  if (old == state) return;
  alarm.state = state;
  alarm.state_transitioned = at_s;
  Json data = {{"version", "1.0"},
               {"oldState", {{"stateValue", to_string(old)}, {"stateReason", old_reason}}},
               {"newState", {{"stateValue", to_string(state)}, {"stateReason", alarm.state_reason}}}};
  if (!alarm.state_reason_data.empty()) {
    Json parsed = Json::parse(alarm.state_reason_data, nullptr, false);
    if (!parsed.is_discarded()) data["newState"]["stateReasonData"] = parsed;
  }
  alarm.history.push_back(HistoryItem{at_s, "StateUpdate",
                                      "Alarm updated from " + std::string(to_string(old)) + " to " +
                                          std::string(to_string(state)),
                                      data.dump()});
  // Two weeks of history, like CloudWatch; bounded per alarm as well.
  while (!alarm.history.empty() && (alarm.history.front().timestamp < at_s - 14 * kDay || alarm.history.size() > 5000)) {
    alarm.history.erase(alarm.history.begin());
  }
}

void CloudWatchService::evaluate_locked(std::string_view region, Alarm& alarm, std::int64_t at_s) {
  const Json& d = alarm.definition;
  const std::int64_t period = d.value("Period", std::int64_t{60});
  const std::int64_t periods = opt_int(d, "EvaluationPeriods", "").value_or(std::nullopt).value_or(1);
  const std::int64_t to_alarm = opt_int(d, "DatapointsToAlarm", "").value_or(std::nullopt).value_or(periods);
  const double threshold = opt_double(d, "Threshold", "").value_or(std::nullopt).value_or(0);
  const Comparison comparison = parse_comparison(d.value("ComparisonOperator", "")).value_or(Comparison::kGreater);
  const MissingData treat = parse_missing_data(d.value("TreatMissingData", "missing")).value_or(MissingData::kMissing);
  const std::int64_t end = at_s / period * period;
  const std::int64_t start = end - periods * period;
  std::vector<std::optional<double>> values(static_cast<std::size_t>(periods));
  std::string statistic_name;
  if (member(d, "MetricName") != nullptr) {
    auto metric = read_metric(d, "", region);
    if (!metric) return;
    const std::string stat_text = d.contains("Statistic") ? d["Statistic"].get<std::string>() : d.value("ExtendedStatistic", "");
    auto statistic = parse_statistic(stat_text);
    if (!statistic) return;
    statistic_name = stat_text;
    const auto aggregates = store_.query(*metric, start, end, period, at_s);
    for (std::size_t k = 0; k < aggregates.size() && k < values.size(); ++k) {
      if (aggregates[k]) values[k] = compute(*statistic, *aggregates[k]);
    }
  } else {
    auto queries = read_data_queries(d, "Metrics", region);
    if (!queries) return;
    auto series = run_queries(store_, *queries, start, end, at_s);
    if (!series || series->empty()) return;
    const TimeSeries& s = (*series)[0];
    for (std::size_t i = 0; i < s.timestamps.size(); ++i) {
      const std::int64_t k = (s.timestamps[i] - start) / period;
      if (k >= 0 && k < periods) values[static_cast<std::size_t>(k)] = s.values[i];
    }
  }
  EvaluationInput in;
  in.values = values;
  in.comparison = comparison;
  in.threshold = threshold;
  in.datapoints_to_alarm = static_cast<int>(to_alarm);
  in.missing = treat;
  in.current = alarm.state;
  const EvaluationResult result = evaluate(in);
  // Reason and data in CloudWatch's words; newest datapoint first.
  std::string listed;
  Json recent = Json::array(), evaluated = Json::array();
  for (std::int64_t k = periods - 1; k >= 0; --k) {
    const auto& v = values[static_cast<std::size_t>(k)];
    if (!v) continue;
    const std::int64_t t = start + k * period;
    if (!listed.empty()) listed += ", ";
    listed += format_double(*v) + " (" + short_date(t) + ")";
    recent.push_back(*v);
    evaluated.push_back({{"timestamp", format_iso8601(static_cast<double>(t))}, {"value", *v}});
  }
  std::string reason;
  if (result.present == 0) {
    if (result.state == AlarmState::kInsufficientData || treat == MissingData::kIgnore) {
      reason = "Insufficient Data: " + std::to_string(periods) + " datapoint" + (periods == 1 ? " was" : "s were") + " unknown.";
    } else {
      reason = "Threshold Crossed: no datapoints were received for " + std::to_string(periods) + " period" +
               (periods == 1 ? "" : "s") + " and " + std::to_string(periods) + " missing datapoint" +
               (periods == 1 ? " was" : "s were") + " treated as [" + (treat == MissingData::kBreaching ? "Breaching" : "NonBreaching") + "].";
    }
  } else {
    const bool alarming = result.state == AlarmState::kAlarm;
    const int counted = alarming ? result.breaching : result.present - std::min(result.breaching, result.present);
    reason = "Threshold Crossed: " + std::to_string(counted) + " out of the last " + std::to_string(result.present) +
             " datapoints [" + listed + "] " + (alarming ? "were " : "were not ") + comparison_words(comparison) +
             " the threshold (" + format_double(threshold) + ") (minimum " + std::to_string(alarming ? to_alarm : 1) +
             " datapoint" + ((alarming ? to_alarm : 1) == 1 ? "" : "s") + " for " +
             (alarming ? "OK -> ALARM" : "ALARM -> OK") + " transition).";
  }
  Json data = {{"version", "1.0"},
               {"queryDate", format_iso8601(static_cast<double>(at_s))},
               {"startDate", format_iso8601(static_cast<double>(start))},
               {"period", period},
               {"recentDatapoints", recent},
               {"threshold", threshold},
               {"evaluatedDatapoints", evaluated}};
  if (!statistic_name.empty()) data["statistic"] = statistic_name;
  // Only a change of state (or of its reason while staying put) is worth writing down.
  if (result.state != alarm.state || alarm.state_reason.rfind("Unchecked", 0) == 0) {
    set_state_locked(alarm, result.state, reason, data.dump(), static_cast<double>(at_s));
  }
}

void CloudWatchService::tick() {
  const std::int64_t now = now_s();
  std::lock_guard lock(alarms_mutex_);
  const std::int64_t minute = now / 60 * 60;
  if (minute > last_tick_minute_s_) {
    // After a large jump only the last day of minutes matters: older evaluations would be
    // overwritten by the newer ones anyway (their history entries are what is lost).
    std::int64_t from = std::max(last_tick_minute_s_ + 60, minute - kDay);
    for (std::int64_t t = from; t <= minute; t += 60) {
      for (auto& [region, alarms] : alarms_) {
        for (auto& [name, alarm] : alarms) evaluate_locked(region, alarm, t);
      }
    }
    last_tick_minute_s_ = minute;
  }
  if (now - last_expire_s_ >= 3600) {
    store_.expire(now);
    last_expire_s_ = now;
  }
}

CloudWatchService::Json CloudWatchService::alarm_json(const Alarm& alarm) const {
  Json out = Json::object();
  static const char* kCopied[] = {"AlarmDescription", "OKActions", "AlarmActions", "InsufficientDataActions", "MetricName",
                                  "Namespace", "Statistic", "ExtendedStatistic", "Dimensions", "Unit",
                                  "EvaluateLowSampleCountPercentile", "ThresholdMetricId"};
  for (const char* key : kCopied) {
    if (const Json* v = member(alarm.definition, key)) out[key] = *v;
  }
  const Json& d = alarm.definition;
  out["AlarmName"] = alarm.name;
  out["AlarmArn"] = alarm.arn;
  out["ActionsEnabled"] = alarm.actions_enabled;
  for (const char* key : {"OKActions", "AlarmActions", "InsufficientDataActions"}) {
    if (!out.contains(key)) out[key] = Json::array();
  }
  out["StateValue"] = to_string(alarm.state);
  out["StateReason"] = alarm.state_reason;
  if (!alarm.state_reason_data.empty()) out["StateReasonData"] = alarm.state_reason_data;
  out["StateUpdatedTimestamp"] = alarm.state_updated;
  out["StateTransitionedTimestamp"] = alarm.state_transitioned;
  out["AlarmConfigurationUpdatedTimestamp"] = alarm.configuration_updated;
  if (member(d, "MetricName") != nullptr) out["Period"] = d.value("Period", std::int64_t{60});
  if (!out.contains("Dimensions") && member(d, "MetricName") != nullptr) out["Dimensions"] = Json::array();
  out["EvaluationPeriods"] = opt_int(d, "EvaluationPeriods", "").value_or(std::nullopt).value_or(1);
  if (auto v = opt_int(d, "DatapointsToAlarm", "").value_or(std::nullopt)) out["DatapointsToAlarm"] = *v;
  out["Threshold"] = opt_double(d, "Threshold", "").value_or(std::nullopt).value_or(0);
  out["ComparisonOperator"] = d.value("ComparisonOperator", "");
  out["TreatMissingData"] = d.value("TreatMissingData", "missing");
  if (const Json* metrics = member(d, "Metrics")) {
    // Normalise types (Query sends text) so every protocol encodes them properly.
    Json list = Json::array();
    for (const Json& q : *metrics) {
      Json copy = q;
      if (copy.contains("ReturnData") && copy["ReturnData"].is_string()) copy["ReturnData"] = copy["ReturnData"] == "true";
      if (copy.contains("Period") && copy["Period"].is_string()) copy["Period"] = std::stoll(copy["Period"].get<std::string>());
      if (copy.contains("MetricStat") && copy["MetricStat"].contains("Period") && copy["MetricStat"]["Period"].is_string()) {
        copy["MetricStat"]["Period"] = std::stoll(copy["MetricStat"]["Period"].get<std::string>());
      }
      list.push_back(std::move(copy));
    }
    out["Metrics"] = std::move(list);
  }
  return out;
}

Result<Json> CloudWatchService::describe_alarms(std::string_view region, const Json& input) {
  auto names = opt_list(input, "AlarmNames", "");
  if (!names) return names.error();
  auto prefix = opt_string(input, "AlarmNamePrefix", "");
  if (!prefix) return prefix.error();
  if (*names != nullptr && *prefix) return combination("AlarmNames and AlarmNamePrefix are mutually exclusive.");
  if (*names != nullptr && (*names)->size() > 100) return invalid("The collection AlarmNames must not have a size greater than 100.");
  auto state = opt_string(input, "StateValue", "");
  if (!state) return state.error();
  if (*state && !parse_alarm_state(**state)) return invalid("The parameter StateValue must be a value in the set [ OK, ALARM, INSUFFICIENT_DATA ].");
  auto action_prefix = opt_string(input, "ActionPrefix", "");
  if (!action_prefix) return action_prefix.error();
  auto max = opt_int(input, "MaxRecords", "");
  if (!max) return max.error();
  if (*max && (**max < 1 || **max > 100)) return invalid("The parameter MaxRecords must be between 1 and 100.");
  auto types = opt_list(input, "AlarmTypes", "");
  if (!types) return types.error();
  bool want_metric = true;
  if (*types != nullptr) {
    want_metric = false;
    for (const Json& t : **types) {
      if (!t.is_string() || (t != "MetricAlarm" && t != "CompositeAlarm")) {
        return invalid("The parameter AlarmTypes must contain only MetricAlarm or CompositeAlarm.");
      }
      if (t == "MetricAlarm") want_metric = true;
    }
  }
  std::uint64_t offset = 0;
  auto token = opt_string(input, "NextToken", "");
  if (!token) return token.error();
  if (*token) {
    auto decoded = token_decode(**token);
    if (!decoded) return invalid_token();
    offset = *decoded;
  }
  std::set<std::string> wanted;
  if (*names != nullptr) for (const Json& n : **names) if (n.is_string()) wanted.insert(n.get<std::string>());
  const std::uint64_t limit = static_cast<std::uint64_t>(max->value_or(50));
  Json alarms = Json::array();
  std::optional<std::uint64_t> next;
  std::lock_guard lock(alarms_mutex_);
  std::uint64_t index = 0;
  if (want_metric) {
    for (const auto& [name, alarm] : alarms_[std::string(region)]) {
      if (*names != nullptr && wanted.count(name) == 0) continue;
      if (*prefix && name.rfind(**prefix, 0) != 0) continue;
      if (*state && to_string(alarm.state) != **state) continue;
      if (*action_prefix) {
        bool found = false;
        for (const char* key : {"OKActions", "AlarmActions", "InsufficientDataActions"}) {
          if (const Json* list = member(alarm.definition, key)) {
            for (const Json& a : *list) if (a.is_string() && a.get<std::string>().rfind(**action_prefix, 0) == 0) found = true;
          }
        }
        if (!found) continue;
      }
      if (index++ < offset) continue;
      if (alarms.size() == limit) {
        next = offset + limit;
        break;
      }
      alarms.push_back(alarm_json(alarm));
    }
  }
  Json out = {{"MetricAlarms", std::move(alarms)}, {"CompositeAlarms", Json::array()}};
  if (next) out["NextToken"] = token_encode(*next);
  return out;
}

Result<Json> CloudWatchService::describe_alarms_for_metric(std::string_view region, const Json& input) {
  auto metric = read_metric(input, "", region);
  if (!metric) return metric.error();
  auto statistic = opt_string(input, "Statistic", "");
  if (!statistic) return statistic.error();
  if (*statistic && !parse_standard_statistic(**statistic)) {
    return invalid("The parameter Statistic must be a value in the set [ Average, Sum, SampleCount, Maximum, Minimum ].");
  }
  auto extended = opt_string(input, "ExtendedStatistic", "");
  if (!extended) return extended.error();
  auto period = opt_int(input, "Period", "");
  if (!period) return period.error();
  auto unit = opt_unit(input, "");
  if (!unit) return unit.error();
  Json alarms = Json::array();
  std::lock_guard lock(alarms_mutex_);
  for (const auto& [name, alarm] : alarms_[std::string(region)]) {
    const Json& d = alarm.definition;
    if (member(d, "MetricName") == nullptr) continue;
    auto id = read_metric(d, "", region);
    if (!id || !(*id == *metric)) continue;
    if (*statistic && d.value("Statistic", "") != **statistic) continue;
    if (*extended && d.value("ExtendedStatistic", "") != **extended) continue;
    if (*period && d.value("Period", std::int64_t{0}) != **period) continue;
    if (*unit && d.value("Unit", "") != **unit) continue;
    alarms.push_back(alarm_json(alarm));
  }
  return Json{{"MetricAlarms", std::move(alarms)}};
}

Result<Json> CloudWatchService::delete_alarms(std::string_view region, const Json& input) {
  auto names = opt_list(input, "AlarmNames", "");
  if (!names) return names.error();
  if (*names == nullptr) return missing("AlarmNames");
  if ((*names)->size() > 100) return invalid("The collection AlarmNames must not have a size greater than 100.");
  std::lock_guard lock(alarms_mutex_);
  auto& regional = alarms_[std::string(region)];
  std::vector<std::string> absent;
  for (const Json& n : **names) {
    if (!n.is_string() || regional.count(n.get<std::string>()) == 0) absent.push_back(n.is_string() ? n.get<std::string>() : n.dump());
  }
  if (!absent.empty()) {
    std::string list;
    for (const auto& a : absent) list += (list.empty() ? "" : ", ") + a;
    return cw_error("ResourceNotFound", "The following alarms were not found: [" + list + "]", 404);
  }
  for (const Json& n : **names) regional.erase(n.get<std::string>());
  return Json();
}

Result<Json> CloudWatchService::set_alarm_state(std::string_view region, const Json& input) {
  auto name = required(opt_string(input, "AlarmName", ""), "AlarmName");
  if (!name) return name.error();
  auto state_text = required(opt_string(input, "StateValue", ""), "StateValue");
  if (!state_text) return state_text.error();
  auto state = parse_alarm_state(*state_text);
  if (!state) return invalid("The parameter StateValue must be a value in the set [ OK, ALARM, INSUFFICIENT_DATA ].");
  auto reason = required(opt_string(input, "StateReason", ""), "StateReason");
  if (!reason) return reason.error();
  if (reason->size() > 1023) return invalid("The parameter StateReason must be at most 1023 characters long.");
  auto reason_data = opt_string(input, "StateReasonData", "");
  if (!reason_data) return reason_data.error();
  if (*reason_data && Json::parse(**reason_data, nullptr, false).is_discarded()) {
    return cw_error("InvalidFormat", "The parameter StateReasonData must be valid JSON.");
  }
  std::lock_guard lock(alarms_mutex_);
  auto& regional = alarms_[std::string(region)];
  auto it = regional.find(*name);
  if (it == regional.end()) return cw_error("ResourceNotFound", "Alarm " + *name + " not found", 404);
  set_state_locked(it->second, *state, *reason, reason_data->value_or(""), static_cast<double>(now_s()));
  return Json();
}

Result<Json> CloudWatchService::describe_alarm_history(std::string_view region, const Json& input) {
  auto name = opt_string(input, "AlarmName", "");
  if (!name) return name.error();
  auto type = opt_string(input, "HistoryItemType", "");
  if (!type) return type.error();
  if (*type && **type != "ConfigurationUpdate" && **type != "StateUpdate" && **type != "Action") {
    return invalid("The parameter HistoryItemType must be a value in the set [ ConfigurationUpdate, StateUpdate, Action ].");
  }
  auto start = opt_time(input, "StartDate", "");
  if (!start) return start.error();
  auto end = opt_time(input, "EndDate", "");
  if (!end) return end.error();
  auto max = opt_int(input, "MaxRecords", "");
  if (!max) return max.error();
  if (*max && (**max < 1 || **max > 100)) return invalid("The parameter MaxRecords must be between 1 and 100.");
  auto scan_by = opt_string(input, "ScanBy", "");
  if (!scan_by) return scan_by.error();
  if (*scan_by && **scan_by != "TimestampDescending" && **scan_by != "TimestampAscending") {
    return invalid("The parameter ScanBy must be a value in the set [ TimestampDescending, TimestampAscending ].");
  }
  std::uint64_t offset = 0;
  auto token = opt_string(input, "NextToken", "");
  if (!token) return token.error();
  if (*token) {
    auto decoded = token_decode(**token);
    if (!decoded) return invalid_token();
    offset = *decoded;
  }
  struct Entry {
    const Alarm* alarm;
    const HistoryItem* item;
  };
  std::lock_guard lock(alarms_mutex_);
  std::vector<Entry> entries;
  for (const auto& [alarm_name, alarm] : alarms_[std::string(region)]) {
    if (*name && alarm_name != **name) continue;
    for (const auto& item : alarm.history) {
      if (*type && item.type != **type) continue;
      if (*start && item.timestamp < **start) continue;
      if (*end && item.timestamp > **end) continue;
      entries.push_back(Entry{&alarm, &item});
    }
  }
  const bool ascending = scan_by->value_or("TimestampDescending") == "TimestampAscending";
  std::stable_sort(entries.begin(), entries.end(), [&](const Entry& a, const Entry& b) {
    return ascending ? a.item->timestamp < b.item->timestamp : a.item->timestamp > b.item->timestamp;
  });
  if (!ascending) {
    // Equal timestamps: newest entry first.
    std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.item->timestamp > b.item->timestamp; });
  }
  const std::uint64_t limit = static_cast<std::uint64_t>(max->value_or(100));
  Json items = Json::array();
  for (std::uint64_t i = offset; i < entries.size() && items.size() < limit; ++i) {
    const Entry& e = entries[i];
    items.push_back({{"AlarmName", e.alarm->name}, {"AlarmType", "MetricAlarm"}, {"Timestamp", e.item->timestamp},
                     {"HistoryItemType", e.item->type}, {"HistorySummary", e.item->summary},
                     {"HistoryData", e.item->data}});
  }
  Json out = {{"AlarmHistoryItems", std::move(items)}};
  if (offset + limit < entries.size()) out["NextToken"] = token_encode(offset + limit);
  return out;
}

Result<Json> CloudWatchService::set_alarm_actions(std::string_view region, const Json& input, bool enabled) {
  auto names = opt_list(input, "AlarmNames", "");
  if (!names) return names.error();
  if (*names == nullptr) return missing("AlarmNames");
  if ((*names)->size() > 100) return invalid("The collection AlarmNames must not have a size greater than 100.");
  std::lock_guard lock(alarms_mutex_);
  auto& regional = alarms_[std::string(region)];
  for (const Json& n : **names) {
    if (!n.is_string()) continue;
    auto it = regional.find(n.get<std::string>());
    if (it != regional.end()) it->second.actions_enabled = enabled;
  }
  return Json();
}

}  // namespace kwb::emulator::cloudwatch
