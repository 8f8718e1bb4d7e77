#include "emulator/cloudwatch/stack.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace kwb::emulator::cloudwatch {

using Json = nlohmann::json;

namespace {

ApiResponse json_response(int status, const Json& body) {
  ApiResponse response;
  response.status = status;
  response.content_type = "application/json";
  response.body = body.dump();
  return response;
}

ApiResponse json_error(int status, const std::string& message) { return json_response(status, {{"message", message}}); }

Json rule_json(const FaultRule& rule) {
  return {{"operation", rule.operation},       {"stream", rule.stream},
          {"error_rate", rule.error_rate},     {"error", rule.error},
          {"partial_failure_rate", rule.partial_failure_rate},
          {"latency_ms", rule.latency_ms},     {"jitter_ms", rule.jitter_ms},
          {"reset_rate", rule.reset_rate},     {"blackhole_rate", rule.blackhole_rate}};
}

Result<FaultRule> rule_from_json(const Json& j) {
  if (!j.is_object()) return Error::config("each fault must be an object");
  FaultRule rule;
  try {
    rule.operation = j.value("operation", std::string("*"));
    rule.stream = j.value("stream", std::string());
    rule.error_rate = j.value("error_rate", 0.0);
    rule.error = j.value("error", std::string("InternalFailure"));
    rule.partial_failure_rate = j.value("partial_failure_rate", 0.0);
    rule.latency_ms = j.value("latency_ms", std::int64_t{0});
    rule.jitter_ms = j.value("jitter_ms", std::int64_t{0});
    rule.reset_rate = j.value("reset_rate", 0.0);
    rule.blackhole_rate = j.value("blackhole_rate", 0.0);
  } catch (const Json::exception& e) {
    return Error::config(std::string("fault: a member has the wrong type: ") + e.what());
  }
  for (const auto& [key, value] : j.items()) {
    static const char* kKnown[] = {"operation", "stream", "error_rate", "error", "partial_failure_rate",
                                   "latency_ms", "jitter_ms", "reset_rate", "blackhole_rate"};
    if (std::find(std::begin(kKnown), std::end(kKnown), key) == std::end(kKnown)) {
      return Error::config("fault: unknown setting '" + key + "'");
    }
  }
  KWB_RETURN_IF_ERROR(validate(rule));
  return rule;
}

}  // namespace

// The emulator-only endpoints under /_kwb/clock, /_kwb/metrics and /_kwb/faults.
class ControlHandler final : public ServiceHandler {
 public:
  explicit ControlHandler(Monitoring& monitoring) : monitoring_(monitoring) {}

  [[nodiscard]] bool accepts(const ApiRequest& request) const override {
    const std::string_view path = request.target.substr(0, request.target.find('?'));
    return path.rfind("/_kwb/clock", 0) == 0 || path.rfind("/_kwb/metrics", 0) == 0 || path.rfind("/_kwb/faults", 0) == 0;
  }

  ApiResponse handle(const ApiRequest& request) override {
    const std::string_view path = request.target.substr(0, request.target.find('?'));
    Json body = Json::object();
    if (!request.body.empty()) {
      body = Json::parse(request.body, nullptr, false);
      if (body.is_discarded()) return json_error(400, "the body is not valid JSON");
    }
    if (path == "/_kwb/clock" && request.method == "GET") return clock_state();
    if (path == "/_kwb/clock/advance" && request.method == "POST") {
      if (!body.is_object() || !body.contains("seconds") || !body["seconds"].is_number()) {
        return json_error(400, "expected {\"seconds\": N} with N >= 0");
      }
      const double seconds = body["seconds"].get<double>();
      if (!(seconds >= 0) || seconds > 5.0 * 365 * 86400) return json_error(400, "seconds must be between 0 and 5 years");
      monitoring_.clock().advance(std::chrono::nanoseconds(static_cast<std::int64_t>(seconds * 1e9)));
      monitoring_.cloudwatch().tick();  // alarms see every minute that passed
      return clock_state();
    }
    if (path == "/_kwb/metrics/seed" && request.method == "POST") {
      auto stored = monitoring_.cloudwatch().seed(body);
      if (!stored) return json_error(400, stored.error().message);
      monitoring_.cloudwatch().tick();
      return json_response(200, {{"stored", *stored}});
    }
    if (path == "/_kwb/metrics" && request.method == "GET") {
      return json_response(200, {{"series", monitoring_.store().series_count()},
                                 {"buckets", monitoring_.store().bucket_count()}});
    }
    if (path == "/_kwb/faults") {
      FaultInjector& faults = monitoring_.faults();
      if (request.method == "DELETE") {
        faults.clear();
        return faults_state();
      }
      if (request.method == "POST" || request.method == "PUT") {
        // {"seed": 7, "faults": [ {...}, ... ]} replaces every rule; a single rule object is accepted too.
        const Json& list = body.contains("faults") ? body["faults"] : Json::array({body});
        if (!list.is_array()) return json_error(400, "faults must be a list");
        std::vector<FaultRule> rules;
        for (const Json& j : list) {
          auto rule = rule_from_json(j);
          if (!rule) return json_error(400, rule.error().message);
          rules.push_back(std::move(*rule));
        }
        std::optional<std::uint64_t> seed;
        if (body.contains("seed")) {
          if (!body["seed"].is_number_unsigned()) return json_error(400, "seed must be a non-negative integer");
          seed = body["seed"].get<std::uint64_t>();
        }
        Status status = faults.set_rules(std::move(rules), seed);
        if (!status.ok()) return json_error(400, status.error().message);
        return faults_state();
      }
      if (request.method == "GET") return faults_state();
    }
    return json_error(404, "unknown admin endpoint");
  }

 private:
  ApiResponse clock_state() {
    const auto now = monitoring_.clock().now();
    const double seconds = std::chrono::duration<double>(now.time_since_epoch()).count();
    return json_response(200, {{"now", format_iso8601(seconds)},
                               {"epoch_seconds", seconds},
                               {"offset_seconds", std::chrono::duration<double>(monitoring_.clock().offset()).count()},
                               {"time_scale", monitoring_.clock().scale()}});
  }

  ApiResponse faults_state() {
    FaultInjector& faults = monitoring_.faults();
    Json rules = Json::array();
    for (const auto& rule : faults.rules()) rules.push_back(rule_json(rule));
    const FaultCounts c = faults.counts();
    return json_response(200, {{"seed", faults.seed()},
                               {"faults", rules},
                               {"injected", {{"errors", c.errors}, {"failed_records", c.failed_records},
                                             {"delayed", c.delayed}, {"resets", c.resets},
                                             {"blackholed", c.blackholed}}}});
  }

  Monitoring& monitoring_;
};

Monitoring::Monitoring(MonitoringOptions options, Clock& base_clock, const EmulatorConfig& config)
    : options_(std::move(options)),
      clock_(base_clock, options_.time_scale),
      recorder_(store_,
                [this](std::string_view region, std::string_view stream) -> std::optional<std::vector<std::string>> {
                  if (backend_ == nullptr) return std::nullopt;
                  // Its own control-plane bucket ("kwb.metrics"), so it never throttles a client.
                  auto info = backend_->engine(region).describe_stream(std::string(stream), false, "kwb.metrics");
                  if (!info) return std::nullopt;
                  return info->shard_level_metrics;
                }),
      faults_(clock_, options_.seed),
      observer_(faults_, recorder_),
      service_(store_, clock_, config.account_id, config.default_region) {
  (void)faults_.set_rules(options_.faults);  // validated when parsed
}

Monitoring::~Monitoring() = default;

Status Monitoring::attach(Emulator& emulator) {
  backend_ = &emulator.backend();
  control_ = std::make_unique<ControlHandler>(*this);
  gate_ = std::make_unique<FaultGate>(faults_, emulator.kinesis());
  emulator.add_service(*control_);
  emulator.add_service(service_);
  emulator.add_service(*gate_);
  if (!options_.seed_metrics_file.empty()) {
    std::ifstream in(options_.seed_metrics_file);
    if (!in) return Error::config("--seed-metrics: cannot read " + options_.seed_metrics_file);
    std::stringstream text;
    text << in.rdbuf();
    Json body = Json::parse(text.str(), nullptr, false);
    if (body.is_discarded()) return Error::config("--seed-metrics: " + options_.seed_metrics_file + " is not valid JSON");
    auto stored = service_.seed(body);
    if (!stored) return Error::config("--seed-metrics: " + stored.error().message);
  }
  return ok_status();
}

}  // namespace kwb::emulator::cloudwatch
