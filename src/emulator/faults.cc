#include "emulator/faults.h"

#include <charconv>

#include "core/strings.h"
#include "emulator/api_error.h"

namespace kwb::emulator {

namespace {

bool matches(const FaultRule& rule, std::string_view operation, std::string_view stream) {
  if (rule.operation != "*" && rule.operation != operation) return false;
  return rule.stream.empty() || rule.stream == stream;
}

Error make_error(std::string_view code, std::string_view stream) {
  Error error;
  error.code = std::string(code);
  const std::string subject = stream.empty() ? std::string("the request") : "stream " + std::string(stream);
  if (code == "InternalFailure") {
    error.kind = ErrorKind::kTransient, error.http_status = 500, error.message = "Internal service failure.";
  } else if (code == "ServiceUnavailable") {
    error.kind = ErrorKind::kTransient, error.http_status = 503, error.message = "Service Unavailable";
  } else if (code == "ProvisionedThroughputExceededException") {
    error.kind = ErrorKind::kThrottling, error.http_status = 400, error.message = "Rate exceeded for " + subject + ".";
  } else {
    error.kind = ErrorKind::kLimitExceeded, error.http_status = 400, error.message = "Rate exceeded for " + subject + ".";
  }
  return error;
}

Result<double> parse_number(std::string_view key, std::string_view text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Error::config("fault: " + std::string(key) + " must be a number, got '" + std::string(text) + "'");
  }
  return value;
}

}  // namespace

bool is_injectable_error(std::string_view code) {
  return code == "InternalFailure" || code == "ServiceUnavailable" || code == "ProvisionedThroughputExceededException" ||
         code == "LimitExceededException";
}

Status validate(const FaultRule& rule) {
  auto rate = [](std::string_view name, double value) -> Status {
    if (!(value >= 0 && value <= 1)) return Error::config("fault: " + std::string(name) + " must be between 0 and 1");
    return ok_status();
  };
  KWB_RETURN_IF_ERROR(rate("error_rate", rule.error_rate));
  KWB_RETURN_IF_ERROR(rate("partial_failure_rate", rule.partial_failure_rate));
  KWB_RETURN_IF_ERROR(rate("reset_rate", rule.reset_rate));
  KWB_RETURN_IF_ERROR(rate("blackhole_rate", rule.blackhole_rate));
  if (!is_injectable_error(rule.error)) {
    return Error::config("fault: error must be InternalFailure, ServiceUnavailable, "
                         "ProvisionedThroughputExceededException or LimitExceededException");
  }
  if (rule.latency_ms < 0 || rule.jitter_ms < 0 || rule.latency_ms > 600000 || rule.jitter_ms > 600000) {
    return Error::config("fault: latency_ms and jitter_ms must be between 0 and 600000");
  }
  if (rule.operation.empty()) return Error::config("fault: operation must be an operation name or *");
  return ok_status();
}

Result<FaultRule> parse_fault_rule(std::string_view text) {
  FaultRule rule;
  for (const std::string& part : split(text, ',')) {
    const std::string_view item = trim(part);
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) return Error::config("fault: expected key=value, got '" + std::string(item) + "'");
    const std::string_view key = trim(item.substr(0, eq));
    const std::string_view value = trim(item.substr(eq + 1));
    if (key == "operation") rule.operation = std::string(value);
    else if (key == "stream") rule.stream = std::string(value);
    else if (key == "error") rule.error = std::string(value);
    else {
      auto number = parse_number(key, value);
      if (!number) return number.error();
      if (key == "error_rate") rule.error_rate = *number;
      else if (key == "partial_failure_rate") rule.partial_failure_rate = *number;
      else if (key == "latency_ms") rule.latency_ms = static_cast<std::int64_t>(*number);
      else if (key == "jitter_ms") rule.jitter_ms = static_cast<std::int64_t>(*number);
      else if (key == "reset_rate") rule.reset_rate = *number;
      else if (key == "blackhole_rate") rule.blackhole_rate = *number;
      else return Error::config("fault: unknown setting '" + std::string(key) + "'");
    }
  }
  KWB_RETURN_IF_ERROR(validate(rule));
  return rule;
}

Status FaultInjector::set_rules(std::vector<FaultRule> rules, std::optional<std::uint64_t> seed) {
  for (const FaultRule& rule : rules) KWB_RETURN_IF_ERROR(validate(rule));
  std::lock_guard lock(mutex_);
  rules_ = std::move(rules);
  if (seed) seed_ = *seed;
  engine_.seed(seed_);
  counts_ = FaultCounts{};
  return ok_status();
}

void FaultInjector::clear() {
  std::lock_guard lock(mutex_);
  rules_.clear();
  engine_.seed(seed_);
  counts_ = FaultCounts{};
}

std::vector<FaultRule> FaultInjector::rules() const {
  std::lock_guard lock(mutex_);
  return rules_;
}

std::uint64_t FaultInjector::seed() const {
  std::lock_guard lock(mutex_);
  return seed_;
}

FaultCounts FaultInjector::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

http::Disposition FaultInjector::before_request(std::string_view operation) {
  std::int64_t delay_ms = 0;
  http::Disposition disposition = http::Disposition::kAnswer;
  {
    std::lock_guard lock(mutex_);
    for (const FaultRule& rule : rules_) {
      if (!matches(rule, operation, rule.stream)) continue;  // stream unknown here: stream rules apply too
      if (rule.latency_ms > 0 || rule.jitter_ms > 0) {
        delay_ms += rule.latency_ms;
        if (rule.jitter_ms > 0) delay_ms += static_cast<std::int64_t>(engine_() % (static_cast<std::uint64_t>(rule.jitter_ms) + 1));
      }
      if (disposition == http::Disposition::kAnswer && rule.reset_rate > 0 && uniform01_locked() < rule.reset_rate) {
        disposition = http::Disposition::kCloseWithoutAnswer;
        ++counts_.resets;
      }
      if (disposition == http::Disposition::kAnswer && rule.blackhole_rate > 0 &&
          uniform01_locked() < rule.blackhole_rate) {
        disposition = http::Disposition::kNeverAnswer;
        ++counts_.blackholed;
      }
    }
    if (delay_ms > 0) ++counts_.delayed;
  }
  // Slept outside the lock, on this server thread: the client sees the latency, other connections
  // are served by the other threads.
  if (delay_ms > 0) clock_.sleep_for(std::chrono::milliseconds(delay_ms));
  return disposition;
}

std::optional<Error> FaultInjector::inject_fault(std::string_view operation, std::string_view region,
                                                 std::string_view stream) {
  (void)region;
  std::lock_guard lock(mutex_);
  for (const FaultRule& rule : rules_) {
    if (!matches(rule, operation, stream) || rule.error_rate <= 0) continue;
    if (uniform01_locked() < rule.error_rate) {
      ++counts_.errors;
      return make_error(rule.error, stream);
    }
  }
  return std::nullopt;
}

std::uint64_t FaultInjector::inject_record_failures(std::string_view region, std::string_view stream,
                                                    std::span<std::uint8_t> failed) {
  (void)region;
  std::lock_guard lock(mutex_);
  std::uint64_t marked = 0;
  for (const FaultRule& rule : rules_) {
    if (!matches(rule, "PutRecords", stream) || rule.partial_failure_rate <= 0) continue;
    for (std::uint8_t& flag : failed) {
      if (uniform01_locked() < rule.partial_failure_rate && flag == 0) {
        flag = 1;
        ++marked;
      }
    }
  }
  counts_.failed_records += marked;
  return marked;
}

ApiResponse FaultGate::handle(const ApiRequest& request) {
  std::string_view operation = request.amz_target;
  const auto dot = operation.find('.');
  if (dot != std::string_view::npos) operation = operation.substr(dot + 1);
  const http::Disposition disposition = faults_.before_request(operation);
  if (disposition != http::Disposition::kAnswer) {
    ApiResponse response;
    response.status = 500;
    response.disposition = disposition;
    return response;
  }
  return kinesis_.handle(request);
}

}  // namespace kwb::emulator
