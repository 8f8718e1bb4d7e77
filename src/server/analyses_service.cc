#include "server/analyses_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

#include "analysis/alarms.h"
#include "cloudwatch/metric_batcher.h"
#include "core/encoding.h"
#include "core/strings.h"

namespace kwb::server {

namespace {

using std::chrono::seconds;

constexpr seconds kMinWindow{15 * 60};
constexpr seconds kMaxWindow{14 * 86400};
constexpr int kDefaultListLimit = 50;
constexpr int kMaxListLimit = 500;
constexpr const char* kAlarmPrefix = "kwb-";

nlohmann::json progress_json(const std::string& phase, int done, int total) {
  return {{"phase", phase}, {"done", done}, {"total", total}};
}

nlohmann::json optional_text(const std::optional<std::string>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

// The row as GET /api/analyses lists it.
nlohmann::json summary_json(const store::Analysis& a) {
  return {
      {"id", a.id},
      {"status", a.status},
      {"created_at", format_iso8601_millis(a.created_at)},
      {"finished_at", a.finished_at ? nlohmann::json(format_iso8601_millis(*a.finished_at)) : nlohmann::json(nullptr)},
      {"created_by", a.created_by},
      {"window", a.request.value("window", "3h")},
      {"request", a.request},
      {"analyzer_requested", a.requested_analyzer},
      {"analyzer", optional_text(a.analyzer)},
      {"stream_count", a.stream_count},
      {"finding_counts", {{"critical", a.critical_count}, {"warning", a.warning_count}, {"info", a.info_count}}},
      {"error", optional_text(a.error)}};
}

// The six series the UI charts, with the statistic and unit each is read with.
struct ChartMetric {
  const char* metric;
  const char* statistic;
  const char* unit;
};
constexpr ChartMetric kChartMetrics[] = {
    {"IncomingRecords", "Sum", "Count"},
    {"IncomingBytes", "Sum", "Bytes"},
    {"WriteProvisionedThroughputExceeded", "Sum", "Count"},
    {"PutRecords.FailedRecords", "Sum", "Count"},
    {"GetRecords.IteratorAgeMilliseconds", "Maximum", "Milliseconds"},
    {"ReadProvisionedThroughputExceeded", "Sum", "Count"},
};

// A whole number in text, or nullopt.
std::optional<std::int64_t> whole_number(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::string outcome_of(const Error& error) {
  return error.code.empty() ? std::string(to_string(error.kind)) : error.code;
}

// Runs one AWS call (or one batched fetch), recording its latency and outcome as StreamsService does.
template <typename F>
auto timed(Metrics& metrics, Clock& clock, const char* operation, F&& call) -> decltype(call()) {
  const auto start = clock.steady_now();
  auto result = call();
  metrics.record_aws_call(operation, result.ok() ? std::string("ok") : outcome_of(result.error()),
                          clock.steady_now() - start);
  return result;
}

SystemTimePoint floor_to_period(SystemTimePoint t, int period) {
  const auto secs = std::chrono::duration_cast<seconds>(t.time_since_epoch()).count();
  return SystemTimePoint(seconds(secs - secs % period));
}

}  // namespace

Result<seconds> parse_bounded_window(const std::string& text, const std::string& field) {
  auto window = analysis::parse_window(text);
  if (!window) {
    Error error = std::move(window).error();
    error.field = field;
    return error;
  }
  if (*window < kMinWindow || *window > kMaxWindow) {
    return Error::invalid_input(field, "'" + field + "' must be between 15m and 14d; got '" + text + "'");
  }
  return *window;
}

Result<AnalysisRequest> parse_analysis_request(const nlohmann::json& body) {
  AnalysisRequest out;
  out.as_json = nlohmann::json::object();
  const bool has_streams = body.contains("streams") && !body["streams"].is_null();
  const bool has_all = body.contains("all") && !body["all"].is_null() && body["all"] != false;
  const bool has_tag = body.contains("tag") && !body["tag"].is_null();
  if (static_cast<int>(has_streams) + static_cast<int>(has_all) + static_cast<int>(has_tag) != 1) {
    return Error::invalid_input("streams",
                                "give exactly one of \"streams\": [names], \"all\": true or \"tag\": \"k=v\"");
  }
  if (has_streams) {
    const auto& list = body["streams"];
    if (!list.is_array() || list.empty() || list.size() > 1000) {
      return Error::invalid_input("streams", "'streams' must be an array of 1 to 1000 stream names");
    }
    std::vector<std::string> names;
    for (const auto& item : list) {
      if (!item.is_string()) return Error::invalid_input("streams", "'streams' must hold strings");
      const std::string name = item.get<std::string>();
      if (Status valid = kinesis::validate_stream_name(name, "streams"); !valid.ok()) return valid.error();
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
    out.as_json["streams"] = names;
    out.selector = analysis::StreamSelector::by_names(std::move(names));
  } else if (has_all) {
    if (body["all"] != true) return Error::invalid_input("all", "'all' must be true");
    out.as_json["all"] = true;
    out.selector = analysis::StreamSelector::all();
  } else {
    if (!body["tag"].is_string()) return Error::invalid_input("tag", "'tag' must be a string KEY=VALUE");
    const std::string tag = body["tag"].get<std::string>();
    const auto eq = tag.find('=');
    if (eq == std::string::npos || eq == 0) return Error::invalid_input("tag", "'tag' is KEY=VALUE, got '" + tag + "'");
    out.as_json["tag"] = tag;
    out.selector = analysis::StreamSelector::by_tag(tag.substr(0, eq), tag.substr(eq + 1));
  }
  auto window = optional_string(body, "window");
  if (!window) return window.error();
  out.window_text = window->value_or("3h");
  auto parsed_window = parse_bounded_window(out.window_text, "window");
  if (!parsed_window) return parsed_window.error();
  out.window = *parsed_window;
  out.as_json["window"] = out.window_text;
  auto analyzer = optional_string(body, "analyzer");
  if (!analyzer) return analyzer.error();
  auto choice = analysis::parse_analyzer_choice(analyzer->value_or("auto"));
  if (!choice) return Error::invalid_input("analyzer", "'analyzer' must be auto, rules or llm");
  out.analyzer = *choice;
  out.as_json["analyzer"] = std::string(analysis::to_string(*choice));
  return out;
}

Result<cloudwatch::MetricAlarm> alarm_from_json(const nlohmann::json& value) {
  if (!value.is_object()) return Error::parse("a stored alarm is not an object");
  try {
    cloudwatch::MetricAlarm alarm;
    alarm.alarm_name = value.at("alarm_name").get<std::string>();
    alarm.namespace_name = value.at("namespace").get<std::string>();
    alarm.metric_name = value.at("metric_name").get<std::string>();
    const std::string statistic = value.value("statistic", "");
    if (!statistic.empty()) alarm.statistic = statistic;
    for (const auto& d : value.value("dimensions", nlohmann::json::array())) {
      alarm.dimensions.push_back({d.at("name").get<std::string>(), d.at("value").get<std::string>()});
    }
    alarm.period_seconds = value.value("period", 60);
    alarm.evaluation_periods = value.value("evaluation_periods", 1);
    alarm.datapoints_to_alarm = value.value("datapoints_to_alarm", alarm.evaluation_periods);
    alarm.threshold = value.value("threshold", 0.0);
    auto comparison = cloudwatch::parse_comparison_operator(value.value("comparison_operator", ""));
    if (!comparison) return comparison.error();
    alarm.comparison_operator = *comparison;
    auto missing = cloudwatch::parse_treat_missing_data(value.value("treat_missing_data", "missing"));
    if (!missing) return missing.error();
    alarm.treat_missing_data = *missing;
    const std::string description = value.value("description", "");
    if (!description.empty()) alarm.alarm_description = description;
    alarm.alarm_actions = value.value("alarm_actions", std::vector<std::string>());
    return alarm;
  } catch (const nlohmann::json::exception& e) {
    return Error::parse(std::string("a stored alarm is malformed: ") + e.what());
  }
}

AnalysesService::AnalysesService(kinesis::Client& kinesis, const cloudwatch::Client& cloudwatch, store::Store& store,
                                 StreamsService& streams, Metrics& metrics, Clock& clock, Random& random,
                                 analysis::LlmAnalyzer* llm, AnalysesOptions options)
    : kinesis_(kinesis),
      cloudwatch_(cloudwatch),
      store_(store),
      streams_(streams),
      metrics_(metrics),
      clock_(clock),
      random_(random),
      options_(std::move(options)),
      router_(options_.router, llm, clock) {}

AnalysesService::~AnalysesService() { stop(); }

Status AnalysesService::start() {
  auto failed = store_.analyses().fail_unfinished("the server stopped before this analysis finished");
  if (!failed) return std::move(failed).error();
  if (*failed > 0) spdlog::warn("analyses: marked {} unfinished analyses of a previous run as failed", *failed);
  {
    std::lock_guard lock(queue_mutex_);
    accepting_ = true;
  }
  for (int i = 0; i < std::max(1, options_.workers); ++i) {
    workers_.emplace_back([this](std::stop_token stop) { worker_loop(stop); });
  }
  return ok_status();
}

void AnalysesService::stop() {
  std::deque<Job> abandoned;
  {
    std::lock_guard lock(queue_mutex_);
    accepting_ = false;
    abandoned.swap(queue_);
  }
  for (auto& worker : workers_) worker.request_stop();
  queue_wake_.notify_all();
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
  workers_.clear();
  for (const Job& job : abandoned) {
    if (Status failed = store_.analyses().finish_failed(job.id, "the server stopped before this analysis ran");
        !failed.ok()) {
      spdlog::warn("analyses: could not fail {}: {}", job.id, failed.error().describe());
    }
  }
}

std::string AnalysesService::new_id() {
  std::string bytes(16, '\0');
  std::lock_guard lock(random_mutex_);
  for (std::size_t i = 0; i < bytes.size(); i += 8) {
    const std::uint64_t r = random_.next_u64();
    for (std::size_t j = 0; j < 8; ++j) bytes[i + j] = static_cast<char>((r >> (8 * j)) & 0xFF);
  }
  return hex_encode(bytes);
}

void AnalysesService::audit(const std::string& actor, const std::string& request_id, const std::string& action,
                            const std::string& target, const Error* error, nlohmann::json detail) {
  if (detail.is_null()) detail = nlohmann::json::object();
  if (!request_id.empty()) detail["request_id"] = request_id;
  if (error != nullptr) {
    detail["error_code"] = error->code.empty() ? std::string(to_string(error->kind)) : error->code;
    detail["error_message"] = error->message;
  }
  auto appended = store_.audit().append({actor, action, target, error == nullptr ? "ok" : "error", detail});
  if (!appended) spdlog::error("audit write failed for {}: {}", action, appended.error().describe());
}

http::Response AnalysesService::create(RequestContext& context) {
  auto body = parse_json_object(context.request);
  if (!body) return error_response(body.error());
  auto request = parse_analysis_request(*body);
  if (!request) return error_response(request.error());

  Job job{new_id(), std::move(*request), context.actor()};
  const int known_streams = job.request.selector.kind == analysis::StreamSelector::Kind::kNames
                                ? static_cast<int>(job.request.selector.names.size())
                                : 0;
  const nlohmann::json progress = progress_json("describe", 0, known_streams);
  {
    // The row is written under the queue lock so that the 429 decision and the enqueue agree.
    std::lock_guard lock(queue_mutex_);
    if (!accepting_) return error_response(503, "ShuttingDown", "the server is stopping");
    if (queue_.size() >= options_.queue_limit) {
      Error busy{ErrorKind::kThrottling, "TooManyAnalyses",
                 std::to_string(queue_.size()) + " analyses are already waiting; try again when one has finished", 429,
                 ""};
      audit(context.actor(), context.request_id, "analysis.create", "", &busy, {{"request", job.request.as_json}});
      return error_response(busy);
    }
    store::NewAnalysis row{job.id,        job.request.as_json,
                           progress,      std::string(analysis::to_string(job.request.analyzer)),
                           known_streams, job.actor};
    auto created = store_.analyses().create(row);
    if (!created) {
      audit(context.actor(), context.request_id, "analysis.create", job.id, &created.error(),
            {{"request", job.request.as_json}});
      return error_response(created.error());
    }
    audit(context.actor(), context.request_id, "analysis.create", job.id, nullptr, {{"request", job.request.as_json}});
    queue_.push_back(job);
  }
  queue_wake_.notify_one();
  return json_response(202, {{"id", job.id}, {"status", "queued"}, {"progress", progress}});
}

void AnalysesService::worker_loop(std::stop_token stop) {
  while (true) {
    Job job;
    {
      std::unique_lock lock(queue_mutex_);
      queue_wake_.wait(lock, stop, [this] { return !queue_.empty(); });
      if (stop.stop_requested()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    run(job);
  }
}

void AnalysesService::run(const Job& job) {
  auto& rows = store_.analyses();
  if (Status running = rows.mark_running(job.id, progress_json("describe", 0, 0)); !running.ok()) {
    spdlog::warn("analyses: {} not started: {}", job.id, running.error().describe());
    return;
  }
  const auto fail = [&](const Error& error) {
    spdlog::warn("analyses: {} failed: {}", job.id, error.describe());
    if (Status failed = rows.finish_failed(job.id, error.message); !failed.ok()) {
      spdlog::error("analyses: could not record the failure of {}: {}", job.id, failed.error().describe());
    }
    audit(job.actor, "", "analysis.run", job.id, &error);
  };

  analysis::CollectorOptions collector_options;
  collector_options.max_parallel = options_.collector_parallel;
  analysis::Collector collector(kinesis_, cloudwatch_, clock_, collector_options);
  analysis::CollectStats stats;
  int stream_total = 0;
  auto snapshots =
      collector.collect(job.request.selector, job.request.window, &stats, [&](const analysis::CollectProgress& p) {
        if (p.phase == "describe") stream_total = p.total;
        Status saved = rows.update_progress(job.id, progress_json(p.phase, p.done, p.total), stream_total);
        if (!saved.ok()) spdlog::warn("analyses: progress of {}: {}", job.id, saved.error().describe());
      });
  if (!snapshots) return fail(snapshots.error());
  const int stream_count = static_cast<int>(snapshots->size());
  (void)rows.update_progress(job.id, progress_json("analyze", 0, stream_count), stream_count);

  analysis::AnalysisReport report = router_.analyze(*snapshots, job.request.analyzer);
  nlohmann::json doc = analysis::to_json(report);
  doc["collection"] = {{"streams", stats.streams},
                       {"kinesis_calls", stats.kinesis_calls},
                       {"cloudwatch_requests", stats.cloudwatch_requests},
                       {"metric_queries", stats.metric_queries},
                       {"period", stats.period_seconds},
                       {"window_seconds", job.request.window.count()}};
  store::AnalysisOutcome outcome;
  outcome.report = std::move(doc);
  outcome.analyzer = report.analyzer;
  outcome.stream_count = stream_count;
  for (const auto& finding : report.all_findings()) {
    switch (finding.severity) {
      case analysis::Severity::kCritical:
        ++outcome.critical_count;
        break;
      case analysis::Severity::kWarning:
        ++outcome.warning_count;
        break;
      case analysis::Severity::kInfo:
        ++outcome.info_count;
        break;
    }
  }
  Status saved = rows.finish_succeeded(job.id, outcome, progress_json("done", stream_count, stream_count));
  if (!saved.ok()) return fail(saved.error());
  audit(job.actor, "", "analysis.run", job.id, nullptr,
        {{"streams", stream_count},
         {"findings",
          {{"critical", outcome.critical_count}, {"warning", outcome.warning_count}, {"info", outcome.info_count}}},
         {"analyzer", outcome.analyzer}});
}

http::Response AnalysesService::list(RequestContext& context) {
  int limit = kDefaultListLimit;
  if (auto text = context.request.query_param("limit")) {
    auto parsed = whole_number(*text);
    if (!parsed || *parsed < 1 || *parsed > kMaxListLimit) {
      return error_response(Error::invalid_input("limit", "'limit' must be a whole number from 1 to 500"));
    }
    limit = static_cast<int>(*parsed);
  }
  auto rows = store_.analyses().list_recent(limit);
  if (!rows) return error_response(rows.error());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& row : *rows) out.push_back(summary_json(row));
  return json_response(200, {{"analyses", out}});
}

http::Response AnalysesService::get(RequestContext& context) {
  auto row = store_.analyses().get(context.param("id"));
  if (!row) return error_response(row.error());
  if (!row->has_value()) return error_response(404, "NotFound", "no analysis with this id");
  nlohmann::json out = summary_json(**row);
  out["progress"] = (*row)->progress;
  out["report"] = (*row)->status == "succeeded" && (*row)->report ? *(*row)->report : nlohmann::json(nullptr);
  return json_response(200, out);
}

http::Response AnalysesService::apply(RequestContext& context) {
  const std::string& id = context.param("id");
  auto body = parse_json_object(context.request);
  if (!body) return error_response(body.error());
  auto stream = required_string(*body, "stream");
  if (!stream) return error_response(stream.error());
  auto action = required_string(*body, "action");
  if (!action) return error_response(action.error());
  if (*action != "scale" && *action != "alarms") {
    return error_response(Error::invalid_input("action", "'action' must be scale or alarms"));
  }
  const nlohmann::json detail = {{"analysis", id}, {"action", *action}};
  const auto refuse = [&](http::Response response, const Error& error) {
    audit(context.actor(), context.request_id, "analysis.apply", *stream, &error, detail);
    return response;
  };
  auto row = store_.analyses().get(id);
  if (!row) return refuse(error_response(row.error()), row.error());
  if (!row->has_value()) {
    Error missing = Error::not_found("no analysis with this id");
    return refuse(error_response(missing), missing);
  }
  if ((*row)->status != "succeeded" || !(*row)->report) {
    Error conflict{ErrorKind::kConflict, "AnalysisNotSucceeded",
                   "the analysis is " + (*row)->status + "; only a succeeded analysis can be applied", 409, ""};
    return refuse(error_response(conflict), conflict);
  }
  std::optional<nlohmann::json> entry;
  const auto streams_it = (*row)->report->find("streams");
  if (streams_it != (*row)->report->end() && streams_it->is_array()) {
    for (const auto& s : *streams_it) {
      if (s.is_object() && s.value("stream", "") == *stream) entry = s;
    }
  }
  if (!entry) {
    Error missing{ErrorKind::kNotFound, "StreamNotInAnalysis", "stream '" + *stream + "' is not in this analysis", 404,
                  "stream"};
    return refuse(error_response(missing), missing);
  }

  if (*action == "scale") {
    const auto steps = entry->value("sizing", nlohmann::json::object()).value("steps", nlohmann::json::array());
    if (!steps.is_array() || steps.empty() || !steps.front().is_number_integer()) {
      Error nothing{ErrorKind::kConflict, "NothingToApply", "the analysis recommends no shard change for this stream",
                    409, ""};
      return refuse(error_response(nothing), nothing);
    }
    const std::int64_t target = steps.front().get<std::int64_t>();
    // scale_to audits the scaling itself ("stream.scale"); this entry ties it to the analysis.
    http::Response scaled = streams_.scale_to(context, *stream, target);
    nlohmann::json result = nlohmann::json::parse(scaled.body, nullptr, false);
    if (scaled.status >= 300) {
      Error failed{ErrorKind::kTransient, "", "scale answered " + std::to_string(scaled.status), 0, ""};
      audit(context.actor(), context.request_id, "analysis.apply", *stream, &failed, detail);
      return scaled;
    }
    audit(context.actor(), context.request_id, "analysis.apply", *stream, nullptr,
          {{"analysis", id}, {"action", "scale"}, {"target_shard_count", target}});
    return json_response(200, {{"stream", *stream}, {"action", "scale"}, {"result", result}});
  }

  std::vector<cloudwatch::MetricAlarm> alarms;
  for (const auto& value : entry->value("alarms", nlohmann::json::array())) {
    auto alarm = alarm_from_json(value);
    if (!alarm) return refuse(error_response(alarm.error()), alarm.error());
    alarms.push_back(std::move(*alarm));
  }
  const analysis::AlarmApplyResult applied = analysis::apply_alarms(cloudwatch_, alarms);
  nlohmann::json failed = nlohmann::json::array();
  for (const auto& [name, error] : applied.failed) failed.push_back({{"alarm_name", name}, {"error", error.message}});
  nlohmann::json result = {{"created", applied.created}, {"failed", failed}};
  if (!applied.failed.empty()) {
    const Error& first = applied.failed.front().second;
    audit(context.actor(), context.request_id, "analysis.apply", *stream, &first,
          {{"analysis", id}, {"action", "alarms"}, {"result", result}});
    if (applied.created.empty()) return error_response(first);
  } else {
    audit(context.actor(), context.request_id, "analysis.apply", *stream, nullptr,
          {{"analysis", id}, {"action", "alarms"}, {"result", result}});
  }
  return json_response(200, {{"stream", *stream}, {"action", "alarms"}, {"result", result}});
}

http::Response AnalysesService::stream_alarms(RequestContext& context) {
  const std::string& name = context.param("name");
  if (Status valid = kinesis::validate_stream_name(name, "name"); !valid.ok()) return error_response(valid.error());
  nlohmann::json body = nlohmann::json::object();
  if (!context.request.body.empty()) {
    auto parsed = parse_json_object(context.request);
    if (!parsed) return error_response(parsed.error());
    body = std::move(*parsed);
  }
  bool dry_run = false;
  if (body.contains("dry_run") && !body["dry_run"].is_null()) {
    if (!body["dry_run"].is_boolean())
      return error_response(Error::invalid_input("dry_run", "'dry_run' must be true or false"));
    dry_run = body["dry_run"].get<bool>();
  }
  auto summary = timed(metrics_, clock_, "DescribeStreamSummary",
                       [&] { return kinesis_.describe_stream_summary(StreamName(name)); });
  if (!summary) {
    if (!dry_run) audit(context.actor(), context.request_id, "stream.alarms", name, &summary.error());
    return error_response(summary.error());
  }
  analysis::StreamSnapshot snapshot;
  snapshot.stream_name = summary->stream_name.empty() ? name : summary->stream_name;
  snapshot.stream_arn = summary->stream_arn;
  snapshot.open_shard_count = summary->open_shard_count;
  snapshot.retention_hours = summary->retention_period_hours > 0 ? summary->retention_period_hours : 24;
  snapshot.shard_level_metrics = summary->shard_level_metrics;
  const auto alarms = analysis::recommend_alarms(snapshot, options_.router.rules, options_.router.alarms);

  nlohmann::json listed = nlohmann::json::array();
  for (const auto& alarm : alarms) {
    listed.push_back(
        {{"alarm_name", alarm.alarm_name},
         {"metric_name", alarm.metric_name},
         {"statistic", alarm.statistic.value_or("")},
         {"threshold", alarm.threshold},
         {"comparison_operator", std::string(cloudwatch::to_string(alarm.comparison_operator))},
         {"evaluation_periods", alarm.evaluation_periods},
         {"datapoints_to_alarm", alarm.datapoints_to_alarm.value_or(alarm.evaluation_periods)},
         {"period", alarm.period_seconds.value_or(60)},
         {"treat_missing_data", alarm.treat_missing_data ? std::string(cloudwatch::to_string(*alarm.treat_missing_data))
                                                         : std::string("missing")},
         {"reason", alarm.alarm_description.value_or("")}});
  }
  if (dry_run) return json_response(200, {{"stream", name}, {"applied", false}, {"alarms", listed}});

  const analysis::AlarmApplyResult applied = analysis::apply_alarms(cloudwatch_, alarms);
  nlohmann::json detail = {{"created", applied.created}};
  if (!applied.failed.empty()) {
    const Error& first = applied.failed.front().second;
    nlohmann::json failed = nlohmann::json::array();
    for (const auto& [alarm_name, error] : applied.failed)
      failed.push_back({{"alarm_name", alarm_name}, {"error", error.message}});
    detail["failed"] = failed;
    audit(context.actor(), context.request_id, "stream.alarms", name, &first, detail);
    return error_response(first);
  }
  audit(context.actor(), context.request_id, "stream.alarms", name, nullptr, detail);
  return json_response(200, {{"stream", name}, {"applied", true}, {"alarms", listed}});
}

http::Response AnalysesService::stream_metrics(RequestContext& context) {
  const std::string& name = context.param("name");
  if (Status valid = kinesis::validate_stream_name(name, "name"); !valid.ok()) return error_response(valid.error());
  const std::string window_text = context.request.query_param("window").value_or("1h");
  auto window = parse_bounded_window(window_text, "window");
  if (!window) return error_response(window.error());
  const int period = analysis::choose_period(*window);
  const SystemTimePoint end = floor_to_period(clock_.now(), period) + seconds(period);
  const SystemTimePoint start = end - *window;

  std::vector<cloudwatch::MetricDataQuery> queries;
  for (std::size_t i = 0; i < std::size(kChartMetrics); ++i) {
    cloudwatch::MetricDataQuery query;
    query.id = "m" + std::to_string(i);
    cloudwatch::MetricStat stat;
    stat.metric = {"AWS/Kinesis", kChartMetrics[i].metric, {{"StreamName", name}}};
    stat.period_seconds = period;
    stat.stat = kChartMetrics[i].statistic;
    query.metric_stat = std::move(stat);
    queries.push_back(std::move(query));
  }
  cloudwatch::BatchOptions batch;
  batch.scan_by = cloudwatch::ScanBy::kTimestampAscending;
  cloudwatch::MetricBatcher batcher(cloudwatch_, batch);
  auto data = timed(metrics_, clock_, "GetMetricData", [&] { return batcher.fetch(std::move(queries), start, end); });
  if (!data) return error_response(data.error());

  nlohmann::json series = nlohmann::json::array();
  for (std::size_t i = 0; i < std::size(kChartMetrics); ++i) {
    nlohmann::json points = nlohmann::json::array();
    const auto found = data->results.find("m" + std::to_string(i));
    if (found != data->results.end()) {
      const auto& result = found->second;
      std::vector<std::size_t> order(result.timestamps.size());
      for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
      std::sort(order.begin(), order.end(),
                [&](std::size_t a, std::size_t b) { return result.timestamps[a] < result.timestamps[b]; });
      for (std::size_t k : order) points.push_back({format_iso8601_millis(result.timestamps[k]), result.values[k]});
    }
    series.push_back({{"metric", kChartMetrics[i].metric},
                      {"statistic", kChartMetrics[i].statistic},
                      {"unit", kChartMetrics[i].unit},
                      {"points", points}});
  }
  return json_response(200, {{"stream", name},
                             {"period", period},
                             {"start", format_iso8601_millis(start)},
                             {"end", format_iso8601_millis(end)},
                             {"series", series}});
}

http::Response AnalysesService::list_alarms(RequestContext& context) {
  cloudwatch::DescribeAlarmsRequest request;
  std::string prefix = kAlarmPrefix;
  const auto stream = context.request.query_param("stream");
  if (stream) {
    if (Status valid = kinesis::validate_stream_name(*stream, "stream"); !valid.ok())
      return error_response(valid.error());
    prefix = analysis::alarm_name(*stream, "");
  }
  request.alarm_name_prefix = prefix;
  auto alarms = timed(metrics_, clock_, "DescribeAlarms", [&] { return cloudwatch_.describe_all_alarms(request); });
  if (!alarms) return error_response(alarms.error());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& alarm : *alarms) {
    // The prefix of one stream also matches streams whose name extends it ("a" and "a-b"): keep
    // only alarms whose dimension names this stream.
    if (stream) {
      const bool ours =
          std::any_of(alarm.dimensions.begin(), alarm.dimensions.end(),
                      [&](const cloudwatch::Dimension& d) { return d.name == "StreamName" && d.value == *stream; });
      if (!ours) continue;
    }
    out.push_back(
        {{"alarm_name", alarm.alarm_name},
         {"state", alarm.state_value ? std::string(cloudwatch::to_string(*alarm.state_value)) : std::string()},
         {"state_reason", alarm.state_reason.value_or("")},
         {"metric_name", alarm.metric_name},
         {"threshold", alarm.threshold},
         {"stream", [&] {
            for (const auto& d : alarm.dimensions) {
              if (d.name == "StreamName") return nlohmann::json(d.value);
            }
            return nlohmann::json(nullptr);
          }()}});
  }
  return json_response(200, {{"alarms", out}});
}

}  // namespace kwb::server
