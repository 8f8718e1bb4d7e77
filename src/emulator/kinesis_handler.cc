#include "emulator/kinesis_handler.h"

#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <set>
#include <span>
#include <unordered_map>

#include "core/clock.h"
#include "core/encoding.h"
#include "emulator/api_error.h"
#include "emulator/cbor_codec.h"
#include "emulator/json_writer.h"
#include "emulator/record_json.h"
#include "emulator/sequence.h"

namespace kwb::emulator {
namespace {

namespace dom = simdjson::dom;

// ---- typed field access ----------------------------------------------------------------------

// What AWS's deserialiser says when a JSON value has the wrong type for a member.
Error type_error(dom::element_type actual, std::string_view expected) {
  using T = dom::element_type;
  const bool list_like = expected == "List";
  const bool map_like = expected == "Map";
  const bool structure = expected == "Structure";
  if (actual == T::ARRAY && !list_like) return serialization_error("Start of list found where not expected");
  if (actual == T::OBJECT && !map_like && !structure) {
    return serialization_error("Start of structure or map found where not expected.");
  }
  if (list_like) {
    if (actual == T::OBJECT) return serialization_error("Start of structure or map found where not expected.");
    return serialization_error("Expected list or null");
  }
  if (map_like) return serialization_error("Expected map or null");
  if (structure) return serialization_error("Expected null");
  const std::string article = (expected == "Blob") ? "a " : "an ";
  std::string java;
  switch (actual) {
    case T::BOOL: java = "class java.lang.Boolean"; break;
    case T::STRING: java = "class java.lang.String"; break;
    default: java = "class java.math.BigDecimal"; break;
  }
  return serialization_error(java + " can not be converted to " + article + std::string(expected));
}

class Fields {
 public:
  explicit Fields(dom::object object) : object_(object) {}

  // Each getter leaves `out` empty when the member is absent or null, and fails with AWS's
  // SerializationException when it has the wrong JSON type.
  Status str(std::string_view name, std::optional<std::string_view>& out) const {
    dom::element e;
    if (!lookup(name, e)) return ok_status();
    return str_value(e, out);
  }
  // The checks of str() and blob() for a member already found (not null).
  static Status str_value(dom::element e, std::optional<std::string_view>& out) {
    if (e.type() != dom::element_type::STRING) return type_error(e.type(), "String");
    out = std::string_view(e.get_string().value_unsafe());
    return ok_status();
  }
  static Status blob_value(dom::element e, std::optional<std::string_view>& out) {
    if (e.type() != dom::element_type::STRING) return type_error(e.type(), "Blob");
    const std::string_view text = e.get_string().value_unsafe();
    if (text.size() % 4 != 0) {
      return serialization_error("'" + std::string(text.substr(0, 64)) + "' can not be converted to a Blob: Base64 "
                                 "encoded length is expected a multiple of 4 bytes but found: " +
                                 std::to_string(text.size()));
    }
    out = text;
    return ok_status();
  }
  Status integer(std::string_view name, std::optional<std::int64_t>& out, std::string_view type = "Integer") const {
    dom::element e;
    if (!lookup(name, e)) return ok_status();
    switch (e.type()) {
      case dom::element_type::INT64: out = e.get_int64().value_unsafe(); break;
      case dom::element_type::UINT64: out = INT64_MAX; break;
      case dom::element_type::DOUBLE: {
        const double d = std::floor(e.get_double().value_unsafe());
        out = d >= 9.2e18 ? INT64_MAX : d <= -9.2e18 ? INT64_MIN : static_cast<std::int64_t>(d);
        break;
      }
      default: return type_error(e.type(), type);
    }
    return ok_status();
  }
  Status boolean(std::string_view name, std::optional<bool>& out) const {
    dom::element e;
    if (!lookup(name, e)) return ok_status();
    if (e.type() == dom::element_type::BOOL) {
      out = e.get_bool().value_unsafe();
      return ok_status();
    }
    if (e.type() == dom::element_type::STRING) {
      std::string upper(e.get_string().value_unsafe());
      for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (upper == "TRUE" || upper == "FALSE") {
        out = upper == "TRUE";
        return ok_status();
      }
      return serialization_error("'" + upper + "' can not be converted to an Boolean");
    }
    return type_error(e.type(), "Boolean");
  }
  // Epoch seconds (the JSON 1.1 wire form); returns milliseconds.
  Status timestamp(std::string_view name, std::optional<std::int64_t>& out_ms) const {
    dom::element e;
    if (!lookup(name, e)) return ok_status();
    double seconds = 0;
    switch (e.type()) {
      case dom::element_type::INT64: seconds = static_cast<double>(e.get_int64().value_unsafe()); break;
      case dom::element_type::UINT64: seconds = static_cast<double>(e.get_uint64().value_unsafe()); break;
      case dom::element_type::DOUBLE: seconds = e.get_double().value_unsafe(); break;
      case dom::element_type::STRING: {
        SystemTimePoint time;
        if (!parse_iso8601(e.get_string().value_unsafe(), time)) {
          return serialization_error("class java.lang.String can not be converted to milliseconds since epoch");
        }
        out_ms = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
        return ok_status();
      }
      default: return type_error(e.type(), "Timestamp");
    }
    if (!(seconds > -1e12 && seconds < 1e12)) return serialization_error("Timestamp out of range");
    out_ms = static_cast<std::int64_t>(std::llround(seconds * 1000.0));
    return ok_status();
  }
  // Base64 text, checked for shape (decoding happens where the bytes are needed).
  Status blob(std::string_view name, std::optional<std::string_view>& out) const {
    dom::element e;
    if (!lookup(name, e)) return ok_status();
    return blob_value(e, out);
  }
  Status list(std::string_view name, std::optional<dom::array>& out) const {
    dom::element e;
    if (!lookup(name, e)) return ok_status();
    if (e.type() != dom::element_type::ARRAY) return type_error(e.type(), "List");
    out = e.get_array().value_unsafe();
    return ok_status();
  }
  Status object(std::string_view name, std::optional<dom::object>& out, std::string_view type) const {
    dom::element e;
    if (!lookup(name, e)) return ok_status();
    if (e.type() != dom::element_type::OBJECT) return type_error(e.type(), type);
    out = e.get_object().value_unsafe();
    return ok_status();
  }

 private:
  bool lookup(std::string_view name, dom::element& out) const {
    auto result = object_.at_key(name);
    if (result.error()) return false;
    out = result.value_unsafe();
    return out.type() != dom::element_type::NULL_VALUE;
  }
  dom::object object_;
};

// ---- constraint checks -----------------------------------------------------------------------

bool matches_name_charset(std::string_view text) {
  for (char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

void check_length(Violations& v, std::string_view field, const std::optional<std::string_view>& value,
                  std::size_t min, std::size_t max) {
  if (!value) return;
  if (value->size() < min) v.add_value(field, *value, "Member must have length greater than or equal to " + std::to_string(min));
  if (value->size() > max) v.add_value(field, *value, "Member must have length less than or equal to " + std::to_string(max));
}

void check_name(Violations& v, std::string_view field, const std::optional<std::string_view>& value) {
  check_length(v, field, value, 1, 128);
  if (value && !matches_name_charset(*value)) {
    v.add_value(field, *value, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
  }
}

void check_range(Violations& v, std::string_view field, const std::optional<std::int64_t>& value, std::int64_t min,
                 std::int64_t max) {
  if (!value) return;
  if (*value < min) v.add_value(field, std::to_string(*value), "Member must have value greater than or equal to " + std::to_string(min));
  if (*value > max) v.add_value(field, std::to_string(*value), "Member must have value less than or equal to " + std::to_string(max));
}

void check_enum(Violations& v, std::string_view field, const std::optional<std::string_view>& value,
                std::initializer_list<std::string_view> allowed) {
  if (!value) return;
  for (auto a : allowed) {
    if (*value == a) return;
  }
  std::string set = "Member must satisfy enum value set: [";
  bool first = true;
  for (auto a : allowed) {
    if (!first) set += ", ";
    set += a;
    first = false;
  }
  set += "]";
  v.add_value(field, *value, set);
}

// 0|([1-9]\d{0,max_digits-1}): AWS's pattern for hash keys (39 digits) and sequence numbers (129).
bool is_decimal(std::string_view text, std::size_t max_digits) {
  if (text == "0") return true;
  if (text.empty() || text.size() > max_digits || text[0] < '1' || text[0] > '9') return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool is_decimal_key(std::string_view text) { return is_decimal(text, 39); }

void check_decimal_key(Violations& v, std::string_view field, const std::optional<std::string_view>& value) {
  if (value && !is_decimal_key(*value)) v.add_value(field, *value, "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})");
}

// Sequence numbers are longer than hash keys (ours have 56 digits), so they get their own pattern.
void check_sequence_number(Violations& v, std::string_view field, const std::optional<std::string_view>& value) {
  if (value && !is_decimal(*value, 129)) {
    v.add_value(field, *value, "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})");
  }
}

void check_shard_id(Violations& v, std::string_view field, const std::optional<std::string_view>& value) {
  check_name(v, field, value);
}

std::string blob_value_text(std::size_t size) {
  return "java.nio.HeapByteBuffer[pos=0 lim=" + std::to_string(size) + " cap=" + std::to_string(size) + "]";
}

bool valid_stream_arn_shape(std::string_view arn) {
  // arn:aws.*:kinesis:.*:\d{12}:stream/\S+
  return arn.rfind("arn:aws", 0) == 0 && arn.find(":kinesis:") != std::string_view::npos &&
         arn.find(":stream/") != std::string_view::npos;
}

struct ParsedArn {
  std::string region;
  std::string account;
  std::string stream;
  std::string consumer;  // empty for a stream ARN
};

std::optional<ParsedArn> parse_arn(std::string_view arn) {
  // arn:PARTITION:kinesis:REGION:ACCOUNT:stream/NAME[/consumer/CONSUMER:EPOCH]
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    const auto colon = arn.find(':', start);
    if (colon == std::string_view::npos) return std::nullopt;
    parts.push_back(arn.substr(start, colon - start));
    start = colon + 1;
  }
  const std::string_view resource = arn.substr(start);
  if (parts[0] != "arn" || parts[2] != "kinesis" || resource.rfind("stream/", 0) != 0) return std::nullopt;
  ParsedArn out{std::string(parts[3]), std::string(parts[4]), "", ""};
  std::string_view rest = resource.substr(7);
  const auto consumer_at = rest.find("/consumer/");
  if (consumer_at != std::string_view::npos) {
    std::string_view consumer = rest.substr(consumer_at + 10);
    const auto colon = consumer.find(':');
    out.consumer = std::string(consumer.substr(0, colon));
    rest = rest.substr(0, consumer_at);
  }
  out.stream = std::string(rest);
  if (out.stream.empty()) return std::nullopt;
  return out;
}

// ---- per-call context ------------------------------------------------------------------------

struct Call {
  std::string_view operation;
  Engine& engine;
  const EmulatorConfig& config;
  Fields fields;
  std::string& out;
  JsonWriter json;
  // For the observer.
  std::string stream;
  std::string shard;
  CallEvent event;
  std::vector<ShardTally> tallies;
  std::vector<std::string> tally_ids;
  CallObserver* observer = nullptr;  // for per-record fault injection (PutRecords)
  SubscriptionHub* subscriptions = nullptr;         // SubscribeToShard
  std::shared_ptr<http::BodySource> body_source;  // set by SubscribeToShard: the answer streams

  Call(std::string_view op, Engine& e, const EmulatorConfig& c, dom::object object, std::string& body)
      : operation(op), engine(e), config(c), fields(object), out(body), json(body) {}
};

// Resolves StreamName / StreamARN (either is accepted wherever AWS accepts both).
Result<std::string> stream_name_of(Call& call, const std::optional<std::string_view>& name,
                                   const std::optional<std::string_view>& arn) {
  std::string resolved;
  if (arn) {
    const auto parsed = parse_arn(*arn);
    if (!parsed || !parsed->consumer.empty()) {
      return invalid_argument("StreamARN " + std::string(*arn) + " is not a valid stream ARN.");
    }
    if (parsed->region != call.engine.region() || parsed->account != call.engine.account()) {
      return resource_not_found("Stream " + parsed->stream + " under account " + parsed->account + " not found.");
    }
    resolved = parsed->stream;
    if (name && *name != resolved) {
      return invalid_argument("StreamARN " + std::string(*arn) + " and StreamName " + std::string(*name) +
                              " do not identify the same stream.");
    }
  } else if (name) {
    resolved = std::string(*name);
  } else {
    return invalid_argument("Either StreamName or StreamARN must be provided.");
  }
  call.stream = resolved;
  return resolved;
}

// Reads and checks the common StreamName/StreamARN pair.
Result<std::string> read_stream(Call& call, Violations& v, bool arn_only = false) {
  std::optional<std::string_view> name, arn;
  if (!arn_only) KWB_RETURN_IF_ERROR(call.fields.str("StreamName", name));
  KWB_RETURN_IF_ERROR(call.fields.str("StreamARN", arn));
  if (!arn_only) check_name(v, "streamName", name);
  check_length(v, "streamARN", arn, 1, 2048);
  if (arn && !valid_stream_arn_shape(*arn)) {
    v.add_value("streamARN", *arn, "Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+");
  }
  if (arn_only && !arn) v.add_null("streamARN");
  if (!v.empty()) return v.to_error();
  return stream_name_of(call, name, arn);
}

void write_shard(JsonWriter& json, const ShardInfo& shard) {
  json.begin_object();
  json.field("ShardId", shard.shard_id);
  if (shard.parent) json.field("ParentShardId", *shard.parent);
  if (shard.adjacent_parent) json.field("AdjacentParentShardId", *shard.adjacent_parent);
  write_hash_range(json, shard.range);
  json.key("SequenceNumberRange");
  json.begin_object();
  json.field("StartingSequenceNumber", shard.starting_sequence);
  if (shard.ending_sequence) json.field("EndingSequenceNumber", *shard.ending_sequence);
  json.end_object();
  json.end_object();
}

void write_mode(JsonWriter& json, StreamMode mode) {
  json.key("StreamModeDetails");
  json.begin_object();
  json.field("StreamMode", to_string(mode));
  json.end_object();
}

void write_monitoring(JsonWriter& json, const StreamInfo& info) {
  json.key("EnhancedMonitoring");
  json.begin_array();
  json.begin_object();
  json.key("ShardLevelMetrics");
  json.begin_array();
  for (const auto& m : info.shard_level_metrics) json.string(m);
  json.end_array();
  json.end_object();
  json.end_array();
}

void write_consumer(JsonWriter& json, const ConsumerInfo& c, bool with_stream_arn) {
  json.begin_object();
  json.field("ConsumerName", c.name);
  json.field("ConsumerARN", c.arn);
  json.field("ConsumerStatus", c.status);
  json.key("ConsumerCreationTimestamp");
  json.timestamp_ms(c.created_ms);
  if (with_stream_arn) json.field("StreamARN", c.stream_arn);
  json.end_object();
}

// Opaque paging tokens: base64 of "kind|stream|after|issued_ms". AWS's expire after 300 s.
std::string make_token(std::string_view kind, std::string_view stream, std::string_view after, std::int64_t now_ms) {
  std::string raw = std::string(kind) + "|" + std::string(stream) + "|" + std::string(after) + "|" + std::to_string(now_ms);
  std::string out;
  append_base64(out, raw);
  return out;
}

struct Token {
  std::string stream;
  std::string after;
  std::int64_t issued_ms = 0;
};

Result<Token> read_token(std::string_view text, std::string_view kind, std::int64_t now_ms) {
  std::string raw;
  if (!append_base64_decoded(raw, text)) return invalid_argument("Invalid NextToken.");
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const auto bar = raw.find('|', start);
    parts.push_back(raw.substr(start, bar == std::string::npos ? std::string::npos : bar - start));
    if (bar == std::string::npos) break;
    start = bar + 1;
  }
  if (parts.size() != 4 || parts[0] != kind) return invalid_argument("Invalid NextToken.");
  Token token{parts[1], parts[2], 0};
  try {
    token.issued_ms = std::stoll(parts[3]);
  } catch (...) {
    return invalid_argument("Invalid NextToken.");
  }
  if (now_ms - token.issued_ms > 300'000) {
    return expired_next_token("The timestamp in NextToken has expired. Retry the request with a fresh NextToken.");
  }
  return token;
}

std::int64_t wall_ms(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch()).count();
}

// ---- operations ------------------------------------------------------------------------------

using OpFn = Status (*)(Call&, const Clock&);

Status create_stream(Call& call, const Clock&) {
  std::optional<std::string_view> name;
  std::optional<std::int64_t> shards;
  std::optional<dom::object> mode_details, tags;
  KWB_RETURN_IF_ERROR(call.fields.str("StreamName", name));
  KWB_RETURN_IF_ERROR(call.fields.integer("ShardCount", shards));
  KWB_RETURN_IF_ERROR(call.fields.object("StreamModeDetails", mode_details, "Structure"));
  KWB_RETURN_IF_ERROR(call.fields.object("Tags", tags, "Map"));
  std::optional<std::string_view> mode;
  if (mode_details) KWB_RETURN_IF_ERROR(Fields(*mode_details).str("StreamMode", mode));
  Violations v;
  if (!name) v.add_null("streamName");
  check_name(v, "streamName", name);
  check_range(v, "shardCount", shards, 1, 100000);
  if (mode_details && !mode) v.add_null("streamModeDetails.streamMode");
  check_enum(v, "streamModeDetails.streamMode", mode, {"PROVISIONED", "ON_DEMAND"});
  std::map<std::string, std::string> tag_map;
  if (tags) {
    for (auto [key, value] : *tags) {
      if (value.type() != dom::element_type::STRING) return type_error(value.type(), "String");
      tag_map[std::string(key)] = std::string(value.get_string().value_unsafe());
    }
    if (tag_map.size() > 50) v.add_value("tags", "{...}", "Member must have length less than or equal to 50");
  }
  if (!v.empty()) return v.to_error();
  call.stream = std::string(*name);
  const StreamMode stream_mode = (mode && *mode == "ON_DEMAND") ? StreamMode::kOnDemand : StreamMode::kProvisioned;
  if (stream_mode == StreamMode::kProvisioned && !shards) {
    return invalid_argument("A ShardCount must be specified for a stream in PROVISIONED mode.");
  }
  KWB_RETURN_IF_ERROR(call.engine.create_stream(
      call.stream, shards ? std::optional<std::uint32_t>(static_cast<std::uint32_t>(*shards)) : std::nullopt,
      stream_mode, tag_map));
  call.out.clear();  // empty body, as AWS answers
  return ok_status();
}

Status delete_stream(Call& call, const Clock&) {
  Violations v;
  std::optional<bool> enforce;
  KWB_RETURN_IF_ERROR(call.fields.boolean("EnforceConsumerDeletion", enforce));
  auto name = read_stream(call, v);
  if (!name) return name.error();
  return call.engine.delete_stream(*name, enforce.value_or(false));
}

void write_stream_header(JsonWriter& json, const StreamInfo& info) {
  json.field("StreamName", info.name);
  json.field("StreamARN", info.arn);
  json.field("StreamStatus", to_string(info.status));
  write_mode(json, info.mode);
  json.field_int("RetentionPeriodHours", info.retention_hours);
  json.key("StreamCreationTimestamp");
  json.timestamp_ms(info.created_ms);
  write_monitoring(json, info);
  json.field("EncryptionType", info.encryption_type);
  if (!info.key_id.empty()) json.field("KeyId", info.key_id);
}

Status describe_stream(Call& call, const Clock&) {
  Violations v;
  std::optional<std::int64_t> limit;
  std::optional<std::string_view> start;
  KWB_RETURN_IF_ERROR(call.fields.integer("Limit", limit));
  KWB_RETURN_IF_ERROR(call.fields.str("ExclusiveStartShardId", start));
  check_range(v, "limit", limit, 1, 10000);
  check_shard_id(v, "exclusiveStartShardId", start);
  auto name = read_stream(call, v);
  if (!name) return name.error();
  auto info = call.engine.describe_stream(*name, true);
  if (!info) return info.error();
  std::optional<std::uint32_t> after;
  if (start) after = parse_shard_id(*start);
  const std::size_t max = static_cast<std::size_t>(limit.value_or(100));
  call.json.begin_object();
  call.json.key("StreamDescription");
  call.json.begin_object();
  write_stream_header(call.json, *info);
  call.json.key("Shards");
  call.json.begin_array();
  std::size_t written = 0;
  bool more = false;
  for (const auto& shard : info->shards) {
    if (start && (!after || shard.index <= *after)) continue;
    if (written == max) {
      more = true;
      break;
    }
    write_shard(call.json, shard);
    ++written;
  }
  call.json.end_array();
  call.json.field_bool("HasMoreShards", more);
  call.json.end_object();
  call.json.end_object();
  return ok_status();
}

Status describe_stream_summary(Call& call, const Clock&) {
  Violations v;
  auto name = read_stream(call, v);
  if (!name) return name.error();
  auto info = call.engine.describe_stream(*name, false, "DescribeStreamSummary");
  if (!info) return info.error();
  call.json.begin_object();
  call.json.key("StreamDescriptionSummary");
  call.json.begin_object();
  write_stream_header(call.json, *info);
  call.json.field_int("OpenShardCount", info->open_shard_count);
  call.json.field_int("ConsumerCount", info->consumer_count);
  call.json.end_object();
  call.json.end_object();
  return ok_status();
}

Status list_streams(Call& call, const Clock& clock) {
  Violations v;
  std::optional<std::int64_t> limit;
  std::optional<std::string_view> start, token;
  KWB_RETURN_IF_ERROR(call.fields.integer("Limit", limit));
  KWB_RETURN_IF_ERROR(call.fields.str("ExclusiveStartStreamName", start));
  KWB_RETURN_IF_ERROR(call.fields.str("NextToken", token));
  check_range(v, "limit", limit, 1, 10000);
  check_name(v, "exclusiveStartStreamName", start);
  check_length(v, "nextToken", token, 1, 1048576);
  if (!v.empty()) return v.to_error();
  std::string after = start ? std::string(*start) : "";
  if (token) {
    auto t = read_token(*token, "streams", wall_ms(clock));
    if (!t) return t.error();
    after = t->after;
  }
  auto streams = call.engine.list_streams();
  if (!streams) return streams.error();
  const std::size_t max = static_cast<std::size_t>(limit.value_or(100));
  std::vector<const StreamInfo*> page;
  bool more = false;
  for (const auto& s : *streams) {
    if (!after.empty() && s.name <= after) continue;
    if (page.size() == max) {
      more = true;
      break;
    }
    page.push_back(&s);
  }
  call.json.begin_object();
  call.json.key("StreamNames");
  call.json.begin_array();
  for (const auto* s : page) call.json.string(s->name);
  call.json.end_array();
  call.json.field_bool("HasMoreStreams", more);
  if (more) call.json.field("NextToken", make_token("streams", "", page.back()->name, wall_ms(clock)));
  call.json.key("StreamSummaries");
  call.json.begin_array();
  for (const auto* s : page) {
    call.json.begin_object();
    call.json.field("StreamName", s->name);
    call.json.field("StreamARN", s->arn);
    call.json.field("StreamStatus", to_string(s->status));
    write_mode(call.json, s->mode);
    call.json.key("StreamCreationTimestamp");
    call.json.timestamp_ms(s->created_ms);
    call.json.end_object();
  }
  call.json.end_array();
  call.json.end_object();
  return ok_status();
}

Status list_shards(Call& call, const Clock& clock) {
  Violations v;
  std::optional<std::string_view> name, arn, token, start;
  std::optional<std::int64_t> max_results, created;
  std::optional<dom::object> filter_object;
  KWB_RETURN_IF_ERROR(call.fields.str("StreamName", name));
  KWB_RETURN_IF_ERROR(call.fields.str("StreamARN", arn));
  KWB_RETURN_IF_ERROR(call.fields.str("NextToken", token));
  KWB_RETURN_IF_ERROR(call.fields.str("ExclusiveStartShardId", start));
  KWB_RETURN_IF_ERROR(call.fields.integer("MaxResults", max_results));
  KWB_RETURN_IF_ERROR(call.fields.timestamp("StreamCreationTimestamp", created));
  KWB_RETURN_IF_ERROR(call.fields.object("ShardFilter", filter_object, "Structure"));
  std::optional<std::string_view> filter_type, filter_shard;
  std::optional<std::int64_t> filter_time;
  if (filter_object) {
    Fields f(*filter_object);
    KWB_RETURN_IF_ERROR(f.str("Type", filter_type));
    KWB_RETURN_IF_ERROR(f.str("ShardId", filter_shard));
    KWB_RETURN_IF_ERROR(f.timestamp("Timestamp", filter_time));
    if (!filter_type) v.add_null("shardFilter.type");
    check_enum(v, "shardFilter.type", filter_type,
               {"AFTER_SHARD_ID", "AT_TRIM_HORIZON", "FROM_TRIM_HORIZON", "AT_LATEST", "AT_TIMESTAMP", "FROM_TIMESTAMP"});
    check_shard_id(v, "shardFilter.shardId", filter_shard);
  }
  check_name(v, "streamName", name);
  check_length(v, "nextToken", token, 1, 1048576);
  check_shard_id(v, "exclusiveStartShardId", start);
  check_range(v, "maxResults", max_results, 1, 10000);
  if (!v.empty()) return v.to_error();

  std::string stream;
  std::optional<std::uint32_t> after;
  if (token) {
    if (name || arn) {
      return invalid_argument("NextToken and StreamName cannot be provided together.");
    }
    if (start || filter_object || created) {
      return invalid_argument("NextToken cannot be provided together with ExclusiveStartShardId, ShardFilter or "
                              "StreamCreationTimestamp.");
    }
    auto t = read_token(*token, "shards", wall_ms(clock));
    if (!t) return t.error();
    stream = t->stream;
    call.stream = stream;
    after = parse_shard_id(t->after);
  } else {
    auto resolved = stream_name_of(call, name, arn);
    if (!resolved) return resolved.error();
    stream = *resolved;
    if (start) after = parse_shard_id(*start);
  }
  ShardFilter filter;
  if (filter_type) {
    const std::string_view t = *filter_type;
    using T = ShardFilter::Type;
    filter.type = t == "AFTER_SHARD_ID"      ? T::kAfterShardId
                  : t == "AT_TRIM_HORIZON"   ? T::kAtTrimHorizon
                  : t == "FROM_TRIM_HORIZON" ? T::kFromTrimHorizon
                  : t == "AT_LATEST"         ? T::kAtLatest
                  : t == "AT_TIMESTAMP"      ? T::kAtTimestamp
                                             : T::kFromTimestamp;
    if (filter.type == T::kAfterShardId) {
      if (!filter_shard) return invalid_argument("ShardId must be specified for the AFTER_SHARD_ID ShardFilter type.");
      filter.shard_id = std::string(*filter_shard);
    }
    if (filter.type == T::kAtTimestamp || filter.type == T::kFromTimestamp) {
      if (!filter_time) return invalid_argument("Timestamp must be specified for the " + std::string(t) + " ShardFilter type.");
      filter.timestamp_ms = *filter_time;
    }
  }
  auto info = call.engine.list_shards(stream, filter);
  if (!info) return info.error();
  const std::size_t max = static_cast<std::size_t>(max_results.value_or(1000));
  call.json.begin_object();
  call.json.key("Shards");
  call.json.begin_array();
  std::size_t written = 0;
  std::string last;
  bool more = false;
  for (const auto& shard : info->shards) {
    if (after && shard.index <= *after) continue;
    if (written == max) {
      more = true;
      break;
    }
    write_shard(call.json, shard);
    last = shard.shard_id;
    ++written;
  }
  call.json.end_array();
  if (more) call.json.field("NextToken", make_token("shards", stream, last, wall_ms(clock)));
  call.json.end_object();
  return ok_status();
}

Status describe_limits(Call& call, const Clock&) {
  auto limits = call.engine.describe_limits();
  if (!limits) return limits.error();
  call.json.begin_object();
  call.json.field_int("ShardLimit", limits->shard_limit);
  call.json.field_int("OpenShardCount", limits->open_shard_count);
  call.json.field_int("OnDemandStreamCount", limits->on_demand_stream_count);
  call.json.field_int("OnDemandStreamCountLimit", limits->on_demand_stream_count_limit);
  call.json.end_object();
  return ok_status();
}

// ---- resharding ----
// SplitShard, MergeShards and UpdateShardCount read their members the same way: present (else a
// "must not be null" violation under the member's camelCase name, as AWS words it) and well-formed.

std::string wire_name(std::string_view member) {
  std::string out(member);
  if (!out.empty()) out[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[0])));
  return out;
}

Status required_str(const Call& call, Violations& v, std::string_view member, std::optional<std::string_view>& out) {
  KWB_RETURN_IF_ERROR(call.fields.str(member, out));
  if (!out) v.add_null(wire_name(member));
  return ok_status();
}

Status required_shard_id(const Call& call, Violations& v, std::string_view member, std::optional<std::string_view>& out) {
  KWB_RETURN_IF_ERROR(required_str(call, v, member, out));
  check_shard_id(v, wire_name(member), out);
  return ok_status();
}

Status update_shard_count(Call& call, const Clock&) {
  Violations v;
  std::optional<std::int64_t> target;
  std::optional<std::string_view> scaling;
  KWB_RETURN_IF_ERROR(call.fields.integer("TargetShardCount", target));
  if (!target) v.add_null("targetShardCount");
  check_range(v, "targetShardCount", target, 1, 100000);
  KWB_RETURN_IF_ERROR(required_str(call, v, "ScalingType", scaling));
  check_enum(v, "scalingType", scaling, {"UNIFORM_SCALING"});
  auto name = read_stream(call, v);
  if (!name) return name.error();
  auto result = call.engine.update_shard_count(*name, static_cast<std::uint32_t>(*target));
  if (!result) return result.error();
  call.json.begin_object();
  call.json.field("StreamName", result->stream_name);
  call.json.field_int("CurrentShardCount", result->current);
  call.json.field_int("TargetShardCount", result->target);
  call.json.field("StreamARN", result->stream_arn);
  call.json.end_object();
  return ok_status();
}

Status split_shard(Call& call, const Clock&) {
  Violations v;
  std::optional<std::string_view> shard, key;
  KWB_RETURN_IF_ERROR(required_shard_id(call, v, "ShardToSplit", shard));
  KWB_RETURN_IF_ERROR(required_str(call, v, "NewStartingHashKey", key));
  check_decimal_key(v, "newStartingHashKey", key);
  auto name = read_stream(call, v);
  if (!name) return name.error();
  const auto hash = parse_hash_key(*key);
  if (!hash) return invalid_argument("NewStartingHashKey " + std::string(*key) + " is not a valid 128-bit hash key.");
  call.shard = std::string(*shard);
  return call.engine.split_shard(*name, *shard, *hash);
}

Status merge_shards(Call& call, const Clock&) {
  Violations v;
  std::optional<std::string_view> shard, adjacent;
  KWB_RETURN_IF_ERROR(required_shard_id(call, v, "ShardToMerge", shard));
  KWB_RETURN_IF_ERROR(required_shard_id(call, v, "AdjacentShardToMerge", adjacent));
  auto name = read_stream(call, v);
  if (!name) return name.error();
  return call.engine.merge_shards(*name, *shard, *adjacent);
}

Status update_stream_mode(Call& call, const Clock&) {
  Violations v;
  std::optional<dom::object> details;
  std::optional<std::string_view> mode;
  KWB_RETURN_IF_ERROR(call.fields.object("StreamModeDetails", details, "Structure"));
  if (details) KWB_RETURN_IF_ERROR(Fields(*details).str("StreamMode", mode));
  if (!details) v.add_null("streamModeDetails");
  else if (!mode) v.add_null("streamModeDetails.streamMode");
  check_enum(v, "streamModeDetails.streamMode", mode, {"PROVISIONED", "ON_DEMAND"});
  auto name = read_stream(call, v, /*arn_only=*/true);
  if (!name) return name.error();
  return call.engine.update_stream_mode(*name, *mode == "ON_DEMAND" ? StreamMode::kOnDemand : StreamMode::kProvisioned);
}

Result<std::map<std::string, std::string>> read_tag_map(Call& call, Violations& v, std::string_view field,
                                                        std::string_view wire) {
  std::optional<dom::object> tags;
  KWB_RETURN_IF_ERROR(call.fields.object(wire, tags, "Map"));
  std::map<std::string, std::string> out;
  if (!tags) {
    v.add_null(field);
    return out;
  }
  std::size_t count = 0;
  for (auto [key, value] : *tags) {
    if (value.type() != dom::element_type::STRING) return type_error(value.type(), "String");
    const std::string_view text = value.get_string().value_unsafe();
    if (key.empty() || key.size() > 128) {
      v.add_value(field, "{...}", "Map keys must satisfy constraint: [Member must have length less than or equal to 128, "
                                  "Member must have length greater than or equal to 1]");
    }
    if (text.size() > 256) {
      v.add_value(field, "{...}", "Map value must satisfy constraint: [Member must have length less than or equal to 256, "
                                  "Member must have length greater than or equal to 0]");
    }
    out[std::string(key)] = std::string(text);
    ++count;
  }
  if (count < 1) v.add_value(field, "{}", "Member must have length greater than or equal to 1");
  if (count > 50) v.add_value(field, "{...}", "Member must have length less than or equal to 50");
  return out;
}

Result<std::vector<std::string>> read_key_list(Call& call, Violations& v, std::string_view field, std::string_view wire) {
  std::optional<dom::array> keys;
  KWB_RETURN_IF_ERROR(call.fields.list(wire, keys));
  std::vector<std::string> out;
  if (!keys) {
    v.add_null(field);
    return out;
  }
  for (dom::element key : *keys) {
    if (key.type() != dom::element_type::STRING) return type_error(key.type(), "String");
    const std::string_view text = key.get_string().value_unsafe();
    if (text.empty() || text.size() > 128) {
      v.add_value(field, text, "Member must satisfy constraint: [Member must have length less than or equal to 128, "
                               "Member must have length greater than or equal to 1]");
    }
    out.emplace_back(text);
  }
  if (out.empty()) v.add_value(field, "[]", "Member must have length greater than or equal to 1");
  if (out.size() > 50) v.add_value(field, "[...]", "Member must have length less than or equal to 50");
  return out;
}

Status add_tags_to_stream(Call& call, const Clock&) {
  Violations v;
  auto tags = read_tag_map(call, v, "tags", "Tags");
  if (!tags) return tags.error();
  auto name = read_stream(call, v);
  if (!name) return name.error();
  return call.engine.add_tags(*name, *tags);
}

Status remove_tags_from_stream(Call& call, const Clock&) {
  Violations v;
  auto keys = read_key_list(call, v, "tagKeys", "TagKeys");
  if (!keys) return keys.error();
  auto name = read_stream(call, v);
  if (!name) return name.error();
  return call.engine.remove_tags(*name, *keys);
}

Status list_tags_for_stream(Call& call, const Clock&) {
  Violations v;
  std::optional<std::string_view> start;
  std::optional<std::int64_t> limit;
  KWB_RETURN_IF_ERROR(call.fields.str("ExclusiveStartTagKey", start));
  KWB_RETURN_IF_ERROR(call.fields.integer("Limit", limit));
  check_length(v, "exclusiveStartTagKey", start, 1, 128);
  check_range(v, "limit", limit, 1, 50);
  auto name = read_stream(call, v);
  if (!name) return name.error();
  auto tags = call.engine.list_tags(*name);
  if (!tags) return tags.error();
  const std::size_t max = static_cast<std::size_t>(limit.value_or(50));
  call.json.begin_object();
  call.json.key("Tags");
  call.json.begin_array();
  std::size_t written = 0;
  bool more = false;
  for (const auto& [key, value] : *tags) {
    if (start && key <= *start) continue;
    if (written == max) {
      more = true;
      break;
    }
    call.json.begin_object();
    call.json.field("Key", key);
    call.json.field("Value", value);
    call.json.end_object();
    ++written;
  }
  call.json.end_array();
  call.json.field_bool("HasMoreTags", more);
  call.json.end_object();
  return ok_status();
}

// TagResource / UntagResource / ListTagsForResource take a stream or consumer ARN.
Result<ParsedArn> read_resource_arn(Call& call, Violations& v) {
  std::optional<std::string_view> arn;
  KWB_RETURN_IF_ERROR(call.fields.str("ResourceARN", arn));
  if (!arn) v.add_null("resourceARN");
  check_length(v, "resourceARN", arn, 1, 2048);
  if (arn && arn->rfind("arn:aws", 0) != 0) {
    v.add_value("resourceARN", *arn, "Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:.+");
  }
  if (!v.empty()) return v.to_error();
  auto parsed = parse_arn(*arn);
  if (!parsed) return invalid_argument("ResourceARN " + std::string(*arn) + " is not a valid Kinesis resource ARN.");
  if (parsed->region != call.engine.region() || parsed->account != call.engine.account()) {
    return resource_not_found("Resource " + std::string(*arn) + " not found.");
  }
  call.stream = parsed->stream;
  return *parsed;
}

Status tag_resource(Call& call, const Clock&) {
  Violations v;
  auto tags = read_tag_map(call, v, "tags", "Tags");
  if (!tags) return tags.error();
  auto arn = read_resource_arn(call, v);
  if (!arn) return arn.error();
  if (!arn->consumer.empty()) return call.engine.tag_consumer(arn->stream, arn->consumer, *tags, {});
  return call.engine.add_tags(arn->stream, *tags);
}

Status untag_resource(Call& call, const Clock&) {
  Violations v;
  auto keys = read_key_list(call, v, "tagKeys", "TagKeys");
  if (!keys) return keys.error();
  auto arn = read_resource_arn(call, v);
  if (!arn) return arn.error();
  if (!arn->consumer.empty()) return call.engine.tag_consumer(arn->stream, arn->consumer, {}, *keys);
  return call.engine.remove_tags(arn->stream, *keys);
}

Status list_tags_for_resource(Call& call, const Clock&) {
  Violations v;
  auto arn = read_resource_arn(call, v);
  if (!arn) return arn.error();
  auto tags = arn->consumer.empty() ? call.engine.list_tags(arn->stream)
                                    : call.engine.consumer_tags(arn->stream, arn->consumer);
  if (!tags) return tags.error();
  call.json.begin_object();
  call.json.key("Tags");
  call.json.begin_array();
  for (const auto& [key, value] : *tags) {
    call.json.begin_object();
    call.json.field("Key", key);
    call.json.field("Value", value);
    call.json.end_object();
  }
  call.json.end_array();
  call.json.end_object();
  return ok_status();
}

Status retention(Call& call, bool increase) {
  Violations v;
  std::optional<std::int64_t> hours;
  KWB_RETURN_IF_ERROR(call.fields.integer("RetentionPeriodHours", hours));
  if (!hours) v.add_null("retentionPeriodHours");
  check_range(v, "retentionPeriodHours", hours, increase ? 1 : 1, 8760);
  auto name = read_stream(call, v);
  if (!name) return name.error();
  if (*hours < 24) {
    return invalid_argument("Minimum allowed retention period is 24 hours. Requested retention period (" +
                            std::to_string(*hours) + " hours) is too short.");
  }
  return call.engine.set_retention(*name, static_cast<int>(*hours), increase);
}

Status increase_retention(Call& call, const Clock&) { return retention(call, true); }
Status decrease_retention(Call& call, const Clock&) { return retention(call, false); }

Status monitoring(Call& call, bool enable) {
  Violations v;
  std::optional<dom::array> metrics;
  KWB_RETURN_IF_ERROR(call.fields.list("ShardLevelMetrics", metrics));
  std::vector<std::string> list;
  if (!metrics) v.add_null("shardLevelMetrics");
  else {
    for (dom::element m : *metrics) {
      if (m.type() != dom::element_type::STRING) return type_error(m.type(), "String");
      list.emplace_back(m.get_string().value_unsafe());
    }
    if (list.empty()) v.add_value("shardLevelMetrics", "[]", "Member must have length greater than or equal to 1");
    if (list.size() > 7) v.add_value("shardLevelMetrics", "[...]", "Member must have length less than or equal to 7");
    for (const auto& m : list) {
      static const std::set<std::string> kAllowed = {"IncomingBytes", "IncomingRecords", "OutgoingBytes",
                                                     "OutgoingRecords", "WriteProvisionedThroughputExceeded",
                                                     "ReadProvisionedThroughputExceeded", "IteratorAgeMilliseconds", "ALL"};
      if (!kAllowed.count(m)) {
        v.add_value("shardLevelMetrics", m,
                    "Member must satisfy constraint: [Member must satisfy enum value set: [IncomingBytes, "
                    "OutgoingRecords, IteratorAgeMilliseconds, IncomingRecords, ReadProvisionedThroughputExceeded, "
                    "WriteProvisionedThroughputExceeded, OutgoingBytes, ALL]]");
        break;
      }
    }
  }
  auto name = read_stream(call, v);
  if (!name) return name.error();
  auto result = call.engine.set_monitoring(*name, list, enable);
  if (!result) return result.error();
  call.json.begin_object();
  call.json.field("StreamName", result->stream_name);
  call.json.key("CurrentShardLevelMetrics");
  call.json.begin_array();
  for (const auto& m : result->current) call.json.string(m);
  call.json.end_array();
  call.json.key("DesiredShardLevelMetrics");
  call.json.begin_array();
  for (const auto& m : result->desired) call.json.string(m);
  call.json.end_array();
  call.json.field("StreamARN", result->stream_arn);
  call.json.end_object();
  return ok_status();
}

Status enable_monitoring(Call& call, const Clock&) { return monitoring(call, true); }
Status disable_monitoring(Call& call, const Clock&) { return monitoring(call, false); }

Status encryption(Call& call, bool enable) {
  Violations v;
  std::optional<std::string_view> type, key;
  KWB_RETURN_IF_ERROR(call.fields.str("EncryptionType", type));
  KWB_RETURN_IF_ERROR(call.fields.str("KeyId", key));
  if (!type) v.add_null("encryptionType");
  check_enum(v, "encryptionType", type, {"NONE", "KMS"});
  if (!key) v.add_null("keyId");
  check_length(v, "keyId", key, 1, 2048);
  auto name = read_stream(call, v);
  if (!name) return name.error();
  if (*type != "KMS") return invalid_argument("Only KMS is supported as an EncryptionType.");
  return call.engine.set_encryption(*name, enable, std::string(*key));
}

Status start_encryption(Call& call, const Clock&) { return encryption(call, true); }
Status stop_encryption(Call& call, const Clock&) { return encryption(call, false); }

// ---- data plane ----

void write_put_result(Call& call, const PutOutcome& outcome, std::string& scratch) {
  scratch.clear();
  append_sequence(scratch, SequenceParts{outcome.shard_index, outcome.shard_created_ms, outcome.counter});
  call.json.key("SequenceNumber");
  call.json.raw_string(scratch);
  scratch.clear();
  append_shard_id(scratch, outcome.shard_index);
  call.json.key("ShardId");
  call.json.raw_string(scratch);
}

void record_tallies(Call& call, PutSummary& summary) {
  call.tally_ids = std::move(summary.shard_ids);
  call.tallies = std::move(summary.tallies);
  for (std::size_t i = 0; i < call.tallies.size(); ++i) call.tallies[i].shard_id = call.tally_ids[i];
}

std::string throttle_message(const PutOutcome& outcome, const std::string& stream, const std::string& account) {
  return "Rate exceeded for shard " + shard_id_for(outcome.shard_index) + " in stream " + stream + " under account " +
         account + ".";
}

Status put_record(Call& call, const Clock&) {
  Violations v;
  std::optional<std::string_view> data, key, explicit_key, ordering;
  KWB_RETURN_IF_ERROR(call.fields.blob("Data", data));
  KWB_RETURN_IF_ERROR(call.fields.str("PartitionKey", key));
  KWB_RETURN_IF_ERROR(call.fields.str("ExplicitHashKey", explicit_key));
  KWB_RETURN_IF_ERROR(call.fields.str("SequenceNumberForOrdering", ordering));
  thread_local std::string bytes;
  bytes.clear();
  if (data && !append_base64_decoded(bytes, *data)) {
    return serialization_error("'" + std::string(data->substr(0, 64)) + "' can not be converted to a Blob: Invalid Base64 character");
  }
  if (!data) v.add_null("data");
  else if (bytes.size() > call.config.limits.max_record_bytes) {
    v.add_value("data", blob_value_text(bytes.size()),
                "Member must have length less than or equal to " + std::to_string(call.config.limits.max_record_bytes));
  }
  if (!key) v.add_null("partitionKey");
  check_length(v, "partitionKey", key, 1, 256);
  check_decimal_key(v, "explicitHashKey", explicit_key);
  check_sequence_number(v, "sequenceNumberForOrdering", ordering);
  auto name = read_stream(call, v);
  if (!name) return name.error();
  PutEntry entry{*key, bytes, std::nullopt};
  if (explicit_key) {
    entry.explicit_hash_key = parse_hash_key(*explicit_key);
    if (!entry.explicit_hash_key) {
      return invalid_argument("Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was " +
                              std::string(*explicit_key));
    }
  }
  PutOutcome outcome;
  auto summary = call.engine.put_records(*name, std::span(&entry, 1), std::span(&outcome, 1));
  if (!summary) return summary.error();
  call.event.records_in = 1;
  call.event.bytes_in = key->size() + bytes.size();
  call.shard = shard_id_for(outcome.shard_index);
  record_tallies(call, *summary);
  if (!outcome.accepted) {
    call.event.throttled = 1;
    return throughput_exceeded(throttle_message(outcome, *name, call.engine.account()));
  }
  call.event.accepted = 1;
  std::string scratch;
  call.json.begin_object();
  write_put_result(call, outcome, scratch);
  if (summary->encryption_type != "NONE") call.json.field("EncryptionType", summary->encryption_type);
  call.json.end_object();
  return ok_status();
}

// Writes the PutRecords "Records" array. It is the bulk of the response (500 entries) and every
// accepted entry's object is the same text apart from the record counter, so that text is built
// once per shard and only the counter digits are rewritten for each entry.
void write_put_results(Call& call, std::span<const PutOutcome> outcomes, std::span<const std::uint8_t> injected,
                       const std::string& stream) {
  struct ShardTemplate {
    std::uint32_t shard_index;
    std::int64_t created_ms;
    std::string text;
  };
  static constexpr std::string_view kHead = R"({"SequenceNumber":")";
  static constexpr std::size_t kCounterAt = kHead.size() + kSequenceCounterOffset;
  thread_local std::vector<ShardTemplate> templates;
  templates.clear();
  std::string& out = call.json.raw_value();
  out.push_back('[');
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    if (i > 0) out.push_back(',');
    const PutOutcome& outcome = outcomes[i];
    if (injected[i] == 0 && outcome.accepted) {
      // A batch usually touches a handful of shards (never more than its 500 entries): a list will do.
      auto it = std::find_if(templates.begin(), templates.end(), [&](const ShardTemplate& t) {
        return t.shard_index == outcome.shard_index && t.created_ms == outcome.shard_created_ms;
      });
      if (it == templates.end()) {
        std::string text(kHead);
        append_sequence(text, SequenceParts{outcome.shard_index, outcome.shard_created_ms, 0});
        text.append(R"(","ShardId":")");
        append_shard_id(text, outcome.shard_index);
        text.append(R"("})");
        it = templates.insert(templates.end(), ShardTemplate{outcome.shard_index, outcome.shard_created_ms, std::move(text)});
      }
      const std::size_t at = out.size();
      out.append(it->text);
      write_sequence_counter(out.data() + at + kCounterAt, outcome.counter);
      continue;
    }
    JsonWriter entry(out);
    entry.begin_object();
    if (injected[i] != 0) {
      entry.field("ErrorCode", "InternalFailure");
      entry.field("ErrorMessage", "Internal service failure.");
    } else {
      entry.field("ErrorCode", "ProvisionedThroughputExceededException");
      entry.field("ErrorMessage", throttle_message(outcome, stream, call.engine.account()));
    }
    entry.end_object();
  }
  out.push_back(']');
}

Status put_records(Call& call, const Clock&) {
  Violations v;
  std::optional<dom::array> records;
  KWB_RETURN_IF_ERROR(call.fields.list("Records", records));
  thread_local std::vector<PutEntry> entries;
  thread_local std::vector<std::optional<std::string_view>> texts;
  thread_local std::string bytes;
  entries.clear();
  texts.clear();
  bytes.clear();
  std::size_t decoded_total = 0;
  std::size_t payload_total = 0;
  thread_local std::vector<std::string_view> explicit_keys;
  explicit_keys.clear();
  if (records) {
    // Pass 1: types and constraints for every entry, as AWS reports them.
    std::size_t i = 0;
    for (dom::element element : *records) {
      ++i;
      if (element.type() != dom::element_type::OBJECT) return type_error(element.type(), "Structure");
      // One walk over the entry's members rather than a key search per field. As with Fields, the
      // first of duplicate members counts, null means absent, and type errors come in field order.
      std::optional<dom::element> data_member, key_member, hash_member;
      const dom::object entry = element.get_object().value_unsafe();
      for (dom::key_value_pair member : entry) {
        std::optional<dom::element>* slot = member.key == "Data"              ? &data_member
                                            : member.key == "PartitionKey"    ? &key_member
                                            : member.key == "ExplicitHashKey" ? &hash_member
                                                                              : nullptr;
        if (slot != nullptr && !*slot) *slot = member.value;
      }
      for (auto* member : {&data_member, &key_member, &hash_member}) {
        if (*member && (*member)->type() == dom::element_type::NULL_VALUE) member->reset();
      }
      std::optional<std::string_view> data, key, explicit_key;
      if (data_member) KWB_RETURN_IF_ERROR(Fields::blob_value(*data_member, data));
      if (key_member) KWB_RETURN_IF_ERROR(Fields::str_value(*key_member, key));
      if (hash_member) KWB_RETURN_IF_ERROR(Fields::str_value(*hash_member, explicit_key));
      const std::size_t size = data ? base64_decoded_size(*data) : 0;
      const bool bad_data = !data || size > call.config.limits.max_record_bytes;
      const bool bad_key = !key || key->empty() || key->size() > 256;
      const bool bad_hash = explicit_key && !is_decimal_key(*explicit_key);
      if (bad_data || bad_key || bad_hash) {
        // Field paths are built only for a bad entry: this loop runs 500 times per call.
        const std::string prefix = "records." + std::to_string(i) + ".member.";
        if (!data) v.add_null(prefix + "data");
        else if (size > call.config.limits.max_record_bytes) {
          v.add_value(prefix + "data", blob_value_text(size),
                      "Member must have length less than or equal to " + std::to_string(call.config.limits.max_record_bytes));
        }
        if (!key) v.add_null(prefix + "partitionKey");
        check_length(v, prefix + "partitionKey", key, 1, 256);
        check_decimal_key(v, prefix + "explicitHashKey", explicit_key);
      }
      decoded_total += size;
      payload_total += size + (key ? key->size() : 0);
      entries.push_back(PutEntry{key.value_or(std::string_view()), std::string_view(), std::nullopt});
      texts.push_back(data);
      explicit_keys.push_back(explicit_key.value_or(std::string_view()));
    }
  }
  if (!records) v.add_null("records");
  else if (entries.empty()) v.add_value("records", "[]", "Member must have length greater than or equal to 1");
  else if (entries.size() > call.config.limits.max_put_records_count) {
    v.add_value("records", "[" + std::to_string(entries.size()) + " entries]",
                "Member must have length less than or equal to " + std::to_string(call.config.limits.max_put_records_count));
  }
  auto name = read_stream(call, v);
  if (!name) return name.error();
  if (payload_total > call.config.limits.max_put_records_bytes) {
    return invalid_argument("Records size exceeds " + std::to_string(call.config.limits.max_put_records_bytes / (1024 * 1024)) +
                            " MB limit");
  }
  // Pass 2: decode every blob into one buffer sized up front, so the views stay put.
  bytes.reserve(decoded_total);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::size_t at = bytes.size();
    if (!append_base64_decoded(bytes, *texts[i])) {
      return serialization_error("'" + std::string(texts[i]->substr(0, 64)) +
                                 "' can not be converted to a Blob: Invalid Base64 character");
    }
    entries[i].data = std::string_view(bytes.data() + at, bytes.size() - at);
    if (!explicit_keys[i].empty()) {
      entries[i].explicit_hash_key = parse_hash_key(explicit_keys[i]);
      if (!entries[i].explicit_hash_key) {
        return invalid_argument("Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. "
                                "Specified value was " + std::string(explicit_keys[i]));
      }
    }
  }
  thread_local std::vector<PutOutcome> outcomes;
  outcomes.assign(entries.size(), PutOutcome{});
  // Fault injection may fail some records with InternalFailure before the engine sees them; only
  // the others are stored, and the outcomes are spread back to their original positions.
  thread_local std::vector<std::uint8_t> injected;
  injected.assign(entries.size(), 0);
  const std::uint64_t injected_count =
      call.observer != nullptr ? call.observer->inject_record_failures(call.engine.region(), *name, injected) : 0;
  thread_local std::vector<PutEntry> kept;
  thread_local std::vector<PutOutcome> kept_outcomes;
  if (injected_count > 0) {
    kept.clear();
    for (std::size_t i = 0; i < entries.size(); ++i) if (injected[i] == 0) kept.push_back(entries[i]);
    kept_outcomes.assign(kept.size(), PutOutcome{});
  }
  auto summary = injected_count == 0 ? call.engine.put_records(*name, entries, outcomes)
                                     : call.engine.put_records(*name, kept, kept_outcomes);
  if (!summary) return summary.error();
  if (injected_count > 0) {
    for (std::size_t i = 0, k = 0; i < entries.size(); ++i) {
      if (injected[i] == 0) outcomes[i] = kept_outcomes[k++];
    }
  }
  call.event.records_in = entries.size();
  call.event.bytes_in = payload_total;
  call.event.accepted = entries.size() - summary->failed - injected_count;
  call.event.throttled = summary->failed;
  call.event.failed = injected_count;
  record_tallies(call, *summary);

  call.out.reserve(40 + entries.size() * 112);
  call.json.begin_object();
  call.json.field_int("FailedRecordCount", summary->failed + injected_count);
  call.json.key("Records");
  write_put_results(call, outcomes, injected, *name);
  if (summary->encryption_type != "NONE") call.json.field("EncryptionType", summary->encryption_type);
  call.json.end_object();
  return ok_status();
}

// REQUIRES: text passed check_enum against kIteratorTypes.
IteratorType iterator_type_of(std::string_view text) {
  return text == "TRIM_HORIZON"            ? IteratorType::kTrimHorizon
         : text == "LATEST"                ? IteratorType::kLatest
         : text == "AT_SEQUENCE_NUMBER"    ? IteratorType::kAtSequenceNumber
         : text == "AFTER_SEQUENCE_NUMBER" ? IteratorType::kAfterSequenceNumber
                                           : IteratorType::kAtTimestamp;
}

bool needs_sequence(IteratorType type) {
  return type == IteratorType::kAtSequenceNumber || type == IteratorType::kAfterSequenceNumber;
}

Status get_shard_iterator(Call& call, const Clock& clock) {
  Violations v;
  std::optional<std::string_view> shard, type, sequence;
  std::optional<std::int64_t> timestamp;
  KWB_RETURN_IF_ERROR(call.fields.str("ShardId", shard));
  KWB_RETURN_IF_ERROR(call.fields.str("ShardIteratorType", type));
  KWB_RETURN_IF_ERROR(call.fields.str("StartingSequenceNumber", sequence));
  KWB_RETURN_IF_ERROR(call.fields.timestamp("Timestamp", timestamp));
  if (!shard) v.add_null("shardId");
  check_shard_id(v, "shardId", shard);
  if (!type) v.add_null("shardIteratorType");
  check_enum(v, "shardIteratorType", type,
             {"AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"});
  check_sequence_number(v, "startingSequenceNumber", sequence);
  auto name = read_stream(call, v);
  if (!name) return name.error();
  call.shard = std::string(*shard);
  const std::string_view t = *type;
  const IteratorType iterator_type = iterator_type_of(t);
  const bool wants_sequence = needs_sequence(iterator_type);
  if (wants_sequence != sequence.has_value()) {
    return invalid_argument("Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and "
                            "StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. "
                            "Request specified " + std::string(t) +
                            (sequence ? " and also a StartingSequenceNumber." : " and no StartingSequenceNumber."));
  }
  if (iterator_type == IteratorType::kAtTimestamp && !timestamp) {
    return invalid_argument("Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current "
                            "request has no timestamp parameter.");
  }
  if (iterator_type != IteratorType::kAtTimestamp && timestamp) {
    return invalid_argument("Must specify timestampInMillis parameter only for iterator of type AT_TIMESTAMP. "
                            "Current request has " + std::string(t) + " iterator type.");
  }
  if (timestamp && *timestamp > wall_ms(clock)) {
    // A time in the future reads from the tip, like LATEST (AWS accepts it the same way).
  }
  auto iterator = call.engine.get_shard_iterator(*name, *shard, iterator_type, sequence.value_or(""),
                                                 timestamp.value_or(0));
  if (!iterator) return iterator.error();
  call.json.begin_object();
  call.json.key("ShardIterator");
  call.json.raw_string(*iterator);
  call.json.end_object();
  return ok_status();
}

// The stream an iterator names, read without checking its MAC (iterator_codec.h layout), so a
// GetRecords that fails (throttled, expired) is still attributed to its stream in the metrics.
std::string stream_of_iterator(std::string_view iterator) {
  auto bytes = base64_decode(iterator);
  constexpr std::size_t kNameAt = 1 + 8 + 8 + 4 + 8;
  if (!bytes || bytes->size() <= kNameAt) return {};
  const std::size_t length = static_cast<std::uint8_t>((*bytes)[kNameAt]);
  if (bytes->size() < kNameAt + 1 + length) return {};
  return bytes->substr(kNameAt + 1, length);
}

Status get_records(Call& call, const Clock& clock) {
  Violations v;
  std::optional<std::string_view> iterator;
  std::optional<std::int64_t> limit;
  KWB_RETURN_IF_ERROR(call.fields.str("ShardIterator", iterator));
  KWB_RETURN_IF_ERROR(call.fields.integer("Limit", limit));
  std::optional<std::string_view> arn;
  KWB_RETURN_IF_ERROR(call.fields.str("StreamARN", arn));
  if (!iterator) v.add_null("shardIterator");
  check_length(v, "shardIterator", iterator, 1, 512);
  check_range(v, "limit", limit, 1, 10000);
  if (!v.empty()) return v.to_error();
  // Records go straight into the response while the shard lock is held; the header fields that
  // depend on the outcome are written after.
  call.json.begin_object();
  call.json.key("Records");
  call.json.begin_array();
  JsonRecordSink sink(call.json, false);
  call.stream = stream_of_iterator(*iterator);
  auto result = call.engine.get_records(*iterator, static_cast<std::uint32_t>(limit.value_or(10000)), sink);
  if (!result) return result.error();
  call.json.end_array();
  call.stream = result->stream_name;
  call.shard = result->shard_id;
  call.event.records_out = result->records;
  call.event.bytes_out = result->bytes;
  call.tally_ids = {result->shard_id};
  // Iterator age as CloudWatch defines it: the age of the last record returned (0 when caught up
  // and nothing came back).
  const std::int64_t iterator_age =
      sink.last_arrival_ms >= 0 ? std::max<std::int64_t>(0, wall_ms(clock) - sink.last_arrival_ms)
                                : result->millis_behind_latest;
  call.tallies = {ShardTally{call.tally_ids[0], result->records, result->bytes, 0, iterator_age}};
  if (result->next_iterator) {
    call.json.key("NextShardIterator");
    call.json.raw_string(*result->next_iterator);
  }
  call.json.field_int("MillisBehindLatest", result->millis_behind_latest);
  if (!result->next_iterator) {
    write_child_shards(call.json, result->child_shards);
  }
  call.json.end_object();
  return ok_status();
}

// ---- enhanced fan-out ----

// Answers with an event stream (subscriptions.h) once the request passes every check; errors before
// that are ordinary JSON errors.
Status subscribe_to_shard(Call& call, const Clock&) {
  Violations v;
  std::optional<std::string_view> consumer_arn, shard, type, sequence;
  std::optional<dom::object> position;
  std::optional<std::int64_t> timestamp;
  KWB_RETURN_IF_ERROR(call.fields.str("ConsumerARN", consumer_arn));
  KWB_RETURN_IF_ERROR(call.fields.str("ShardId", shard));
  KWB_RETURN_IF_ERROR(call.fields.object("StartingPosition", position, "StartingPosition"));
  if (position) {
    const Fields starting(*position);
    KWB_RETURN_IF_ERROR(starting.str("Type", type));
    KWB_RETURN_IF_ERROR(starting.str("SequenceNumber", sequence));
    KWB_RETURN_IF_ERROR(starting.timestamp("Timestamp", timestamp));
  }
  if (!consumer_arn) v.add_null("consumerARN");
  check_length(v, "consumerARN", consumer_arn, 1, 2048);
  if (!shard) v.add_null("shardId");
  check_shard_id(v, "shardId", shard);
  if (!position) v.add_null("startingPosition");
  if (position && !type) v.add_null("startingPosition.type");
  check_enum(v, "startingPosition.type", type,
             {"AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"});
  check_sequence_number(v, "startingPosition.sequenceNumber", sequence);
  if (!v.empty()) return v.to_error();
  const auto arn = parse_arn(*consumer_arn);
  if (!arn || arn->consumer.empty()) {
    return invalid_argument("ConsumerARN " + std::string(*consumer_arn) + " is not a valid consumer ARN.");
  }
  const IteratorType starting_type = iterator_type_of(*type);
  if (needs_sequence(starting_type) != sequence.has_value()) {
    return invalid_argument("StartingPosition.SequenceNumber must be given with AT_SEQUENCE_NUMBER or "
                            "AFTER_SEQUENCE_NUMBER, and only with them. Request specified " + std::string(*type) +
                            (sequence ? " and a SequenceNumber." : " and no SequenceNumber."));
  }
  if ((starting_type == IteratorType::kAtTimestamp) != timestamp.has_value()) {
    return invalid_argument("StartingPosition.Timestamp must be given with AT_TIMESTAMP, and only with it. Request "
                            "specified " + std::string(*type) + (timestamp ? " and a Timestamp." : " and no Timestamp."));
  }
  call.stream = arn->stream;
  call.shard = std::string(*shard);
  auto cursor = call.engine.start_subscription(arn->stream, arn->consumer, *consumer_arn, *shard, starting_type,
                                               sequence.value_or(""), timestamp.value_or(0));
  if (!cursor) return cursor.error();
  call.shard = cursor->shard_id;
  if (call.subscriptions == nullptr) return internal_failure("SubscribeToShard is not served here.");
  call.body_source = call.subscriptions->open(call.engine, std::move(*cursor), /*encrypted=*/false);
  return ok_status();
}

// ---- consumers ----

Status register_consumer(Call& call, const Clock&) {
  Violations v;
  std::optional<std::string_view> consumer;
  KWB_RETURN_IF_ERROR(call.fields.str("ConsumerName", consumer));
  if (!consumer) v.add_null("consumerName");
  check_name(v, "consumerName", consumer);
  auto name = read_stream(call, v, true);
  if (!name) return name.error();
  auto info = call.engine.register_consumer(*name, std::string(*consumer));
  if (!info) return info.error();
  call.json.begin_object();
  call.json.key("Consumer");
  write_consumer(call.json, *info, false);
  call.json.end_object();
  return ok_status();
}

// DescribeStreamConsumer / DeregisterStreamConsumer: StreamARN + ConsumerName, or ConsumerARN.
Result<std::pair<std::string, std::string>> read_consumer_ref(Call& call) {
  Violations v;
  std::optional<std::string_view> stream_arn, consumer, consumer_arn;
  KWB_RETURN_IF_ERROR(call.fields.str("StreamARN", stream_arn));
  KWB_RETURN_IF_ERROR(call.fields.str("ConsumerName", consumer));
  KWB_RETURN_IF_ERROR(call.fields.str("ConsumerARN", consumer_arn));
  check_length(v, "streamARN", stream_arn, 1, 2048);
  check_name(v, "consumerName", consumer);
  check_length(v, "consumerARN", consumer_arn, 1, 2048);
  if (!v.empty()) return v.to_error();
  if (consumer_arn) {
    auto parsed = parse_arn(*consumer_arn);
    if (!parsed || parsed->consumer.empty()) {
      return invalid_argument("ConsumerARN " + std::string(*consumer_arn) + " is not a valid consumer ARN.");
    }
    call.stream = parsed->stream;
    return std::pair{parsed->stream, parsed->consumer};
  }
  if (!stream_arn || !consumer) {
    return invalid_argument("Either ConsumerARN or both ConsumerName and StreamARN must be provided.");
  }
  auto stream = stream_name_of(call, std::nullopt, stream_arn);
  if (!stream) return stream.error();
  return std::pair{*stream, std::string(*consumer)};
}

Status describe_consumer(Call& call, const Clock&) {
  auto ref = read_consumer_ref(call);
  if (!ref) return ref.error();
  auto info = call.engine.describe_consumer(ref->first, ref->second);
  if (!info) return info.error();
  call.json.begin_object();
  call.json.key("ConsumerDescription");
  write_consumer(call.json, *info, true);
  call.json.end_object();
  return ok_status();
}

Status deregister_consumer(Call& call, const Clock&) {
  auto ref = read_consumer_ref(call);
  if (!ref) return ref.error();
  return call.engine.deregister_consumer(ref->first, ref->second);
}

Status list_consumers(Call& call, const Clock& clock) {
  Violations v;
  std::optional<std::string_view> token;
  std::optional<std::int64_t> max_results, created;
  KWB_RETURN_IF_ERROR(call.fields.str("NextToken", token));
  KWB_RETURN_IF_ERROR(call.fields.integer("MaxResults", max_results));
  KWB_RETURN_IF_ERROR(call.fields.timestamp("StreamCreationTimestamp", created));
  check_length(v, "nextToken", token, 1, 1048576);
  check_range(v, "maxResults", max_results, 1, 10000);
  auto name = read_stream(call, v, true);
  if (!name) return name.error();
  std::string after;
  if (token) {
    auto t = read_token(*token, "consumers", wall_ms(clock));
    if (!t) return t.error();
    after = t->after;
  }
  auto consumers = call.engine.list_consumers(*name);
  if (!consumers) return consumers.error();
  const std::size_t max = static_cast<std::size_t>(max_results.value_or(100));
  call.json.begin_object();
  call.json.key("Consumers");
  call.json.begin_array();
  std::size_t written = 0;
  std::string last;
  bool more = false;
  for (const auto& c : *consumers) {
    if (!after.empty() && c.name <= after) continue;
    if (written == max) {
      more = true;
      break;
    }
    write_consumer(call.json, c, false);
    last = c.name;
    ++written;
  }
  call.json.end_array();
  if (more) call.json.field("NextToken", make_token("consumers", *name, last, wall_ms(clock)));
  call.json.end_object();
  return ok_status();
}

const std::unordered_map<std::string_view, OpFn>& operations() {
  static const std::unordered_map<std::string_view, OpFn> table = {
      {"CreateStream", create_stream},
      {"DeleteStream", delete_stream},
      {"DescribeStream", describe_stream},
      {"DescribeStreamSummary", describe_stream_summary},
      {"ListStreams", list_streams},
      {"ListShards", list_shards},
      {"DescribeLimits", describe_limits},
      {"UpdateShardCount", update_shard_count},
      {"SplitShard", split_shard},
      {"MergeShards", merge_shards},
      {"UpdateStreamMode", update_stream_mode},
      {"AddTagsToStream", add_tags_to_stream},
      {"RemoveTagsFromStream", remove_tags_from_stream},
      {"ListTagsForStream", list_tags_for_stream},
      {"TagResource", tag_resource},
      {"UntagResource", untag_resource},
      {"ListTagsForResource", list_tags_for_resource},
      {"IncreaseStreamRetentionPeriod", increase_retention},
      {"DecreaseStreamRetentionPeriod", decrease_retention},
      {"EnableEnhancedMonitoring", enable_monitoring},
      {"DisableEnhancedMonitoring", disable_monitoring},
      {"StartStreamEncryption", start_encryption},
      {"StopStreamEncryption", stop_encryption},
      {"PutRecord", put_record},
      {"PutRecords", put_records},
      {"GetShardIterator", get_shard_iterator},
      {"GetRecords", get_records},
      {"RegisterStreamConsumer", register_consumer},
      {"DescribeStreamConsumer", describe_consumer},
      {"ListStreamConsumers", list_consumers},
      {"DeregisterStreamConsumer", deregister_consumer},
      {"SubscribeToShard", subscribe_to_shard},
  };
  return table;
}

ApiResponse error_response(const Error& error) {
  ApiResponse response;
  response.status = error.http_status != 0 ? error.http_status : 400;
  JsonWriter json(response.body);
  json.begin_object();
  json.field("__type", error.code);
  if (!error.message.empty()) json.field("message", error.message);
  json.end_object();
  return response;
}

}  // namespace

bool KinesisHandler::accepts(const ApiRequest& request) const {
  if (request.amz_target.rfind(kKinesisTargetPrefix, 0) == 0) return true;
  if (request.signing_service == "kinesis") return true;
  // An unsigned or unknown-target JSON POST to "/": answer as Kinesis would (UnknownOperation).
  // Form bodies speak the Query protocol, which Kinesis never does: they are another service's
  // (the Router answers the ones nobody claims with "no service handles this request").
  return request.method == "POST" && (request.target == "/" || request.target.empty()) &&
         request.signing_service.empty() &&
         request.content_type.find("x-www-form-urlencoded") == std::string_view::npos;
}

ApiResponse KinesisHandler::handle(const ApiRequest& request) {
  std::string_view op;
  if (request.amz_target.rfind(kKinesisTargetPrefix, 0) == 0) op = request.amz_target.substr(kKinesisTargetPrefix.size());
  const std::string_view region = request.signing_region.empty() ? std::string_view(backend_.config().default_region)
                                                                 : request.signing_region;
  if (request.content_type.find("cbor") != std::string_view::npos) return call_cbor(op, region, request.body);
  return call(op, region, request.body);
}

ApiResponse KinesisHandler::call_cbor(std::string_view operation, std::string_view region, std::string_view body) {
  // Same handling as JSON 1.1 (cbor_codec.h): translate in, call, translate out.
  auto json_body = cbor_request_to_json(body);
  ApiResponse response = json_body ? call(operation, region, *json_body) : error_response(json_body.error());
  // An event stream's payloads are JSON whatever the request was; the SDKs that speak CBOR parse
  // the events by their own :content-type header.
  if (response.body_source) return response;
  auto encoded = json_response_to_cbor(response.body);
  if (!encoded) {
    response = error_response(encoded.error());
    encoded = json_response_to_cbor(response.body);
  }
  response.body = encoded ? std::move(*encoded) : std::string();
  response.content_type = std::string(kCborContentType);
  return response;
}

ApiResponse KinesisHandler::call(std::string_view operation, std::string_view region, std::string_view body) {
  Clock& clock = backend_.clock();
  const auto started = clock.steady_now();
  const auto& table = operations();
  auto it = table.find(operation);
  CallEvent event;
  event.operation = operation;
  event.region = region;
  event.time = clock.now();
  if (it == table.end()) {
    Error error = unknown_operation();
    event.success = false;
    event.failed = 1;
    event.error_code = error.code;
    observer_.on_call(event);
    return error_response(error);
  }

  // One parser per thread: it keeps its buffers between requests.
  thread_local dom::parser parser;
  dom::element root;
  const std::string_view text = body.empty() ? std::string_view("{}") : body;
  ApiResponse response;
  Status status;
  std::optional<Call> call;
  if (parser.parse(text.data(), text.size()).get(root) != simdjson::SUCCESS) {
    status = serialization_error("The request body is not valid JSON.");
  } else if (root.type() != dom::element_type::OBJECT) {
    status = type_error(root.type(), "Structure");
  } else {
    Engine& engine = backend_.engine(region);
    call.emplace(operation, engine, backend_.config(), root.get_object().value_unsafe(), response.body);
    call->event = event;
    call->observer = &observer_;
    call->subscriptions = &backend_.subscriptions();
    // The stream a fault is attributed to (metrics count it against that stream, as AWS would).
    std::string_view fault_stream;
    if (root.get_object()["StreamName"].get(fault_stream) != simdjson::SUCCESS) fault_stream = {};
    if (auto fault = observer_.inject_fault(operation, region, fault_stream)) {
      call->stream = std::string(fault_stream);
      status = std::move(*fault);
    } else {
      status = it->second(*call, clock);
    }
  }
  if (call) {
    event = call->event;
    event.stream = call->stream;
    event.shard = call->shard;
    event.shards = call->tallies;
  }
  event.latency = clock.steady_now() - started;
  if (!status.ok()) {
    event.success = false;
    event.failed = std::max<std::uint64_t>(event.failed, 1);
    event.error_code = status.error().code;
    observer_.on_call(event);
    return error_response(status.error());
  }
  observer_.on_call(event);
  if (call && call->body_source) {
    response.body.clear();
    response.content_type = "application/vnd.amazon.eventstream";
    response.body_source = std::move(call->body_source);
  }
  return response;
}

}  // namespace kwb::emulator
