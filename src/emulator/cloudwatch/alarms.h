#pragma once
// Metric alarms and how CloudWatch evaluates them (see docs/emulator.md, "Alarm evaluation").
//
// Every minute the alarm looks at its last EvaluationPeriods complete periods. Each period's value
// is breaching (compared with the threshold), not breaching, or missing. Then:
//   breaching / notBreaching: missing periods count as breaching / not breaching; ALARM when at
//     least DatapointsToAlarm periods breach, else OK.
//   missing / ignore: only periods with data count. If none has data, `missing` goes to
//     INSUFFICIENT_DATA and `ignore` keeps the current state. Otherwise ALARM when the breaching
//     periods reach DatapointsToAlarm, or reach all the periods that have data when fewer than
//     DatapointsToAlarm have (CloudWatch's table: "- - X" with 3 of 3 alarms); else OK.
// A change of state is recorded in the history with the reason and the datapoints.
//
// Thread safety: plain values and functions; the service serialises access.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kwb::emulator::cloudwatch {

enum class AlarmState { kOk, kAlarm, kInsufficientData };
enum class Comparison { kGreaterOrEqual, kGreater, kLess, kLessOrEqual };
enum class MissingData { kMissing, kIgnore, kBreaching, kNotBreaching };

std::string_view to_string(AlarmState state);
std::string_view to_string(Comparison comparison);
std::string_view to_string(MissingData treatment);
std::optional<AlarmState> parse_alarm_state(std::string_view text);
std::optional<Comparison> parse_comparison(std::string_view text);
std::optional<MissingData> parse_missing_data(std::string_view text);
bool breaches(Comparison comparison, double value, double threshold);

struct EvaluationInput {
  std::vector<std::optional<double>> values;  // oldest first, one per period
  Comparison comparison = Comparison::kGreater;
  double threshold = 0;
  int datapoints_to_alarm = 1;
  MissingData missing = MissingData::kMissing;
  AlarmState current = AlarmState::kInsufficientData;
};

struct EvaluationResult {
  AlarmState state = AlarmState::kInsufficientData;
  int breaching = 0;
  int present = 0;
};

EvaluationResult evaluate(const EvaluationInput& input);

struct HistoryItem {
  double timestamp = 0;  // epoch seconds
  std::string type;      // ConfigurationUpdate | StateUpdate | Action
  std::string summary;
  std::string data;      // JSON text
};

struct Alarm {
  nlohmann::json definition;  // PutMetricAlarm input as given (JSON shape, normalised types)
  std::string name;
  std::string arn;
  AlarmState state = AlarmState::kInsufficientData;
  std::string state_reason = "Unchecked: Initial alarm creation";
  std::string state_reason_data;
  double state_updated = 0;
  double state_transitioned = 0;
  double configuration_updated = 0;
  bool actions_enabled = true;
  std::vector<HistoryItem> history;  // oldest first
};

}  // namespace kwb::emulator::cloudwatch
