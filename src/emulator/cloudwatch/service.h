#pragma once
// The emulator's CloudWatch: the metric store the recorder fills, metric reads and writes, and
// metric alarms, served on the emulator's port in all three of CloudWatch's protocols.
//
// Operations: GetMetricData, GetMetricStatistics, ListMetrics, PutMetricData, PutMetricAlarm,
// DescribeAlarms, DescribeAlarmsForMetric, DeleteAlarms, SetAlarmState, DescribeAlarmHistory,
// EnableAlarmActions, DisableAlarmActions. Anything else gets InvalidAction.
//
// Time: everything reads the injected Clock. Alarms are evaluated once per minute of that clock,
// lazily: every CloudWatch call (and the clock-advance endpoint, through tick()) first evaluates the
// minute boundaries that have passed since the last evaluation, so a ManualClock or an advanced
// ControlledClock drives alarms with no background thread. Metrics past retention are dropped in
// the same step.
//
// Ownership: borrows the store and the clock, which must outlive it.
// Thread safety: every public method may be called from any thread (alarms under one mutex).

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/result.h"
#include "emulator/cloudwatch/alarms.h"
#include "emulator/cloudwatch/metric_store.h"
#include "emulator/cloudwatch/protocol.h"
#include "emulator/service_handler.h"

namespace kwb::emulator::cloudwatch {

class CloudWatchService final : public ServiceHandler {
 public:
  CloudWatchService(MetricStore& store, Clock& clock, std::string account_id, std::string default_region);

  [[nodiscard]] bool accepts(const ApiRequest& request) const override;
  ApiResponse handle(const ApiRequest& request) override;
  // --verify-signatures failures in CloudWatch's Query codes (InvalidClientTokenId,
  // SignatureDoesNotMatch, IncompleteSignature, MissingAuthenticationToken), in the caller's protocol.
  ApiResponse signature_error(const ApiRequest& request, const SignatureRejection& rejection) override;

  // The operation without HTTP: JSON-shaped input and output (null output for operations that
  // return nothing). Used by handle() and by unit tests.
  Result<nlohmann::json> call(std::string_view operation, std::string_view region, const nlohmann::json& input);

  // Evaluates alarms at every minute boundary passed since the last evaluation (at most the last
  // day of them after a large jump) and expires old metric data.
  void tick();

  // Loads past datapoints (POST /_kwb/metrics/seed, --seed-metrics). Body:
  //   {"region"?: "...", "datapoints": [{"namespace", "metric", "dimensions": {"StreamName": "s"},
  //     "timestamp": ISO-8601 or epoch seconds, "value" | "statistic_values": {...}, "unit"?}],
  //    "series": [{"namespace", "metric", "dimensions", "start", "period", "values": [...], "unit"?}]}
  // AWS/ namespaces are allowed here (that is the point). Returns how many datapoints it stored.
  Result<std::uint64_t> seed(const nlohmann::json& body);

  [[nodiscard]] MetricStore& store() { return store_; }

 private:
  using Json = nlohmann::json;
  Result<Json> get_metric_data(std::string_view region, const Json& input);
  Result<Json> get_metric_statistics(std::string_view region, const Json& input);
  Result<Json> list_metrics(std::string_view region, const Json& input);
  Result<Json> put_metric_data(std::string_view region, const Json& input);
  Result<Json> put_metric_alarm(std::string_view region, const Json& input);
  Result<Json> describe_alarms(std::string_view region, const Json& input);
  Result<Json> describe_alarms_for_metric(std::string_view region, const Json& input);
  Result<Json> delete_alarms(std::string_view region, const Json& input);
  Result<Json> set_alarm_state(std::string_view region, const Json& input);
  Result<Json> describe_alarm_history(std::string_view region, const Json& input);
  Result<Json> set_alarm_actions(std::string_view region, const Json& input, bool enabled);

  // REQUIRES: alarms_mutex_ held.
  void evaluate_locked(std::string_view region, Alarm& alarm, std::int64_t at_s);
  void set_state_locked(Alarm& alarm, AlarmState state, std::string reason, std::string reason_data, double at_s);
  Json alarm_json(const Alarm& alarm) const;

  [[nodiscard]] std::int64_t now_s() const;
  std::string next_request_id();

  MetricStore& store_;
  Clock& clock_;
  const std::string account_id_;
  const std::string default_region_;
  std::atomic<std::uint64_t> request_counter_{0};

  std::mutex alarms_mutex_;
  std::map<std::string, std::map<std::string, Alarm>> alarms_;  // region -> name -> alarm; GUARDED_BY(alarms_mutex_)
  std::int64_t last_tick_minute_s_ = 0;                          // GUARDED_BY(alarms_mutex_)
  std::int64_t last_expire_s_ = 0;                               // GUARDED_BY(alarms_mutex_)
};

}  // namespace kwb::emulator::cloudwatch
