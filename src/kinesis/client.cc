#include "kinesis/client.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <set>

#include "aws/error_table.h"
#include "aws/session.h"
#include "core/encoding.h"
#include "core/event_stream.h"
#include "kinesis/shard_map.h"

namespace kwb::kinesis {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Model helpers

std::string StreamRef::name() const {
  if (!is_arn()) return value_;
  auto pos = value_.find(":stream/");
  if (pos == std::string::npos) return value_;
  return value_.substr(pos + 8);
}

std::string_view to_string(StreamStatus status) {
  switch (status) {
    case StreamStatus::kCreating: return "CREATING";
    case StreamStatus::kDeleting: return "DELETING";
    case StreamStatus::kActive: return "ACTIVE";
    case StreamStatus::kUpdating: return "UPDATING";
    case StreamStatus::kUnknown: return "UNKNOWN";
  }
  return "UNKNOWN";
}

StreamStatus parse_stream_status(std::string_view text) {
  if (text == "CREATING") return StreamStatus::kCreating;
  if (text == "DELETING") return StreamStatus::kDeleting;
  if (text == "ACTIVE") return StreamStatus::kActive;
  if (text == "UPDATING") return StreamStatus::kUpdating;
  return StreamStatus::kUnknown;
}

std::string_view to_string(StreamMode mode) {
  return mode == StreamMode::kOnDemand ? "ON_DEMAND" : "PROVISIONED";
}

std::string_view to_string(ShardFilterType type) {
  switch (type) {
    case ShardFilterType::kAfterShardId: return "AFTER_SHARD_ID";
    case ShardFilterType::kAtTrimHorizon: return "AT_TRIM_HORIZON";
    case ShardFilterType::kFromTrimHorizon: return "FROM_TRIM_HORIZON";
    case ShardFilterType::kAtLatest: return "AT_LATEST";
    case ShardFilterType::kAtTimestamp: return "AT_TIMESTAMP";
    case ShardFilterType::kFromTimestamp: return "FROM_TIMESTAMP";
  }
  return "AT_LATEST";
}

std::string_view to_string(ShardIteratorType type) {
  switch (type) {
    case ShardIteratorType::kAtSequenceNumber: return "AT_SEQUENCE_NUMBER";
    case ShardIteratorType::kAfterSequenceNumber: return "AFTER_SEQUENCE_NUMBER";
    case ShardIteratorType::kTrimHorizon: return "TRIM_HORIZON";
    case ShardIteratorType::kLatest: return "LATEST";
    case ShardIteratorType::kAtTimestamp: return "AT_TIMESTAMP";
  }
  return "TRIM_HORIZON";
}

// ---------------------------------------------------------------------------------------------
// Validation

namespace {

bool is_stream_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '-';
}

// Number of code points, or nullopt when the text is not valid UTF-8. JSON bodies must be UTF-8,
// and AWS counts partition-key and tag lengths in characters, not bytes.
std::optional<std::size_t> utf8_length(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size();) {
    auto byte = static_cast<unsigned char>(text[i]);
    std::size_t extra = 0;
    std::uint32_t cp = 0;
    if (byte < 0x80) {
      extra = 0;
      cp = byte;
    } else if ((byte & 0xE0) == 0xC0) {
      extra = 1;
      cp = byte & 0x1F;
    } else if ((byte & 0xF0) == 0xE0) {
      extra = 2;
      cp = byte & 0x0F;
    } else if ((byte & 0xF8) == 0xF0) {
      extra = 3;
      cp = byte & 0x07;
    } else {
      return std::nullopt;
    }
    if (i + extra >= text.size()) return std::nullopt;  // truncated sequence
    for (std::size_t k = 1; k <= extra; ++k) {
      auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (next & 0x3F);
    }
    // Overlong encodings, surrogates and values past U+10FFFF are invalid UTF-8.
    if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return std::nullopt;
    }
    i += extra + 1;
    ++count;
  }
  return count;
}

Status validate_range(std::optional<int> value, int low, int high, const std::string& field) {
  if (value && (*value < low || *value > high)) {
    return Error::invalid_input(field, field + " must be between " + std::to_string(low) + " and " +
                                           std::to_string(high) + ", got " + std::to_string(*value));
  }
  return ok_status();
}

Status validate_text(std::string_view text, std::size_t min_chars, std::size_t max_chars, const std::string& field) {
  auto length = utf8_length(text);
  if (!length) return Error::invalid_input(field, field + " is not valid UTF-8");
  if (*length < min_chars || *length > max_chars) {
    return Error::invalid_input(field, field + " must be " + std::to_string(min_chars) + " to " +
                                           std::to_string(max_chars) + " characters long, got " +
                                           std::to_string(*length));
  }
  return ok_status();
}

Status validate_shard_id(const ShardId& shard_id, const std::string& field = "ShardId") {
  if (shard_id.empty() || shard_id.str().size() > 128) {
    return Error::invalid_input(field, field + " must be 1 to 128 characters long");
  }
  for (char c : shard_id.str()) {
    if (!is_stream_name_char(c)) return Error::invalid_input(field, field + " may contain only [a-zA-Z0-9_.-]");
  }
  return ok_status();
}

Status validate_tags(const std::map<std::string, std::string>& tags, std::size_t min_count) {
  if (tags.size() < min_count || tags.size() > 50) {
    return Error::invalid_input("Tags", "between " + std::to_string(min_count) + " and 50 tags per call, got " +
                                            std::to_string(tags.size()));
  }
  for (const auto& [key, value] : tags) {
    KWB_RETURN_IF_ERROR(validate_text(key, 1, 128, "Tags.Key"));
    KWB_RETURN_IF_ERROR(validate_text(value, 0, 256, "Tags.Value"));
  }
  return ok_status();
}

Status validate_record(std::string_view data, std::string_view partition_key,
                       const std::optional<std::string>& explicit_hash_key, const std::string& prefix) {
  KWB_RETURN_IF_ERROR(validate_partition_key(partition_key, prefix + "PartitionKey"));
  if (data.size() + partition_key.size() > kMaxRecordBytes) {
    return Error::invalid_input(prefix + "Data", "record data plus partition key is " +
                                                     std::to_string(data.size() + partition_key.size()) +
                                                     " bytes; the limit is 1 MiB (1048576 bytes)");
  }
  if (explicit_hash_key) KWB_RETURN_IF_ERROR(validate_explicit_hash_key(*explicit_hash_key, prefix + "ExplicitHashKey"));
  return ok_status();
}

}  // namespace

Status validate_stream_name(std::string_view name, const std::string& field) {
  if (name.empty() || name.size() > 128) {
    return Error::invalid_input(field, "stream name must be 1 to 128 characters long, got " +
                                           std::to_string(name.size()));
  }
  for (char c : name) {
    if (!is_stream_name_char(c)) {
      return Error::invalid_input(field, "invalid stream name '" + std::string(name) +
                                             "': only letters, digits, '_', '.' and '-' are allowed");
    }
  }
  return ok_status();
}

Status validate_stream_ref(const StreamRef& stream) {
  if (!stream.is_arn()) return validate_stream_name(stream.value(), "StreamName");
  if (stream.value().size() > 2048) return Error::invalid_input("StreamARN", "stream ARN is longer than 2048 characters");
  // arn:<partition>:kinesis:<region>:<account>:stream/<name>
  auto parts = stream.value();
  if (parts.find(":kinesis:") == std::string::npos || parts.find(":stream/") == std::string::npos) {
    return Error::invalid_input("StreamARN", "'" + parts + "' is not a Kinesis stream ARN");
  }
  return validate_stream_name(stream.name(), "StreamARN");
}

Status validate_partition_key(std::string_view key, const std::string& field) {
  return validate_text(key, 1, kMaxPartitionKeyChars, field);
}

Status validate_explicit_hash_key(std::string_view key, const std::string& field) {
  auto parsed = HashKey::parse_decimal(key, field);
  if (!parsed) return parsed.error();
  return ok_status();
}

// ---------------------------------------------------------------------------------------------
// JSON helpers. Responses are read without throwing: a missing or null field is "absent", a field
// of the wrong type is a kParse error naming it.

namespace {

const json* field(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<std::string> opt_string(const json& object, const char* key) {
  const json* value = field(object, key);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return value->get<std::string>();
}

std::string string_or_empty(const json& object, const char* key) { return opt_string(object, key).value_or(""); }

Result<std::string> required_string(const json& object, const char* key, const char* context) {
  auto value = opt_string(object, key);
  if (!value) return Error::parse(std::string(context) + ": response lacks string field " + key);
  return *value;
}

std::optional<std::int64_t> opt_int(const json& object, const char* key) {
  const json* value = field(object, key);
  if (value == nullptr) return std::nullopt;
  if (value->is_number_integer()) return value->get<std::int64_t>();
  if (value->is_number_float()) return static_cast<std::int64_t>(value->get<double>());
  return std::nullopt;
}

bool bool_or_false(const json& object, const char* key) {
  const json* value = field(object, key);
  return value != nullptr && value->is_boolean() && value->get<bool>();
}

// AWS JSON protocols send timestamps as epoch seconds with a fraction; some emulators send ISO
// 8601 strings. Accept both.
std::optional<SystemTimePoint> opt_timestamp(const json& object, const char* key) {
  const json* value = field(object, key);
  if (value == nullptr) return std::nullopt;
  if (value->is_number()) {
    auto millis = static_cast<std::int64_t>(std::llround(value->get<double>() * 1000.0));
    return SystemTimePoint(std::chrono::duration_cast<SystemTimePoint::duration>(std::chrono::milliseconds(millis)));
  }
  if (value->is_string()) {
    SystemTimePoint parsed;
    if (parse_iso8601(value->get<std::string>(), parsed)) return parsed;
  }
  return std::nullopt;
}

double epoch_seconds(SystemTimePoint time) {
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  return static_cast<double>(millis) / 1000.0;
}

std::vector<std::string> string_array(const json& object, const char* key) {
  std::vector<std::string> out;
  const json* value = field(object, key);
  if (value == nullptr || !value->is_array()) return out;
  for (const json& item : *value) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

std::optional<StreamMode> stream_mode(const json& object) {
  const json* details = field(object, "StreamModeDetails");
  if (details == nullptr) return std::nullopt;
  auto mode = opt_string(*details, "StreamMode");
  if (!mode) return std::nullopt;
  return *mode == "ON_DEMAND" ? StreamMode::kOnDemand : StreamMode::kProvisioned;
}

std::vector<std::string> shard_level_metrics(const json& object) {
  std::vector<std::string> out;
  const json* monitoring = field(object, "EnhancedMonitoring");
  if (monitoring == nullptr || !monitoring->is_array()) return out;
  for (const json& entry : *monitoring) {
    for (auto& metric : string_array(entry, "ShardLevelMetrics")) out.push_back(std::move(metric));
  }
  return out;
}

Result<HashKeyRange> parse_hash_key_range(const json& object, const char* context) {
  const json* range = field(object, "HashKeyRange");
  if (range == nullptr) return Error::parse(std::string(context) + ": response lacks HashKeyRange");
  auto start = required_string(*range, "StartingHashKey", context);
  if (!start) return start.error();
  auto end = required_string(*range, "EndingHashKey", context);
  if (!end) return end.error();
  return HashKeyRange{*start, *end};
}

Result<Shard> parse_shard(const json& object) {
  Shard shard;
  auto id = required_string(object, "ShardId", "Shard");
  if (!id) return id.error();
  shard.shard_id = ShardId(*id);
  if (auto parent = opt_string(object, "ParentShardId")) shard.parent_shard_id = ShardId(*parent);
  if (auto adjacent = opt_string(object, "AdjacentParentShardId")) shard.adjacent_parent_shard_id = ShardId(*adjacent);
  auto range = parse_hash_key_range(object, "Shard");
  if (!range) return range.error();
  shard.hash_key_range = *range;
  const json* sequence = field(object, "SequenceNumberRange");
  if (sequence == nullptr) return Error::parse("Shard: response lacks SequenceNumberRange");
  auto starting = required_string(*sequence, "StartingSequenceNumber", "SequenceNumberRange");
  if (!starting) return starting.error();
  shard.sequence_number_range.starting_sequence_number = *starting;
  shard.sequence_number_range.ending_sequence_number = opt_string(*sequence, "EndingSequenceNumber");
  return shard;
}

Result<std::vector<Shard>> parse_shards(const json& object) {
  std::vector<Shard> shards;
  const json* list = field(object, "Shards");
  if (list == nullptr) return shards;
  if (!list->is_array()) return Error::parse("Shards is not a list");
  for (const json& item : *list) {
    auto shard = parse_shard(item);
    if (!shard) return shard.error();
    shards.push_back(std::move(*shard));
  }
  return shards;
}

// "Records" of GetRecords and of a SubscribeToShardEvent.
Result<std::vector<Record>> parse_records(const json& object, const std::string& context) {
  std::vector<Record> out;
  const json* records = field(object, "Records");
  if (records == nullptr) return out;
  if (!records->is_array()) return Error::parse(context + ": Records is not a list");
  for (const json& item : *records) {
    Record record;
    auto sequence = required_string(item, "SequenceNumber", context.c_str());
    if (!sequence) return sequence.error();
    record.sequence_number = *sequence;
    auto encoded = required_string(item, "Data", context.c_str());
    if (!encoded) return encoded.error();
    auto data = base64_decode(*encoded);
    if (!data) return Error::parse(context + ": record " + record.sequence_number + " has malformed base64 Data");
    record.data = std::move(*data);
    record.partition_key = string_or_empty(item, "PartitionKey");
    record.approximate_arrival_timestamp = opt_timestamp(item, "ApproximateArrivalTimestamp");
    record.encryption_type = string_or_empty(item, "EncryptionType");
    out.push_back(std::move(record));
  }
  return out;
}

Result<std::vector<ChildShard>> parse_child_shards(const json& object) {
  std::vector<ChildShard> children;
  const json* list = field(object, "ChildShards");
  if (list == nullptr) return children;
  if (!list->is_array()) return Error::parse("ChildShards is not a list");
  for (const json& item : *list) {
    ChildShard child;
    auto id = required_string(item, "ShardId", "ChildShard");
    if (!id) return id.error();
    child.shard_id = ShardId(*id);
    for (auto& parent : string_array(item, "ParentShards")) child.parent_shards.emplace_back(std::move(parent));
    auto range = parse_hash_key_range(item, "ChildShard");
    if (!range) return range.error();
    child.hash_key_range = *range;
    children.push_back(std::move(child));
  }
  return children;
}

void put_stream(json& body, const StreamRef& stream) {
  body[stream.is_arn() ? "StreamARN" : "StreamName"] = stream.value();
}

// Appends `text` as a JSON string. Printable ASCII without '"' or '\\' (stream names, decimal hash
// keys and nearly every partition key) is copied as is; anything else goes through nlohmann's
// serializer, which escapes it exactly as the json-tree path does and throws on invalid UTF-8.
void append_json_string(std::string& out, std::string_view text) {
  const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
    return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\';
  });
  if (plain) {
    out.push_back('"');
    out.append(text);
    out.push_back('"');
  } else {
    out += json(std::string(text)).dump();
  }
}

// Pagination that does not advance would loop forever against a misbehaving service.
constexpr int kMaxPages = 100000;

}  // namespace

// ---------------------------------------------------------------------------------------------
// Client

Client::Client(aws::AwsClient client) : client_(std::move(client)) {}

Client Client::from_session(aws::AwsSession& session) { return Client(session.client(aws::Service::kKinesis)); }

Result<json> Client::call(const std::string& operation, const json& body) {
  // The edge of the JSON library and the transport: nothing may escape as an exception.
  try {
    return client_.call_json(kTargetPrefix, operation, body, "1.1");
  } catch (const std::exception& e) {
    return Error::internal(operation + ": " + e.what());
  }
}

Result<json> Client::call_text(const std::string& operation, const std::string& payload) {
  try {
    return client_.call_json_text(kTargetPrefix, operation, payload, "1.1");
  } catch (const std::exception& e) {
    return Error::internal(operation + ": " + e.what());
  }
}

namespace {

// The fields StreamDescription and StreamDescriptionSummary share, read the same way for both.
template <typename Description>
Status parse_description_fields(const json& description, const char* operation, Description& out) {
  auto name = required_string(description, "StreamName", operation);
  if (!name) return name.error();
  out.stream_name = *name;
  out.stream_arn = string_or_empty(description, "StreamARN");
  out.stream_status_text = string_or_empty(description, "StreamStatus");
  out.stream_status = parse_stream_status(out.stream_status_text);
  out.stream_mode = stream_mode(description);
  out.retention_period_hours = static_cast<int>(opt_int(description, "RetentionPeriodHours").value_or(0));
  out.stream_creation_timestamp = opt_timestamp(description, "StreamCreationTimestamp");
  out.shard_level_metrics = shard_level_metrics(description);
  out.encryption_type = string_or_empty(description, "EncryptionType");
  out.key_id = opt_string(description, "KeyId");
  return ok_status();
}

}  // namespace

Status Client::create_stream(const CreateStreamRequest& request) {
  KWB_RETURN_IF_ERROR(validate_stream_name(request.stream_name.str()));
  json body;
  body["StreamName"] = request.stream_name.str();
  if (request.mode == StreamMode::kOnDemand) {
    if (request.shard_count) {
      return Error::invalid_input("ShardCount", "an ON_DEMAND stream takes no shard count");
    }
    body["StreamModeDetails"] = {{"StreamMode", "ON_DEMAND"}};
  } else {
    if (!request.shard_count) return Error::invalid_input("ShardCount", "a PROVISIONED stream needs a shard count");
    KWB_RETURN_IF_ERROR(validate_range(request.shard_count, 1, 100000, "ShardCount"));
    body["ShardCount"] = *request.shard_count;
  }
  if (!request.tags.empty()) {
    KWB_RETURN_IF_ERROR(validate_tags(request.tags, 1));
    body["Tags"] = request.tags;
  }
  auto response = call("CreateStream", body);
  if (!response) return response.error();
  return ok_status();
}

Result<StreamDescription> Client::describe_stream(const DescribeStreamRequest& request) {
  KWB_RETURN_IF_ERROR(validate_stream_ref(request.stream));
  KWB_RETURN_IF_ERROR(validate_range(request.limit, 1, 10000, "Limit"));
  json body;
  put_stream(body, request.stream);
  if (request.limit) body["Limit"] = *request.limit;
  if (request.exclusive_start_shard_id) {
    KWB_RETURN_IF_ERROR(validate_shard_id(*request.exclusive_start_shard_id, "ExclusiveStartShardId"));
    body["ExclusiveStartShardId"] = request.exclusive_start_shard_id->str();
  }
  auto response = call("DescribeStream", body);
  if (!response) return response.error();
  const json* description = field(*response, "StreamDescription");
  if (description == nullptr) return Error::parse("DescribeStream: response lacks StreamDescription");
  StreamDescription out;
  KWB_RETURN_IF_ERROR(parse_description_fields(*description, "DescribeStream", out));
  auto shards = parse_shards(*description);
  if (!shards) return shards.error();
  out.shards = std::move(*shards);
  out.has_more_shards = bool_or_false(*description, "HasMoreShards");
  return out;
}

Result<StreamDescription> Client::describe_stream_all(const StreamRef& stream) {
  DescribeStreamRequest request;
  request.stream = stream;
  auto first = describe_stream(request);
  if (!first) return first.error();
  StreamDescription all = std::move(*first);
  bool more = all.has_more_shards;
  for (int page = 0; more && page < kMaxPages; ++page) {
    if (all.shards.empty()) return Error::parse("DescribeStream: HasMoreShards is true but the page had no shards");
    request.exclusive_start_shard_id = all.shards.back().shard_id;
    auto next = describe_stream(request);
    if (!next) return next.error();
    if (next->shards.empty()) break;
    for (auto& shard : next->shards) all.shards.push_back(std::move(shard));
    more = next->has_more_shards;
  }
  all.has_more_shards = false;
  return all;
}

Result<StreamSummary> Client::describe_stream_summary(const StreamRef& stream) {
  KWB_RETURN_IF_ERROR(validate_stream_ref(stream));
  json body;
  put_stream(body, stream);
  auto response = call("DescribeStreamSummary", body);
  if (!response) return response.error();
  const json* description = field(*response, "StreamDescriptionSummary");
  if (description == nullptr) return Error::parse("DescribeStreamSummary: response lacks StreamDescriptionSummary");
  StreamSummary out;
  KWB_RETURN_IF_ERROR(parse_description_fields(*description, "DescribeStreamSummary", out));
  out.open_shard_count = static_cast<int>(opt_int(*description, "OpenShardCount").value_or(0));
  if (auto consumers = opt_int(*description, "ConsumerCount")) out.consumer_count = static_cast<int>(*consumers);
  return out;
}

Result<ListStreamsResponse> Client::list_streams(const ListStreamsRequest& request) {
  KWB_RETURN_IF_ERROR(validate_range(request.limit, 1, 10000, "Limit"));
  json body = json::object();
  if (request.limit) body["Limit"] = *request.limit;
  if (request.next_token) {
    if (request.exclusive_start_stream_name) {
      return Error::invalid_input("NextToken", "NextToken and ExclusiveStartStreamName cannot be used together");
    }
    body["NextToken"] = *request.next_token;
  }
  if (request.exclusive_start_stream_name) {
    KWB_RETURN_IF_ERROR(validate_stream_name(*request.exclusive_start_stream_name, "ExclusiveStartStreamName"));
    body["ExclusiveStartStreamName"] = *request.exclusive_start_stream_name;
  }
  auto response = call("ListStreams", body);
  if (!response) return response.error();
  ListStreamsResponse out;
  out.stream_names = string_array(*response, "StreamNames");
  out.has_more_streams = bool_or_false(*response, "HasMoreStreams");
  out.next_token = opt_string(*response, "NextToken");
  const json* summaries = field(*response, "StreamSummaries");
  if (summaries != nullptr && summaries->is_array() && !summaries->empty()) {
    for (const json& item : *summaries) {
      StreamListEntry entry;
      entry.stream_name = string_or_empty(item, "StreamName");
      entry.stream_arn = string_or_empty(item, "StreamARN");
      entry.stream_status_text = string_or_empty(item, "StreamStatus");
      entry.stream_status = parse_stream_status(entry.stream_status_text);
      entry.stream_mode = stream_mode(item);
      entry.stream_creation_timestamp = opt_timestamp(item, "StreamCreationTimestamp");
      out.streams.push_back(std::move(entry));
    }
  } else {
    for (const auto& name : out.stream_names) {
      StreamListEntry entry;
      entry.stream_name = name;
      out.streams.push_back(std::move(entry));
    }
  }
  return out;
}

Result<ListStreamsResponse> Client::list_all_streams() {
  ListStreamsResponse all;
  ListStreamsRequest request;
  for (int page = 0; page < kMaxPages; ++page) {
    auto response = list_streams(request);
    if (!response) return response.error();
    for (auto& name : response->stream_names) all.stream_names.push_back(std::move(name));
    for (auto& entry : response->streams) all.streams.push_back(std::move(entry));
    if (!response->has_more_streams) return all;
    // Prefer the token; services that predate it page by the last name seen.
    ListStreamsRequest next;
    if (response->next_token) {
      if (request.next_token == response->next_token) return Error::parse("ListStreams: NextToken did not advance");
      next.next_token = response->next_token;
    } else if (!all.stream_names.empty()) {
      if (request.exclusive_start_stream_name == all.stream_names.back()) {
        return Error::parse("ListStreams: pagination did not advance");
      }
      next.exclusive_start_stream_name = all.stream_names.back();
    } else {
      return Error::parse("ListStreams: HasMoreStreams without a NextToken or any stream name");
    }
    request = next;
  }
  return Error::parse("ListStreams: too many pages");
}

Result<ListShardsResponse> Client::list_shards(const ListShardsRequest& request) {
  KWB_RETURN_IF_ERROR(validate_range(request.max_results, 1, 10000, "MaxResults"));
  json body = json::object();
  if (request.next_token) {
    if (request.stream || request.exclusive_start_shard_id || request.shard_filter) {
      return Error::invalid_input("NextToken", "NextToken cannot be combined with a stream, "
                                               "ExclusiveStartShardId or ShardFilter");
    }
    body["NextToken"] = *request.next_token;
  } else {
    if (!request.stream) return Error::invalid_input("StreamName", "ListShards needs a stream or a NextToken");
    KWB_RETURN_IF_ERROR(validate_stream_ref(*request.stream));
    put_stream(body, *request.stream);
  }
  if (request.exclusive_start_shard_id) {
    KWB_RETURN_IF_ERROR(validate_shard_id(*request.exclusive_start_shard_id, "ExclusiveStartShardId"));
    body["ExclusiveStartShardId"] = request.exclusive_start_shard_id->str();
  }
  if (request.max_results) body["MaxResults"] = *request.max_results;
  if (request.shard_filter) {
    const ShardFilter& filter = *request.shard_filter;
    json f;
    f["Type"] = std::string(to_string(filter.type));
    if (filter.type == ShardFilterType::kAfterShardId) {
      if (!filter.shard_id) return Error::invalid_input("ShardFilter.ShardId", "AFTER_SHARD_ID needs a shard id");
      f["ShardId"] = filter.shard_id->str();
    }
    if (filter.type == ShardFilterType::kAtTimestamp || filter.type == ShardFilterType::kFromTimestamp) {
      if (!filter.timestamp) {
        return Error::invalid_input("ShardFilter.Timestamp", std::string(to_string(filter.type)) + " needs a timestamp");
      }
      f["Timestamp"] = epoch_seconds(*filter.timestamp);
    }
    body["ShardFilter"] = f;
  }
  auto response = call("ListShards", body);
  if (!response) return response.error();
  ListShardsResponse out;
  auto shards = parse_shards(*response);
  if (!shards) return shards.error();
  out.shards = std::move(*shards);
  out.next_token = opt_string(*response, "NextToken");
  return out;
}

Result<std::vector<Shard>> Client::list_all_shards(const StreamRef& stream, std::optional<ShardFilter> filter) {
  std::vector<Shard> all;
  ListShardsRequest request;
  request.stream = stream;
  request.shard_filter = std::move(filter);
  for (int page = 0; page < kMaxPages; ++page) {
    auto response = list_shards(request);
    if (!response) return response.error();
    for (auto& shard : response->shards) all.push_back(std::move(shard));
    if (!response->next_token) return all;
    if (request.next_token == response->next_token) return Error::parse("ListShards: NextToken did not advance");
    ListShardsRequest next;
    next.next_token = response->next_token;
    request = next;
  }
  return Error::parse("ListShards: too many pages");
}

Status Client::delete_stream(const DeleteStreamRequest& request) {
  KWB_RETURN_IF_ERROR(validate_stream_ref(request.stream));
  json body;
  put_stream(body, request.stream);
  if (request.enforce_consumer_deletion) body["EnforceConsumerDeletion"] = true;
  auto response = call("DeleteStream", body);
  if (!response) return response.error();
  return ok_status();
}

Result<UpdateShardCountResponse> Client::update_shard_count(const UpdateShardCountRequest& request) {
  KWB_RETURN_IF_ERROR(validate_stream_ref(request.stream));
  KWB_RETURN_IF_ERROR(validate_range(request.target_shard_count, 1, 100000, "TargetShardCount"));
  json body;
  put_stream(body, request.stream);
  body["TargetShardCount"] = request.target_shard_count;
  body["ScalingType"] = "UNIFORM_SCALING";
  auto response = call("UpdateShardCount", body);
  if (!response) return response.error();
  UpdateShardCountResponse out;
  out.stream_name = string_or_empty(*response, "StreamName");
  out.stream_arn = string_or_empty(*response, "StreamARN");
  out.current_shard_count = static_cast<int>(opt_int(*response, "CurrentShardCount").value_or(0));
  out.target_shard_count =
      static_cast<int>(opt_int(*response, "TargetShardCount").value_or(request.target_shard_count));
  return out;
}

Status Client::add_tags_to_stream(const AddTagsRequest& request) {
  KWB_RETURN_IF_ERROR(validate_stream_ref(request.stream));
  KWB_RETURN_IF_ERROR(validate_tags(request.tags, 1));
  json body;
  put_stream(body, request.stream);
  body["Tags"] = request.tags;
  auto response = call("AddTagsToStream", body);
  if (!response) return response.error();
  return ok_status();
}

Status Client::remove_tags_from_stream(const RemoveTagsRequest& request) {
  KWB_RETURN_IF_ERROR(validate_stream_ref(request.stream));
  if (request.tag_keys.empty() || request.tag_keys.size() > 50) {
    return Error::invalid_input("TagKeys", "between 1 and 50 tag keys per call, got " +
                                               std::to_string(request.tag_keys.size()));
  }
  for (const auto& key : request.tag_keys) KWB_RETURN_IF_ERROR(validate_text(key, 1, 128, "TagKeys"));
  json body;
  put_stream(body, request.stream);
  body["TagKeys"] = request.tag_keys;
  auto response = call("RemoveTagsFromStream", body);
  if (!response) return response.error();
  return ok_status();
}

Result<ListTagsResponse> Client::list_tags_for_stream(const ListTagsRequest& request) {
  KWB_RETURN_IF_ERROR(validate_stream_ref(request.stream));
  KWB_RETURN_IF_ERROR(validate_range(request.limit, 1, 50, "Limit"));
  json body;
  put_stream(body, request.stream);
  if (request.exclusive_start_tag_key) body["ExclusiveStartTagKey"] = *request.exclusive_start_tag_key;
  if (request.limit) body["Limit"] = *request.limit;
  auto response = call("ListTagsForStream", body);
  if (!response) return response.error();
  ListTagsResponse out;
  if (const json* tags = field(*response, "Tags"); tags != nullptr && tags->is_array()) {
    for (const json& item : *tags) {
      auto key = required_string(item, "Key", "ListTagsForStream");
      if (!key) return key.error();
      out.tags.push_back(Tag{*key, string_or_empty(item, "Value")});
    }
  }
  out.has_more_tags = bool_or_false(*response, "HasMoreTags");
  return out;
}

Result<std::vector<Tag>> Client::list_all_tags(const StreamRef& stream) {
  std::vector<Tag> all;
  ListTagsRequest request;
  request.stream = stream;
  for (int page = 0; page < kMaxPages; ++page) {
    auto response = list_tags_for_stream(request);
    if (!response) return response.error();
    for (auto& tag : response->tags) all.push_back(std::move(tag));
    if (!response->has_more_tags || response->tags.empty()) return all;
    if (request.exclusive_start_tag_key == all.back().key) return Error::parse("ListTagsForStream: did not advance");
    request.exclusive_start_tag_key = all.back().key;
  }
  return Error::parse("ListTagsForStream: too many pages");
}

Status Client::increase_stream_retention_period(const RetentionRequest& request) {
  KWB_RETURN_IF_ERROR(validate_stream_ref(request.stream));
  KWB_RETURN_IF_ERROR(validate_range(request.retention_period_hours, 24, 8760, "RetentionPeriodHours"));
  json body;
  put_stream(body, request.stream);
  body["RetentionPeriodHours"] = request.retention_period_hours;
  auto response = call("IncreaseStreamRetentionPeriod", body);
  if (!response) return response.error();
  return ok_status();
}

Status Client::decrease_stream_retention_period(const RetentionRequest& request) {
  KWB_RETURN_IF_ERROR(validate_stream_ref(request.stream));
  KWB_RETURN_IF_ERROR(validate_range(request.retention_period_hours, 24, 8760, "RetentionPeriodHours"));
  json body;
  put_stream(body, request.stream);
  body["RetentionPeriodHours"] = request.retention_period_hours;
  auto response = call("DecreaseStreamRetentionPeriod", body);
  if (!response) return response.error();
  return ok_status();
}

Result<EnhancedMonitoringResponse> Client::enable_enhanced_monitoring(const EnhancedMonitoringRequest& request) {
  KWB_RETURN_IF_ERROR(validate_stream_ref(request.stream));
  if (request.shard_level_metrics.empty()) {
    return Error::invalid_input("ShardLevelMetrics", "name at least one metric (or ALL)");
  }
  static const std::set<std::string> kKnown = {
      "IncomingBytes",   "IncomingRecords", "OutgoingBytes",      "OutgoingRecords",
      "WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded",
      "IteratorAgeMilliseconds",            "ALL"};
  for (const auto& metric : request.shard_level_metrics) {
    if (!kKnown.contains(metric)) {
      return Error::invalid_input("ShardLevelMetrics", "unknown shard-level metric '" + metric + "'");
    }
  }
  json body;
  put_stream(body, request.stream);
  body["ShardLevelMetrics"] = request.shard_level_metrics;
  auto response = call("EnableEnhancedMonitoring", body);
  if (!response) return response.error();
  EnhancedMonitoringResponse out;
  out.stream_name = string_or_empty(*response, "StreamName");
  out.stream_arn = string_or_empty(*response, "StreamARN");
  out.current_shard_level_metrics = string_array(*response, "CurrentShardLevelMetrics");
  out.desired_shard_level_metrics = string_array(*response, "DesiredShardLevelMetrics");
  return out;
}

Result<PutRecordResponse> Client::put_record(const PutRecordRequest& request) {
  KWB_RETURN_IF_ERROR(validate_stream_ref(request.stream));
  KWB_RETURN_IF_ERROR(validate_record(request.data, request.partition_key, request.explicit_hash_key, ""));
  json body;
  put_stream(body, request.stream);
  body["PartitionKey"] = request.partition_key;
  body["Data"] = base64_encode(request.data);
  if (request.explicit_hash_key) body["ExplicitHashKey"] = *request.explicit_hash_key;
  if (request.sequence_number_for_ordering) body["SequenceNumberForOrdering"] = *request.sequence_number_for_ordering;
  auto response = call("PutRecord", body);
  if (!response) return response.error();
  PutRecordResponse out;
  auto shard = required_string(*response, "ShardId", "PutRecord");
  if (!shard) return shard.error();
  auto sequence = required_string(*response, "SequenceNumber", "PutRecord");
  if (!sequence) return sequence.error();
  out.shard_id = ShardId(*shard);
  out.sequence_number = *sequence;
  out.encryption_type = string_or_empty(*response, "EncryptionType");
  return out;
}

Result<PutRecordsResponse> Client::put_records(const PutRecordsRequest& request) {
  KWB_RETURN_IF_ERROR(validate_stream_ref(request.stream));
  if (request.records.empty() || request.records.size() > kMaxPutRecordsEntries) {
    return Error::invalid_input("Records", "PutRecords takes 1 to 500 records, got " +
                                               std::to_string(request.records.size()));
  }
  std::size_t total = 0;
  for (std::size_t i = 0; i < request.records.size(); ++i) {
    const PutRecordsEntry& entry = request.records[i];
    KWB_RETURN_IF_ERROR(validate_record(entry.data, entry.partition_key, entry.explicit_hash_key,
                                        "Records[" + std::to_string(i) + "]."));
    total += entry.data.size() + entry.partition_key.size();
  }
  if (total > kMaxPutRecordsBytes) {
    return Error::invalid_input("Records", "PutRecords request is " + std::to_string(total) +
                                               " bytes; the limit is 5 MiB");
  }
  // The body is written straight into one string: building a json tree of 500 entries and dumping
  // it cost about half of a PutRecords call's client-side instructions. Same bytes as
  // json::dump() of {"StreamName"|"StreamARN", "Records": [{"Data", "PartitionKey",
  // "ExplicitHashKey"?}]} (keys in that order, which is nlohmann's sorted order too).
  std::string body;
  try {
    body.reserve(64 + request.stream.value().size() + total / 3 * 4 + request.records.size() * 64);
    body += "{\"Records\":[";
    for (std::size_t i = 0; i < request.records.size(); ++i) {
      const PutRecordsEntry& entry = request.records[i];
      if (i > 0) body.push_back(',');
      body += "{\"Data\":\"";
      append_base64(body, entry.data);
      body += '"';
      if (entry.explicit_hash_key) {
        body += ",\"ExplicitHashKey\":";
        append_json_string(body, *entry.explicit_hash_key);
      }
      body += ",\"PartitionKey\":";
      append_json_string(body, entry.partition_key);
      body.push_back('}');
    }
    body += request.stream.is_arn() ? "],\"StreamARN\":" : "],\"StreamName\":";
    append_json_string(body, request.stream.value());
    body.push_back('}');
  } catch (const std::exception& e) {
    return Error::internal(std::string("PutRecords: ") + e.what());
  }
  auto response = call_text("PutRecords", body);
  if (!response) return response.error();
  PutRecordsResponse out;
  out.failed_record_count = static_cast<int>(opt_int(*response, "FailedRecordCount").value_or(0));
  out.encryption_type = string_or_empty(*response, "EncryptionType");
  const json* results = field(*response, "Records");
  if (results == nullptr || !results->is_array()) return Error::parse("PutRecords: response lacks Records");
  if (results->size() != request.records.size()) {
    return Error::parse("PutRecords: sent " + std::to_string(request.records.size()) + " records but got " +
                        std::to_string(results->size()) + " results");
  }
  int failed = 0;
  for (const json& item : *results) {
    PutRecordsResultEntry entry;
    if (auto shard = opt_string(item, "ShardId")) entry.shard_id = ShardId(*shard);
    entry.sequence_number = opt_string(item, "SequenceNumber");
    entry.error_code = opt_string(item, "ErrorCode");
    entry.error_message = opt_string(item, "ErrorMessage");
    if (!entry.ok()) ++failed;
    out.records.push_back(std::move(entry));
  }
  // Trust the per-record results over the summary field; they are what a retry acts on.
  out.failed_record_count = failed;
  return out;
}

Result<GetShardIteratorResponse> Client::get_shard_iterator(const GetShardIteratorRequest& request) {
  KWB_RETURN_IF_ERROR(validate_stream_ref(request.stream));
  KWB_RETURN_IF_ERROR(validate_shard_id(request.shard_id));
  json body;
  put_stream(body, request.stream);
  body["ShardId"] = request.shard_id.str();
  body["ShardIteratorType"] = std::string(to_string(request.type));
  switch (request.type) {
    case ShardIteratorType::kAtSequenceNumber:
    case ShardIteratorType::kAfterSequenceNumber:
      if (!request.starting_sequence_number || request.starting_sequence_number->empty()) {
        return Error::invalid_input("StartingSequenceNumber",
                                    std::string(to_string(request.type)) + " needs a starting sequence number");
      }
      body["StartingSequenceNumber"] = *request.starting_sequence_number;
      break;
    case ShardIteratorType::kAtTimestamp:
      if (!request.timestamp) return Error::invalid_input("Timestamp", "AT_TIMESTAMP needs a timestamp");
      body["Timestamp"] = epoch_seconds(*request.timestamp);
      break;
    case ShardIteratorType::kTrimHorizon:
    case ShardIteratorType::kLatest:
      break;
  }
  auto response = call("GetShardIterator", body);
  if (!response) return response.error();
  auto iterator = required_string(*response, "ShardIterator", "GetShardIterator");
  if (!iterator) return iterator.error();
  return GetShardIteratorResponse{*iterator};
}

Result<GetRecordsResponse> Client::get_records(const GetRecordsRequest& request) {
  if (request.shard_iterator.empty() || request.shard_iterator.size() > 512) {
    return Error::invalid_input("ShardIterator", "ShardIterator must be 1 to 512 characters long");
  }
  KWB_RETURN_IF_ERROR(validate_range(request.limit, 1, 10000, "Limit"));
  json body;
  body["ShardIterator"] = request.shard_iterator;
  if (request.limit) body["Limit"] = *request.limit;
  if (request.stream_arn) body["StreamARN"] = *request.stream_arn;
  auto response = call("GetRecords", body);
  if (!response) return response.error();
  GetRecordsResponse out;
  auto records = parse_records(*response, "GetRecords");
  if (!records) return records.error();
  out.records = std::move(*records);
  out.next_shard_iterator = opt_string(*response, "NextShardIterator");
  out.millis_behind_latest = opt_int(*response, "MillisBehindLatest");
  auto children = parse_child_shards(*response);
  if (!children) return children.error();
  out.child_shards = std::move(*children);
  return out;
}

// ---- enhanced fan-out ----

namespace {

Result<StreamConsumer> parse_consumer(const json& response, const char* member, const char* context) {
  const json* consumer = field(response, member);
  if (consumer == nullptr || !consumer->is_object()) return Error::parse(std::string(context) + ": response lacks " + member);
  StreamConsumer out;
  auto name = required_string(*consumer, "ConsumerName", context);
  if (!name) return name.error();
  auto arn = required_string(*consumer, "ConsumerARN", context);
  if (!arn) return arn.error();
  out.consumer_name = *name;
  out.consumer_arn = *arn;
  out.consumer_status = string_or_empty(*consumer, "ConsumerStatus");
  out.creation_timestamp = opt_timestamp(*consumer, "ConsumerCreationTimestamp");
  return out;
}

Status validate_consumer_name(const std::string& name) {
  if (name.empty() || name.size() > 128) return Error::invalid_input("ConsumerName", "ConsumerName must be 1 to 128 characters long");
  return validate_stream_name(name, "ConsumerName");  // the same pattern: [a-zA-Z0-9_.-]+
}

// Turns the bytes of a SubscribeToShard response into events as they arrive. Stops (returns false
// to the transport) when the handler asks, or at an exception event or corrupt frame, keeping the
// reason in `failure`.
class EventStreamReader {
 public:
  explicit EventStreamReader(const Client::SubscriptionHandler& on_event) : on_event_(on_event) {}

  bool consume(std::string_view bytes) {
    decoder_.feed(bytes);
    for (;;) {
      auto message = decoder_.next();
      if (!message) {
        failure = message.error();
        return false;
      }
      if (!message->has_value()) return true;
      if (!handle(**message)) return false;
    }
  }

  // After the body ended: a half-received frame means the stream was cut off.
  [[nodiscard]] Status finish() const {
    if (failure) return *failure;
    if (decoder_.pending_bytes() > 0) {
      return Error::parse("SubscribeToShard: the event stream ended inside a frame (" +
                          std::to_string(decoder_.pending_bytes()) + " bytes pending)");
    }
    return ok_status();
  }

  std::optional<Error> failure;
  bool stopped_by_handler = false;

 private:
  bool handle(const eventstream::Message& message) {
    const std::string_view type = message.header(":message-type");
    if (type == "exception" || type == "error") {
      std::string code(type == "exception" ? message.header(":exception-type") : message.header(":error-code"));
      std::string text(message.header(":error-message"));
      const json payload = json::parse(message.payload, nullptr, /*allow_exceptions=*/false);
      if (payload.is_object()) {
        for (const char* key : {"message", "Message"}) {
          if (auto it = payload.find(key); it != payload.end() && it->is_string()) text = it->get<std::string>();
        }
      }
      failure = aws::make_aws_error(std::move(code), std::move(text), 400);
      return false;
    }
    if (type != "event") {
      failure = Error::parse("SubscribeToShard: unexpected message type '" + std::string(type) + "'");
      return false;
    }
    if (message.header(":event-type") != "SubscribeToShardEvent") return true;  // initial-response, or new kinds
    const json payload = json::parse(message.payload, nullptr, /*allow_exceptions=*/false);
    if (!payload.is_object()) {
      failure = Error::parse("SubscribeToShard: an event's payload is not a JSON object");
      return false;
    }
    SubscribeToShardEvent event;
    auto records = parse_records(payload, "SubscribeToShardEvent");
    auto children = parse_child_shards(payload);
    if (!records || !children) {
      failure = records ? children.error() : records.error();
      return false;
    }
    event.records = std::move(*records);
    event.child_shards = std::move(*children);
    event.continuation_sequence_number = opt_string(payload, "ContinuationSequenceNumber");
    event.millis_behind_latest = opt_int(payload, "MillisBehindLatest").value_or(0);
    if (on_event_(event)) return true;
    stopped_by_handler = true;
    return false;
  }

  const Client::SubscriptionHandler& on_event_;
  eventstream::Decoder decoder_;
};

}  // namespace

Result<StreamConsumer> Client::register_stream_consumer(const std::string& stream_arn, const std::string& consumer_name) {
  KWB_RETURN_IF_ERROR(validate_consumer_name(consumer_name));
  auto response = call("RegisterStreamConsumer", json{{"StreamARN", stream_arn}, {"ConsumerName", consumer_name}});
  if (!response) return response.error();
  return parse_consumer(*response, "Consumer", "RegisterStreamConsumer");
}

Result<StreamConsumer> Client::describe_stream_consumer(const std::string& stream_arn, const std::string& consumer_name) {
  KWB_RETURN_IF_ERROR(validate_consumer_name(consumer_name));
  auto response = call("DescribeStreamConsumer", json{{"StreamARN", stream_arn}, {"ConsumerName", consumer_name}});
  if (!response) return response.error();
  return parse_consumer(*response, "ConsumerDescription", "DescribeStreamConsumer");
}

Status Client::subscribe_to_shard(const SubscribeToShardRequest& request, const SubscriptionHandler& on_event,
                                  const std::function<bool()>& keep_going) {
  if (request.consumer_arn.empty() || request.consumer_arn.size() > 2048) {
    return Error::invalid_input("ConsumerARN", "ConsumerARN must be 1 to 2048 characters long");
  }
  KWB_RETURN_IF_ERROR(validate_shard_id(request.shard_id));
  const StartingPosition& start = request.starting_position;
  json position = {{"Type", std::string(to_string(start.type))}};
  switch (start.type) {
    case ShardIteratorType::kAtSequenceNumber:
    case ShardIteratorType::kAfterSequenceNumber:
      if (!start.sequence_number || start.sequence_number->empty()) {
        return Error::invalid_input("StartingPosition.SequenceNumber",
                                    std::string(to_string(start.type)) + " needs a sequence number");
      }
      position["SequenceNumber"] = *start.sequence_number;
      break;
    case ShardIteratorType::kAtTimestamp:
      if (!start.timestamp) return Error::invalid_input("StartingPosition.Timestamp", "AT_TIMESTAMP needs a timestamp");
      position["Timestamp"] = epoch_seconds(*start.timestamp);
      break;
    case ShardIteratorType::kTrimHorizon:
    case ShardIteratorType::kLatest:
      break;
  }
  const json body = {{"ConsumerARN", request.consumer_arn}, {"ShardId", request.shard_id.str()}, {"StartingPosition", position}};
  EventStreamReader reader(on_event);
  Status sent;
  try {
    sent = client_.call_json_stream(kTargetPrefix, "SubscribeToShard", body,
                                    [&reader](std::string_view bytes) { return reader.consume(bytes); }, keep_going);
  } catch (const std::exception& e) {
    return Error::internal(std::string("SubscribeToShard: ") + e.what());
  }
  if (reader.stopped_by_handler) return ok_status();
  if (reader.failure) return *reader.failure;  // the transport only saw "cancelled"
  if (!sent.ok() && sent.error().kind == ErrorKind::kCancelled && keep_going && !keep_going()) return ok_status();
  if (!sent.ok()) return sent;
  return reader.finish();
}

}  // namespace kwb::kinesis
