#include "emulator/cloudwatch/protocol.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iterator>
#include <optional>

#include "core/encoding.h"

namespace kwb::emulator::cloudwatch {

using nlohmann::json;

namespace {

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) if (c < '0' || c > '9') return false;
  return true;
}

std::vector<std::string_view> split_dots(std::string_view key) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const auto dot = key.find('.', start);
    parts.push_back(key.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts;
}

// Removes the holes a sparse "member.N" numbering leaves (member.1 and member.3 give two entries).
void compact(json& value) {
  if (value.is_array()) {
    json out = json::array();
    for (auto& element : value) {
      if (element.is_null()) continue;
      compact(element);
      out.push_back(std::move(element));
    }
    value = std::move(out);
  } else if (value.is_object()) {
    for (auto& [key, element] : value.items()) compact(element);
  }
}

std::string query_error_header(const Error& error) {
  return error.code + (error.http_status >= 500 ? ";Receiver" : ";Sender");
}

void write_xml(std::string& out, std::string_view name, const json& value, bool timestamp);

void write_xml_children(std::string& out, const json& object) {
  for (const auto& [key, element] : object.items()) {
    if (element.is_null()) continue;
    if (is_map_member(key) && element.is_object()) {
      out += "<" + key + ">";
      for (const auto& [map_key, map_value] : element.items()) {
        out += "<entry><key>" + xml_escape(map_key) + "</key>";
        write_xml(out, "value", map_value, false);
        out += "</entry>";
      }
      out += "</" + key + ">";
      continue;
    }
    write_xml(out, key, element, is_timestamp_member(key));
  }
}

void write_xml(std::string& out, std::string_view name, const json& value, bool timestamp) {
  if (value.is_null()) return;
  out += '<';
  out += name;
  out += '>';
  if (value.is_object()) {
    write_xml_children(out, value);
  } else if (value.is_array()) {
    for (const auto& element : value) write_xml(out, "member", element, timestamp);
  } else if (value.is_string()) {
    out += xml_escape(value.get_ref<const std::string&>());
  } else if (value.is_boolean()) {
    out += value.get<bool>() ? "true" : "false";
  } else if (timestamp && value.is_number()) {
    out += format_iso8601(value.get<double>());
  } else if (value.is_number_float()) {
    out += format_double(value.get<double>());
  } else if (value.is_number()) {
    out += value.dump();
  }
  out += "</";
  out += name;
  out += '>';
}

void cbor_head(std::string& out, std::uint8_t major, std::uint64_t value) {
  const auto m = static_cast<std::uint8_t>(major << 5);
  auto put_be = [&out](std::uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  if (value < 24) out.push_back(static_cast<char>(m | value));
  else if (value <= 0xff) out.push_back(static_cast<char>(m | 24)), put_be(value, 1);
  else if (value <= 0xffff) out.push_back(static_cast<char>(m | 25)), put_be(value, 2);
  else if (value <= 0xffffffffULL) out.push_back(static_cast<char>(m | 26)), put_be(value, 4);
  else out.push_back(static_cast<char>(m | 27)), put_be(value, 8);
}

void cbor_double(std::string& out, double value) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  out.push_back(static_cast<char>(0xfb));
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
}

void cbor_write(std::string& out, const json& value, bool timestamp) {
  switch (value.type()) {
    case json::value_t::null:
    case json::value_t::discarded: out.push_back(static_cast<char>(0xf6)); return;
    case json::value_t::boolean: out.push_back(static_cast<char>(value.get<bool>() ? 0xf5 : 0xf4)); return;
    case json::value_t::number_unsigned:
    case json::value_t::number_integer:
    case json::value_t::number_float: {
      if (timestamp) {
        out.push_back(static_cast<char>(0xc1));  // tag 1: epoch-based date/time
        cbor_double(out, value.get<double>());
      } else if (value.is_number_unsigned()) {
        cbor_head(out, 0, value.get<std::uint64_t>());
      } else if (value.is_number_integer()) {
        const auto v = value.get<std::int64_t>();
        if (v >= 0) cbor_head(out, 0, static_cast<std::uint64_t>(v));
        else cbor_head(out, 1, static_cast<std::uint64_t>(-(v + 1)));
      } else {
        cbor_double(out, value.get<double>());
      }
      return;
    }
    case json::value_t::string: {
      const auto& s = value.get_ref<const std::string&>();
      cbor_head(out, 3, s.size());
      out += s;
      return;
    }
    case json::value_t::binary: {
      const auto& b = value.get_binary();
      cbor_head(out, 2, b.size());
      out.append(reinterpret_cast<const char*>(b.data()), b.size());
      return;
    }
    case json::value_t::array:
      cbor_head(out, 4, value.size());
      for (const auto& element : value) cbor_write(out, element, timestamp);
      return;
    case json::value_t::object: {
      std::size_t n = 0;
      for (const auto& [key, element] : value.items()) n += element.is_null() ? 0 : 1;
      cbor_head(out, 5, n);
      for (const auto& [key, element] : value.items()) {
        if (element.is_null()) continue;
        cbor_head(out, 3, key.size());
        out += key;
        cbor_write(out, element, is_timestamp_member(key));
      }
      return;
    }
  }
}

// nlohmann's from_cbor rejects tags 0-5 (0xc0-0xc5) outright, even with "ignore tags", and
// botocore sends every timestamp as tag 1. This pass copies a CBOR item without those tag heads
// (the tagged value, epoch seconds, stays). It only walks the structure; decoding is nlohmann's.
bool strip_low_tags(std::string_view in, std::size_t& pos, std::string& out, int depth) {
  if (depth > 64 || pos >= in.size()) return false;
  const auto initial = static_cast<std::uint8_t>(in[pos]);
  const int major = initial >> 5;
  const int info = initial & 31;
  std::size_t head = 1;
  std::uint64_t argument = static_cast<std::uint64_t>(info);
  if (info >= 24 && info <= 27) {
    const std::size_t bytes = std::size_t{1} << (info - 24);
    if (pos + 1 + bytes > in.size()) return false;
    argument = 0;
    for (std::size_t i = 0; i < bytes; ++i) argument = (argument << 8) | static_cast<std::uint8_t>(in[pos + 1 + i]);
    head += bytes;
  } else if (info > 27 && info != 31) {
    return false;
  }
  const bool indefinite = info == 31;
  if (major == 6) {
    if (indefinite) return false;
    if (argument > 5) out.append(in.substr(pos, head));
    pos += head;
    return strip_low_tags(in, pos, out, depth + 1);
  }
  out.append(in.substr(pos, head));
  pos += head;
  switch (major) {
    case 0:
    case 1:
    case 7:
      return !(indefinite && major != 7);
    case 2:
    case 3:
      if (indefinite) {
        while (pos < in.size() && static_cast<std::uint8_t>(in[pos]) != 0xff) {
          if (!strip_low_tags(in, pos, out, depth + 1)) return false;
        }
        if (pos >= in.size()) return false;
        out.push_back(in[pos++]);
        return true;
      }
      if (argument > in.size() - pos) return false;
      out.append(in.substr(pos, static_cast<std::size_t>(argument)));
      pos += static_cast<std::size_t>(argument);
      return true;
    case 4:
    case 5: {
      if (indefinite) {
        while (pos < in.size() && static_cast<std::uint8_t>(in[pos]) != 0xff) {
          if (!strip_low_tags(in, pos, out, depth + 1)) return false;
        }
        if (pos >= in.size()) return false;
        out.push_back(in[pos++]);
        return true;
      }
      if (argument > in.size()) return false;  // cannot hold that many items
      const std::uint64_t items = major == 5 ? argument * 2 : argument;
      for (std::uint64_t i = 0; i < items; ++i) {
        if (!strip_low_tags(in, pos, out, depth + 1)) return false;
      }
      return true;
    }
  }
  return false;
}

}  // namespace

Error cw_error(std::string code, std::string message, int http_status) {
  Error error;
  error.kind = http_status >= 500 ? ErrorKind::kTransient : ErrorKind::kInvalidInput;
  error.code = std::move(code);
  error.message = std::move(message);
  error.http_status = http_status;
  return error;
}

bool is_timestamp_member(std::string_view name) {
  return name == "Timestamp" || name == "Timestamps" || name == "StateUpdatedTimestamp" ||
         name == "AlarmConfigurationUpdatedTimestamp" || name == "StateTransitionedTimestamp" ||
         name == "StartDate" || name == "EndDate";
}

bool is_map_member(std::string_view name) { return name == "ExtendedStatistics"; }

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string format_double(double value) {
  if (!std::isfinite(value)) return "0.0";
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  std::string text(buffer, end);
  if (text.find_first_of(".eE") == std::string::npos) text += ".0";
  return text;
}

std::string format_iso8601(double epoch_seconds) {
  const auto whole = static_cast<std::time_t>(std::floor(epoch_seconds));
  const int millis = static_cast<int>(std::lround((epoch_seconds - static_cast<double>(whole)) * 1000)) % 1000;
  // Years 0..9999 are written by hand: a GetMetricData answer for 1,000 streams x 8 metrics over
  // 3 h carries 1.44 million timestamps, and gmtime_r + snprintf was the largest single cost of
  // the emulator's answer. Other years keep the general path below.
  const auto days = std::chrono::floor<std::chrono::days>(std::chrono::sys_seconds(std::chrono::seconds(whole)));
  const std::chrono::year_month_day date(days);
  const int year = static_cast<int>(date.year());
  if (year >= 0 && year <= 9999) {
    const auto of_day = static_cast<int>(whole - std::chrono::sys_seconds(days).time_since_epoch().count());
    std::string out = "0000-00-00T00:00:00.000Z";
    auto put = [&out](std::size_t at, int width, int value) {
      for (int i = width - 1; i >= 0; --i, value /= 10) out[at + static_cast<std::size_t>(i)] = char('0' + value % 10);
    };
    put(0, 4, year);
    put(5, 2, static_cast<int>(static_cast<unsigned>(date.month())));
    put(8, 2, static_cast<int>(static_cast<unsigned>(date.day())));
    put(11, 2, of_day / 3600);
    put(14, 2, of_day / 60 % 60);
    put(17, 2, of_day % 60);
    put(20, 3, millis);
    return out;
  }
  std::tm tm{};
  gmtime_r(&whole, &tm);
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buffer;
}

std::string encode_cbor(const json& value) {
  std::string out;
  cbor_write(out, value, false);
  return out;
}

namespace {

// Every action of the CloudWatch API reference (2010-08-01), sorted. An unsigned form body without
// a Version is CloudWatch's only when it names one of these: STS, SQS or SNS speak the same Query
// protocol, and claiming their bodies would make the answer depend on the order handlers were
// registered in. Actions the emulator does not implement are listed too (InvalidAction).
constexpr std::string_view kCloudWatchActions[] = {
    "DeleteAlarms", "DeleteAnomalyDetector", "DeleteDashboards", "DeleteInsightRules", "DeleteMetricStream",
    "DescribeAlarmHistory", "DescribeAlarms", "DescribeAlarmsForMetric", "DescribeAnomalyDetectors",
    "DescribeInsightRules", "DisableAlarmActions", "DisableInsightRules", "EnableAlarmActions",
    "EnableInsightRules", "GetDashboard", "GetInsightRuleReport", "GetMetricData", "GetMetricStatistics",
    "GetMetricStream", "GetMetricWidgetImage", "ListDashboards", "ListManagedInsightRules", "ListMetricStreams",
    "ListMetrics", "ListTagsForResource", "PutAnomalyDetector", "PutCompositeAlarm", "PutDashboard",
    "PutInsightRule", "PutManagedInsightRules", "PutMetricAlarm", "PutMetricData", "PutMetricStream",
    "SetAlarmState", "StartMetricStreams", "StopMetricStreams", "TagResource", "UntagResource",
};

}  // namespace

bool is_cloudwatch_action(std::string_view action) {
  return std::binary_search(std::begin(kCloudWatchActions), std::end(kCloudWatchActions), action);
}

std::optional<Protocol> detect_protocol(const ApiRequest& request) {
  if (request.target.rfind("/_kwb/", 0) == 0) return std::nullopt;
  // A credential scope names the service the client meant (sts, kinesis, ...): never ours if it
  // is another one, whatever the body looks like.
  if (!request.signing_service.empty() && request.signing_service != kSigningService) return std::nullopt;
  if (request.target.rfind(kCborPathPrefix, 0) == 0) return Protocol::kCbor;
  if (request.amz_target.rfind(kJsonTargetPrefix, 0) == 0) return Protocol::kJson;
  if (!request.amz_target.empty()) return std::nullopt;  // another JSON service's target (Kinesis)
  // Signed for CloudWatch without a JSON target: Query, even without an Action (MissingAction).
  if (request.signing_service == kSigningService) return Protocol::kQuery;
  // Unsigned: the body (form) or the query string must name CloudWatch, by its API version
  // (2010-08-01 is CloudWatch's alone: an unknown action then gets CloudWatch's InvalidAction) or,
  // without a Version, by a CloudWatch action. Another service's Version is never ours.
  std::string_view form;
  if (request.content_type.find("x-www-form-urlencoded") != std::string_view::npos) form = request.body;
  // decode_request reads the query string when the body is empty (GET /?Action=ListMetrics).
  if (const auto question = request.target.find('?'); form.empty() && question != std::string_view::npos) {
    form = request.target.substr(question + 1);
  }
  const auto action = form_field(form, "Action");
  if (!action) return std::nullopt;
  if (const auto version = form_field(form, "Version")) {
    return *version == kApiVersion ? std::optional(Protocol::kQuery) : std::nullopt;
  }
  return is_cloudwatch_action(*action) ? std::optional(Protocol::kQuery) : std::nullopt;
}

Result<json> parse_query_form(std::string_view form, std::string& action) {
  json root = json::object();
  std::size_t start = 0;
  while (start <= form.size()) {
    auto end = form.find('&', start);
    if (end == std::string_view::npos) end = form.size();
    const std::string_view pair = form.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) {
      if (end == form.size()) break;
      continue;
    }
    const auto eq = pair.find('=');
    auto key = uri_decode(pair.substr(0, eq), true);
    auto value = uri_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!key || !value || key->empty()) {
      return cw_error("MalformedQueryString", "The query string is malformed: '" + std::string(pair.substr(0, 64)) + "'.");
    }
    if (*key == "Action") {
      action = *value;
      continue;
    }
    if (*key == "Version") continue;
    const auto parts = split_dots(*key);
    json* current = &root;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      const std::string name(parts[i]);
      if (name.empty()) return cw_error("MalformedQueryString", "The query string is malformed: empty name in '" + *key + "'.");
      const bool list = i + 2 < parts.size() + 1 && i + 1 < parts.size() && parts[i + 1] == "member";
      if (!current->is_object()) {
        return cw_error("InvalidParameterValue", "The parameter " + *key + " conflicts with another parameter.");
      }
      if (list) {
        if (i + 2 >= parts.size() || !all_digits(parts[i + 2]) || parts[i + 2].size() > 4) {
          return cw_error("InvalidParameterValue", "The parameter " + *key + " has an invalid list index.");
        }
        const std::size_t index = static_cast<std::size_t>(std::stoul(std::string(parts[i + 2])));
        if (index == 0 || index > 2000) {
          return cw_error("InvalidParameterValue", "The parameter " + *key + " has an invalid list index.");
        }
        json& array = (*current)[name];
        if (array.is_null()) array = json::array();
        if (!array.is_array()) return cw_error("InvalidParameterValue", "The parameter " + *key + " conflicts with another parameter.");
        while (array.size() < index) array.push_back(nullptr);
        json& slot = array[index - 1];
        if (i + 3 == parts.size()) {
          slot = *value;
          break;
        }
        if (slot.is_null()) slot = json::object();
        current = &slot;
        i += 2;
        continue;
      }
      if (i + 1 == parts.size()) {
        (*current)[name] = *value;
      } else {
        json& next = (*current)[name];
        if (next.is_null()) next = json::object();
        current = &next;
      }
    }
  }
  compact(root);
  return root;
}

Result<DecodedRequest> decode_request(const ApiRequest& request, Protocol protocol) {
  DecodedRequest decoded;
  decoded.protocol = protocol;
  switch (protocol) {
    case Protocol::kQuery: {
      std::string_view form = request.body;
      if (form.empty()) {
        const auto question = request.target.find('?');
        if (question != std::string_view::npos) form = request.target.substr(question + 1);
      }
      std::string action;
      auto input = parse_query_form(form, action);
      if (!input) return input.error();
      if (action.empty()) return cw_error("MissingAction", "The request must contain the parameter Action.");
      decoded.operation = action;
      decoded.input = std::move(*input);
      return decoded;
    }
    case Protocol::kJson: {
      decoded.operation = std::string(request.amz_target.substr(kJsonTargetPrefix.size()));
      if (request.body.empty()) return decoded;
      json input = json::parse(request.body, nullptr, false);
      if (input.is_discarded() || !input.is_object()) {
        return cw_error("SerializationException", "The request body is not a JSON object.");
      }
      decoded.input = std::move(input);
      return decoded;
    }
    case Protocol::kCbor: {
      std::string_view path = request.target.substr(0, request.target.find('?'));
      decoded.operation = std::string(path.substr(kCborPathPrefix.size()));
      if (request.body.empty()) return decoded;
      std::string plain;
      std::size_t pos = 0;
      if (!strip_low_tags(request.body, pos, plain, 0) || pos != request.body.size()) {
        return cw_error("SerializationException", "The request body is not valid CBOR.");
      }
      json input = json::from_cbor(plain, true, false, json::cbor_tag_handler_t::ignore);
      if (input.is_discarded() || !input.is_object()) {
        return cw_error("SerializationException", "The request body is not a CBOR map.");
      }
      decoded.input = std::move(input);
      return decoded;
    }
  }
  return cw_error("InternalServiceError", "unknown protocol", 500);
}

ApiResponse encode_response(Protocol protocol, std::string_view operation, const json& output,
                            std::string_view request_id) {
  ApiResponse response;
  response.headers.set("x-amzn-RequestId", std::string(request_id));
  switch (protocol) {
    case Protocol::kQuery: {
      response.content_type = "text/xml";
      std::string& out = response.body;
      out += "<";
      out += operation;
      out += "Response xmlns=\"";
      out += kXmlNamespace;
      out += "\">";
      if (!output.is_null()) {
        out += "<";
        out += operation;
        out += "Result>";
        write_xml_children(out, output);
        out += "</";
        out += operation;
        out += "Result>";
      }
      out += "<ResponseMetadata><RequestId>";
      out += request_id;
      out += "</RequestId></ResponseMetadata></";
      out += operation;
      out += "Response>";
      return response;
    }
    case Protocol::kJson:
      response.content_type = "application/x-amz-json-1.0";
      response.body = output.is_null() ? "{}" : output.dump();
      return response;
    case Protocol::kCbor:
      response.content_type = "application/cbor";
      response.headers.set("smithy-protocol", "rpc-v2-cbor");
      response.body = encode_cbor(output.is_null() ? json::object() : output);
      return response;
  }
  return response;
}

ApiResponse encode_error(Protocol protocol, const Error& error, std::string_view request_id) {
  ApiResponse response;
  response.status = error.http_status != 0 ? error.http_status : 400;
  response.headers.set("x-amzn-RequestId", std::string(request_id));
  const std::string code = error.code.empty() ? "InternalServiceError" : error.code;
  switch (protocol) {
    case Protocol::kQuery:
      response.content_type = "text/xml";
      response.body = "<ErrorResponse xmlns=\"" + std::string(kXmlNamespace) + "\"><Error><Type>" +
                      (response.status >= 500 ? "Receiver" : "Sender") + "</Type><Code>" + xml_escape(code) +
                      "</Code><Message>" + xml_escape(error.message) + "</Message></Error><RequestId>" +
                      std::string(request_id) + "</RequestId></ErrorResponse>";
      return response;
    case Protocol::kJson: {
      response.content_type = "application/x-amz-json-1.0";
      response.headers.set("x-amzn-query-error", query_error_header(error));
      json body = {{"__type", code}, {"message", error.message}};
      response.body = body.dump();
      return response;
    }
    case Protocol::kCbor: {
      response.content_type = "application/cbor";
      response.headers.set("smithy-protocol", "rpc-v2-cbor");
      response.headers.set("x-amzn-query-error", query_error_header(error));
      json body = {{"__type", code}, {"message", error.message}};
      response.body = encode_cbor(body);
      return response;
    }
  }
  return response;
}

}  // namespace kwb::emulator::cloudwatch
