#include "server/streams_service.h"

#include <spdlog/spdlog.h>

#include <atomic>

#include "core/strings.h"
#include "kinesis/waiters.h"

namespace kwb::server {

namespace {

// One of the service's wait slots, held for the object's lifetime if one was free (see
// StreamsOptions::max_concurrent_waits).
class WaitSlot {
 public:
  WaitSlot(std::atomic<int>& in_use, int limit) : in_use_(in_use), held_(in_use.fetch_add(1) < limit) {
    if (!held_) in_use_.fetch_sub(1);
  }
  ~WaitSlot() {
    if (held_) in_use_.fetch_sub(1);
  }
  WaitSlot(const WaitSlot&) = delete;
  WaitSlot& operator=(const WaitSlot&) = delete;
  [[nodiscard]] bool held() const { return held_; }

 private:
  std::atomic<int>& in_use_;
  bool held_;
};

constexpr const char* kStreamType = "kinesis:stream";
constexpr int kDefaultRetentionHours = 24;
constexpr int kMaxShards = 100000;

// "arn:aws:kinesis:us-east-1:123456789012:stream/name" -> "123456789012".
std::string account_from_arn(const std::string& arn) {
  const auto parts = split(arn, ':');
  return parts.size() >= 6 ? parts[4] : std::string();
}

std::size_t utf8_length(std::string_view text) {
  std::size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

nlohmann::json tags_json(const std::map<std::string, std::string>& tags) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [k, v] : tags) out[k] = v;
  return out;
}

std::string mode_text(const std::optional<kinesis::StreamMode>& mode) {
  return std::string(kinesis::to_string(mode.value_or(kinesis::StreamMode::kProvisioned)));
}

nlohmann::json summary_json(const kinesis::StreamSummary& summary, const std::map<std::string, std::string>& tags,
                            const std::optional<store::AwsResource>& row, const std::string& region) {
  nlohmann::json out = {{"name", summary.stream_name},
                        {"arn", summary.stream_arn},
                        {"status", summary.stream_status_text},
                        {"mode", mode_text(summary.stream_mode)},
                        {"shard_count", summary.open_shard_count},
                        {"retention_hours", summary.retention_period_hours},
                        {"tags", tags_json(tags)},
                        {"region", region},
                        {"account_id", account_from_arn(summary.stream_arn)},
                        {"managed", row.has_value()}};
  if (summary.stream_creation_timestamp) out["created_at"] = format_iso8601_millis(*summary.stream_creation_timestamp);
  if (row) {
    out["created_by"] = row->created_by;
    out["resource_id"] = row->id;
  }
  return out;
}

std::string outcome_of(const Error& error) { return error.code.empty() ? std::string(to_string(error.kind)) : error.code; }

}  // namespace

Result<std::map<std::string, std::string>> parse_tags(const nlohmann::json& value, const std::string& field) {
  if (value.is_null()) return std::map<std::string, std::string>();
  if (!value.is_object()) return Error::invalid_input(field, "'" + field + "' must be an object of string values");
  if (value.size() > 50) return Error::invalid_input(field, "at most 50 tags");
  std::map<std::string, std::string> tags;
  for (const auto& [key, v] : value.items()) {
    if (!v.is_string()) return Error::invalid_input(field, "tag values must be strings");
    const std::string text = v.get<std::string>();
    if (key.empty() || utf8_length(key) > 128) return Error::invalid_input(field, "tag keys must be 1 to 128 characters");
    if (utf8_length(text) > 256) return Error::invalid_input(field, "tag values must be at most 256 characters");
    tags[key] = text;
  }
  return tags;
}

std::vector<int> scaling_steps(int current, int target) {
  std::vector<int> steps;
  if (current <= 0 || target <= 0) return steps;
  while (current != target) {
    // AWS allows a new count between half and double the current one.
    current = target > current ? std::min(target, current * 2) : std::max(target, (current + 1) / 2);
    steps.push_back(current);
  }
  return steps;
}

StreamsService::StreamsService(kinesis::Client& client, store::Store& store, Metrics& metrics, Clock& clock,
                               StreamsOptions options)
    : client_(client), store_(store), metrics_(metrics), clock_(clock), options_(std::move(options)) {}

StreamsService::~StreamsService() { stop_refresher(); }

void StreamsService::start_refresher() {
  refresher_ = std::jthread([this](std::stop_token stop) { refresher_loop(stop); });
}

void StreamsService::stop_refresher() {
  if (!refresher_.joinable()) return;
  refresher_.request_stop();
  refresh_wake_.notify_all();
  refresher_.join();
}

void StreamsService::wake_refresher() {
  {
    std::lock_guard lock(refresh_mutex_);
    refresh_pending_ = true;
  }
  refresh_wake_.notify_all();
}

void StreamsService::invalidate_list_cache() {
  std::lock_guard lock(cache_mutex_);
  cached_list_.reset();
  ++cache_generation_;
}

Result<int> StreamsService::refresh_pending_once() {
  store::ResourceFilter filter;
  filter.resource_type = kStreamType;
  auto rows = store_.resources().list(filter);
  if (!rows) return rows.error();
  int pending = 0;
  for (const auto& row : *rows) {
    if (row.region != options_.region || (row.status != "CREATING" && row.status != "UPDATING")) continue;
    auto summary = timed("DescribeStreamSummary", [&] { return client_.describe_stream_summary(StreamName(row.name)); });
    if (!summary) {
      if (summary.error().kind != ErrorKind::kNotFound) ++pending;  // try again next pass
      continue;  // gone: GET /api/streams shows the row as MISSING
    }
    if (summary->stream_status != kinesis::StreamStatus::kActive) {
      ++pending;
      continue;
    }
    auto tags = current_tags(row.name);
    if (!tags) {
      ++pending;
      continue;
    }
    auto recorded = record(*summary, *tags, row.created_by);
    if (!recorded) {
      spdlog::warn("refresher: could not record stream {}: {}", row.name, recorded.error().describe());
      ++pending;
      continue;
    }
    spdlog::info("refresher: stream {} is now {}", row.name, summary->stream_status_text);
    invalidate_list_cache();
  }
  return pending;
}

void StreamsService::refresher_loop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(refresh_mutex_);
      // Sleeps until a write leaves a row pending (or stop); production waiting, not a test.
      refresh_wake_.wait(lock, stop, [this] { return refresh_pending_; });
      if (stop.stop_requested()) return;
      refresh_pending_ = false;
    }
    auto pending = refresh_pending_once();
    if (!pending) spdlog::warn("refresher: {}", pending.error().describe());
    if (!pending || *pending > 0) {
      std::unique_lock lock(refresh_mutex_);
      refresh_wake_.wait_for(lock, stop, options_.refresh_interval, [] { return false; });
      refresh_pending_ = true;
    }
  }
}

template <typename F>
auto StreamsService::timed(const char* operation, F&& call) -> decltype(call()) {
  const auto start = clock_.steady_now();
  auto result = call();
  const auto elapsed = clock_.steady_now() - start;
  metrics_.record_aws_call(operation, result.ok() ? std::string("ok") : outcome_of(result.error()), elapsed);
  return result;
}

void StreamsService::audit(const RequestContext& context, const std::string& action, const std::string& target,
                           const Error* error, nlohmann::json detail) {
  if (detail.is_null()) detail = nlohmann::json::object();
  detail["request_id"] = context.request_id;
  if (error != nullptr) {
    detail["error_code"] = outcome_of(*error);
    detail["error_message"] = error->message;
  }
  auto appended = store_.audit().append({context.actor(), action, target, error == nullptr ? "ok" : "error", detail});
  if (!appended) spdlog::error("audit write failed for {}: {}", action, appended.error().describe());
}

Result<std::map<std::string, std::string>> StreamsService::current_tags(const std::string& name) {
  auto tags = timed("ListTagsForStream", [&] { return client_.list_all_tags(StreamName(name)); });
  if (!tags) return tags.error();
  std::map<std::string, std::string> out;
  for (const auto& tag : *tags) out[tag.key] = tag.value;
  return out;
}

Result<store::AwsResource> StreamsService::record(const kinesis::StreamSummary& summary,
                                                  const std::map<std::string, std::string>& tags,
                                                  const std::string& actor) {
  store::AwsResourceUpsert row;
  row.resource_type = kStreamType;
  row.name = summary.stream_name;
  row.arn = summary.stream_arn;
  row.region = options_.region;
  row.account_id = account_from_arn(summary.stream_arn);
  row.status = summary.stream_status_text;
  row.config = {{"shard_count", summary.open_shard_count},
                {"mode", mode_text(summary.stream_mode)},
                {"retention_hours", summary.retention_period_hours}};
  row.tags = tags_json(tags);
  row.created_by = actor;
  return store_.resources().upsert(row);
}

http::Response StreamsService::list(RequestContext&) {
  if (options_.list_cache_ttl.count() <= 0) return list_uncached(nullptr);
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(cache_mutex_);
    // Fresh, or expired while another request is already fetching its successor: answer from the
    // cache rather than send every waiting client to ListStreams at the same moment.
    if (cached_list_ && (clock_.steady_now() < cached_until_ || list_refresh_running_)) {
      return http::Response::json(200, *cached_list_);
    }
    generation = cache_generation_;
    list_refresh_running_ = true;
  }
  std::string body;
  http::Response response = list_uncached(&body);
  std::lock_guard lock(cache_mutex_);
  list_refresh_running_ = false;
  // A write that ran while we listed may not be in this answer: keep it only if none did.
  if (response.status == 200 && generation == cache_generation_) {
    cached_list_ = std::move(body);
    cached_until_ = clock_.steady_now() + options_.list_cache_ttl;
  }
  return response;
}

http::Response StreamsService::list_uncached(std::string* body_for_cache) {
  auto live = timed("ListStreams", [&] { return client_.list_all_streams(); });
  if (!live) return error_response(live.error());
  store::ResourceFilter filter;
  filter.resource_type = kStreamType;
  auto rows = store_.resources().list(filter);
  if (!rows) return error_response(rows.error());
  std::map<std::string, const store::AwsResource*> by_name;
  for (const auto& row : *rows) {
    if (row.region == options_.region) by_name[row.name] = &row;
  }

  nlohmann::json streams = nlohmann::json::array();
  std::map<std::string, bool> seen;
  const auto add = [&](const std::string& name, const std::string& arn, const std::string& status,
                       const std::optional<kinesis::StreamMode>& mode) {
    if (seen[name]) return;
    seen[name] = true;
    nlohmann::json entry = {{"name", name}, {"arn", arn}, {"status", status}, {"live", true}};
    if (mode) entry["mode"] = kinesis::to_string(*mode);
    const auto row = by_name.find(name);
    entry["managed"] = row != by_name.end();
    if (row != by_name.end()) {
      const auto& r = *row->second;
      entry["shard_count"] = r.config.value("shard_count", nlohmann::json());
      if (!mode) entry["mode"] = r.config.value("mode", nlohmann::json());
      entry["retention_hours"] = r.config.value("retention_hours", nlohmann::json());
      entry["tags"] = r.tags;
      entry["created_by"] = r.created_by;
      if (arn.empty()) entry["arn"] = r.arn;
    }
    streams.push_back(std::move(entry));
  };
  for (const auto& entry : live->streams) {
    add(entry.stream_name, entry.stream_arn, entry.stream_status_text, entry.stream_mode);
  }
  for (const auto& name : live->stream_names) add(name, "", "", std::nullopt);
  // Rows whose stream is gone (deleted outside kwb): shown, marked not live.
  for (const auto& [name, row] : by_name) {
    if (seen.count(name) != 0) continue;
    streams.push_back({{"name", name},
                       {"arn", row->arn},
                       {"status", "MISSING"},
                       {"live", false},
                       {"managed", true},
                       {"shard_count", row->config.value("shard_count", nlohmann::json())},
                       {"mode", row->config.value("mode", nlohmann::json())},
                       {"tags", row->tags},
                       {"created_by", row->created_by}});
  }
  nlohmann::json body = {{"streams", std::move(streams)}, {"region", options_.region}};
  http::Response response = json_response(200, body);
  if (body_for_cache != nullptr) *body_for_cache = response.body;
  return response;
}

http::Response StreamsService::create(RequestContext& context) {
  // Invalidated before and after: before, so a list racing this write is not cached; after, so
  // the next list sees it.
  invalidate_list_cache();
  http::Response response = create_stream(context);
  invalidate_list_cache();
  return response;
}

http::Response StreamsService::create_stream(RequestContext& context) {
  auto body = parse_json_object(context.request);
  if (!body) return error_response(body.error());
  auto name = required_string(*body, "name");
  if (!name) return error_response(name.error());
  if (Status valid = kinesis::validate_stream_name(*name, "name"); !valid.ok()) return error_response(valid.error());
  auto shard_count = optional_int(*body, "shard_count");
  if (!shard_count) return error_response(shard_count.error());
  auto mode_text_in = optional_string(*body, "mode");
  if (!mode_text_in) return error_response(mode_text_in.error());
  auto retention = optional_int(*body, "retention_hours");
  if (!retention) return error_response(retention.error());
  auto tags = parse_tags(body->value("tags", nlohmann::json()), "tags");
  if (!tags) return error_response(tags.error());

  kinesis::StreamMode mode = kinesis::StreamMode::kProvisioned;
  const std::string requested_mode = mode_text_in->value_or("PROVISIONED");
  if (requested_mode == "ON_DEMAND") {
    mode = kinesis::StreamMode::kOnDemand;
    if (shard_count->has_value()) {
      return error_response(Error::invalid_input("shard_count", "shard_count must be absent with mode ON_DEMAND"));
    }
  } else if (requested_mode != "PROVISIONED") {
    return error_response(Error::invalid_input("mode", "mode must be PROVISIONED or ON_DEMAND"));
  } else if (!shard_count->has_value()) {
    return error_response(Error::invalid_input("shard_count", "shard_count is required (or mode ON_DEMAND)"));
  } else if (**shard_count < 1 || **shard_count > kMaxShards) {
    return error_response(Error::invalid_input("shard_count", "shard_count must be between 1 and 100000"));
  }
  const int retention_hours = static_cast<int>(retention->value_or(kDefaultRetentionHours));
  if (retention_hours < 24 || retention_hours > 8760) {
    return error_response(Error::invalid_input("retention_hours", "retention_hours must be between 24 and 8760"));
  }
  const StreamName stream(*name);
  const nlohmann::json requested = {{"shard_count", shard_count->has_value() ? nlohmann::json(**shard_count) : nlohmann::json()},
                                    {"mode", requested_mode},
                                    {"retention_hours", retention_hours},
                                    {"tags", tags_json(*tags)}};

  // Idempotency: compare with what exists. Two attempts, because a concurrent create may win
  // between our describe and our CreateStream.
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto existing = timed("DescribeStreamSummary", [&] { return client_.describe_stream_summary(stream); });
    if (existing) {
      auto existing_tags = current_tags(*name);
      if (!existing_tags) return error_response(existing_tags.error());
      const bool same = existing->stream_status != kinesis::StreamStatus::kDeleting &&
                        existing->stream_mode.value_or(kinesis::StreamMode::kProvisioned) == mode &&
                        (mode == kinesis::StreamMode::kOnDemand || existing->open_shard_count == **shard_count) &&
                        existing->retention_period_hours == retention_hours && *existing_tags == *tags;
      auto row = store_.resources().find_live(kStreamType, options_.region, account_from_arn(existing->stream_arn), *name);
      std::optional<store::AwsResource> row_value = row ? *row : std::nullopt;
      if (!same) {
        Error conflict{ErrorKind::kConflict, "StreamExists",
                       "a stream with this name exists with different parameters", 409, "name"};
        audit(context, "stream.create", *name, &conflict, {{"requested", requested}});
        http::Response response = error_response(conflict);
        nlohmann::json with_existing = nlohmann::json::parse(response.body);
        with_existing["existing"] = summary_json(*existing, *existing_tags, row_value, options_.region);
        response.body = with_existing.dump();
        return response;
      }
      return json_response(200, summary_json(*existing, *existing_tags, row_value, options_.region));
    }
    if (existing.error().kind != ErrorKind::kNotFound) return error_response(existing.error());

    kinesis::CreateStreamRequest request;
    request.stream_name = stream;
    request.mode = mode;
    if (mode == kinesis::StreamMode::kProvisioned) request.shard_count = static_cast<int>(**shard_count);
    request.tags = *tags;
    Status created = timed("CreateStream", [&] { return client_.create_stream(request); });
    if (created.ok()) break;
    if (created.error().kind == ErrorKind::kConflict && attempt == 0) continue;  // lost a race: compare again
    audit(context, "stream.create", *name, &created.error(), {{"requested", requested}});
    return error_response(created.error());
  }

  const WaitSlot slot(waits_in_progress_, options_.max_concurrent_waits);
  kinesis::WaitOptions wait;
  wait.initial_delay = std::chrono::milliseconds(50);
  wait.max_delay = std::chrono::milliseconds(1000);
  wait.timeout = slot.held() ? options_.wait_timeout : std::chrono::milliseconds(0);
  auto active = timed("WaitForActive", [&] { return kinesis::wait_for_stream_active(client_, stream, clock_, wait); });
  if (!active) {
    if (active.error().kind != ErrorKind::kTimeout) {
      audit(context, "stream.create", *name, &active.error(), {{"requested", requested}});
      return error_response(active.error());
    }
    // Still CREATING: record what we know and let the caller poll GET /api/streams/{name}.
    kinesis::StreamSummary pending;
    pending.stream_name = *name;
    pending.stream_status_text = "CREATING";
    pending.stream_mode = mode;
    pending.open_shard_count = static_cast<int>(shard_count->value_or(0));
    pending.retention_period_hours = kDefaultRetentionHours;
    auto described = timed("DescribeStreamSummary", [&] { return client_.describe_stream_summary(stream); });
    if (described) pending = *described;
    auto row = record(pending, *tags, context.actor());
    audit(context, "stream.create", *name, nullptr, {{"requested", requested}, {"status", "CREATING"}});
    wake_refresher();
    nlohmann::json out = summary_json(pending, *tags, row ? std::optional(*row) : std::nullopt, options_.region);
    if (retention_hours != kDefaultRetentionHours) out["pending"] = {"retention_hours"};
    return json_response(202, out);
  }
  kinesis::StreamSummary summary = *active;
  if (retention_hours > summary.retention_period_hours) {
    kinesis::RetentionRequest retention_request{stream, retention_hours};
    Status raised = timed("IncreaseStreamRetentionPeriod",
                          [&] { return client_.increase_stream_retention_period(retention_request); });
    if (!raised.ok()) {
      audit(context, "stream.create", *name, &raised.error(), {{"requested", requested}, {"step", "retention"}});
      return error_response(raised.error());
    }
    auto after = timed("WaitForActive", [&] { return kinesis::wait_for_stream_active(client_, stream, clock_, wait); });
    if (after) summary = *after;
  }
  auto row = record(summary, *tags, context.actor());
  if (!row) spdlog::error("could not record stream {}: {}", *name, row.error().describe());
  audit(context, "stream.create", *name, nullptr, {{"requested", requested}, {"arn", summary.stream_arn}});
  return json_response(201, summary_json(summary, *tags, row ? std::optional(*row) : std::nullopt, options_.region));
}

http::Response StreamsService::get(RequestContext& context) {
  const std::string& name = context.param("name");
  if (Status valid = kinesis::validate_stream_name(name, "name"); !valid.ok()) return error_response(valid.error());
  const StreamName stream(name);
  auto summary = timed("DescribeStreamSummary", [&] { return client_.describe_stream_summary(stream); });
  if (!summary) return error_response(summary.error());
  auto shards = timed("ListShards", [&] { return client_.list_all_shards(stream); });
  if (!shards) return error_response(shards.error());
  auto tags = current_tags(name);
  if (!tags) return error_response(tags.error());
  auto row = store_.resources().find_live(kStreamType, options_.region, account_from_arn(summary->stream_arn), name);
  nlohmann::json out = summary_json(*summary, *tags, row ? *row : std::nullopt, options_.region);
  nlohmann::json shard_list = nlohmann::json::array();
  for (const auto& shard : *shards) {
    nlohmann::json s = {{"shard_id", shard.shard_id.str()},
                        {"open", shard.is_open()},
                        {"starting_hash_key", shard.hash_key_range.starting_hash_key},
                        {"ending_hash_key", shard.hash_key_range.ending_hash_key}};
    if (shard.parent_shard_id) s["parent_shard_id"] = shard.parent_shard_id->str();
    if (shard.adjacent_parent_shard_id) s["adjacent_parent_shard_id"] = shard.adjacent_parent_shard_id->str();
    shard_list.push_back(std::move(s));
  }
  out["shards"] = std::move(shard_list);
  return json_response(200, out);
}

http::Response StreamsService::remove(RequestContext& context) {
  invalidate_list_cache();
  http::Response response = remove_stream(context);
  invalidate_list_cache();
  return response;
}

http::Response StreamsService::remove_stream(RequestContext& context) {
  const std::string& name = context.param("name");
  if (Status valid = kinesis::validate_stream_name(name, "name"); !valid.ok()) return error_response(valid.error());
  kinesis::DeleteStreamRequest request;
  request.stream = StreamName(name);
  Status deleted = timed("DeleteStream", [&] { return client_.delete_stream(request); });
  if (!deleted.ok()) {
    audit(context, "stream.delete", name, &deleted.error());
    return error_response(deleted.error());
  }
  store::ResourceFilter filter;
  filter.resource_type = kStreamType;
  if (auto rows = store_.resources().list(filter)) {
    for (const auto& row : *rows) {
      if (row.name == name && row.region == options_.region) {
        if (Status marked = store_.resources().mark_deleted(row.id); !marked.ok()) {
          spdlog::error("could not mark stream {} deleted: {}", name, marked.error().describe());
        }
      }
    }
  }
  audit(context, "stream.delete", name, nullptr);
  return json_response(202, {{"name", name}, {"status", "DELETING"}});
}

http::Response StreamsService::scale(RequestContext& context) {
  const std::string& name = context.param("name");
  if (Status valid = kinesis::validate_stream_name(name, "name"); !valid.ok()) return error_response(valid.error());
  auto body = parse_json_object(context.request);
  if (!body) return error_response(body.error());
  auto target = optional_int(*body, "target_shard_count");
  if (!target) return error_response(target.error());
  if (!target->has_value()) return error_response(Error::invalid_input("target_shard_count", "target_shard_count is required"));
  if (**target < 1 || **target > kMaxShards) {
    return error_response(Error::invalid_input("target_shard_count", "target_shard_count must be between 1 and 100000"));
  }
  return scale_to(context, name, **target);
}

http::Response StreamsService::scale_to(RequestContext& context, const std::string& name, std::int64_t target_count) {
  invalidate_list_cache();
  http::Response response = scale_stream(context, name, target_count);
  invalidate_list_cache();
  return response;
}

http::Response StreamsService::scale_stream(RequestContext& context, const std::string& name,
                                            std::int64_t target_count) {
  const StreamName stream(name);
  auto summary = timed("DescribeStreamSummary", [&] { return client_.describe_stream_summary(stream); });
  if (!summary) return error_response(summary.error());
  if (summary->stream_mode == kinesis::StreamMode::kOnDemand) {
    return error_response(400, "StreamIsOnDemand", "an ON_DEMAND stream has no shard count to set", "target_shard_count");
  }
  if (summary->stream_status != kinesis::StreamStatus::kActive) {
    return error_response(409, "StreamNotActive", "the stream is " + summary->stream_status_text + "; scale it once ACTIVE");
  }
  const int from = summary->open_shard_count;
  const std::vector<int> steps = scaling_steps(from, static_cast<int>(target_count));
  const WaitSlot slot(waits_in_progress_, options_.max_concurrent_waits);
  kinesis::WaitOptions wait;
  wait.initial_delay = std::chrono::milliseconds(50);
  wait.max_delay = std::chrono::milliseconds(1000);
  wait.timeout = slot.held() ? options_.wait_timeout : std::chrono::milliseconds(0);
  nlohmann::json done = nlohmann::json::array();
  kinesis::StreamSummary latest = *summary;
  bool pending = false;
  for (int step : steps) {
    kinesis::UpdateShardCountRequest request{stream, step};
    auto updated = timed("UpdateShardCount", [&] { return client_.update_shard_count(request); });
    if (!updated) {
      audit(context, "stream.scale", name, &updated.error(), {{"from", from}, {"target", target_count}, {"done", done}});
      return error_response(updated.error());
    }
    done.push_back(step);
    auto active = timed("WaitForActive", [&] { return kinesis::wait_for_stream_active(client_, stream, clock_, wait); });
    if (!active) {
      if (active.error().kind != ErrorKind::kTimeout) {
        audit(context, "stream.scale", name, &active.error(), {{"from", from}, {"target", target_count}, {"done", done}});
        return error_response(active.error());
      }
      pending = true;
      break;
    }
    latest = *active;
  }
  if (pending) latest.stream_status_text = "UPDATING";  // the refresher records it once ACTIVE
  auto tags = current_tags(name);
  if (tags) {
    auto row = record(latest, *tags, context.actor());
    if (!row) spdlog::error("could not record stream {}: {}", name, row.error().describe());
  }
  audit(context, "stream.scale", name, nullptr, {{"from", from}, {"target", target_count}, {"steps", done}});
  if (pending) wake_refresher();
  nlohmann::json planned = nlohmann::json::array();
  for (int step : steps) planned.push_back(step);
  return json_response(pending ? 202 : 200, {{"name", name},
                                             {"from_shard_count", from},
                                             {"target_shard_count", target_count},
                                             {"steps", planned},
                                             {"steps_done", done},
                                             {"status", pending ? "UPDATING" : latest.stream_status_text},
                                             {"shard_count", latest.open_shard_count}});
}

http::Response StreamsService::put_tags(RequestContext& context) {
  invalidate_list_cache();
  http::Response response = put_stream_tags(context);
  invalidate_list_cache();
  return response;
}

http::Response StreamsService::put_stream_tags(RequestContext& context) {
  const std::string& name = context.param("name");
  if (Status valid = kinesis::validate_stream_name(name, "name"); !valid.ok()) return error_response(valid.error());
  auto body = parse_json_object(context.request);
  if (!body) return error_response(body.error());
  if (!body->contains("tags")) return error_response(Error::invalid_input("tags", "'tags' is required"));
  auto wanted = parse_tags((*body)["tags"], "tags");
  if (!wanted) return error_response(wanted.error());
  const StreamName stream(name);
  auto existing = current_tags(name);
  if (!existing) return error_response(existing.error());

  std::vector<std::string> removals;
  for (const auto& [key, value] : *existing) {
    if (wanted->count(key) == 0) removals.push_back(key);
  }
  std::map<std::string, std::string> additions;
  for (const auto& [key, value] : *wanted) {
    const auto it = existing->find(key);
    if (it == existing->end() || it->second != value) additions[key] = value;
  }
  if (!additions.empty()) {
    kinesis::AddTagsRequest request{stream, additions};
    Status added = timed("AddTagsToStream", [&] { return client_.add_tags_to_stream(request); });
    if (!added.ok()) {
      audit(context, "stream.tags", name, &added.error(), {{"tags", tags_json(*wanted)}});
      return error_response(added.error());
    }
  }
  if (!removals.empty()) {
    kinesis::RemoveTagsRequest request{stream, removals};
    Status removed = timed("RemoveTagsFromStream", [&] { return client_.remove_tags_from_stream(request); });
    if (!removed.ok()) {
      audit(context, "stream.tags", name, &removed.error(), {{"tags", tags_json(*wanted)}});
      return error_response(removed.error());
    }
  }
  auto summary = timed("DescribeStreamSummary", [&] { return client_.describe_stream_summary(stream); });
  if (summary) {
    auto row = record(*summary, *wanted, context.actor());
    if (!row) spdlog::error("could not record stream {}: {}", name, row.error().describe());
  }
  audit(context, "stream.tags", name, nullptr, {{"tags", tags_json(*wanted)}});
  return json_response(200, {{"name", name}, {"tags", tags_json(*wanted)}});
}

}  // namespace kwb::server
