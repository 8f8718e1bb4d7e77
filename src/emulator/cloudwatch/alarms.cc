#include "emulator/cloudwatch/alarms.h"

#include <algorithm>

namespace kwb::emulator::cloudwatch {

std::string_view to_string(AlarmState state) {
  switch (state) {
    case AlarmState::kOk: return "OK";
    case AlarmState::kAlarm: return "ALARM";
    case AlarmState::kInsufficientData: return "INSUFFICIENT_DATA";
  }
  return "INSUFFICIENT_DATA";
}

std::string_view to_string(Comparison comparison) {
  switch (comparison) {
    case Comparison::kGreaterOrEqual: return "GreaterThanOrEqualToThreshold";
    case Comparison::kGreater: return "GreaterThanThreshold";
    case Comparison::kLess: return "LessThanThreshold";
    case Comparison::kLessOrEqual: return "LessThanOrEqualToThreshold";
  }
  return "GreaterThanThreshold";
}

std::string_view to_string(MissingData treatment) {
  switch (treatment) {
    case MissingData::kMissing: return "missing";
    case MissingData::kIgnore: return "ignore";
    case MissingData::kBreaching: return "breaching";
    case MissingData::kNotBreaching: return "notBreaching";
  }
  return "missing";
}

std::optional<AlarmState> parse_alarm_state(std::string_view text) {
  for (AlarmState s : {AlarmState::kOk, AlarmState::kAlarm, AlarmState::kInsufficientData}) {
    if (to_string(s) == text) return s;
  }
  return std::nullopt;
}

std::optional<Comparison> parse_comparison(std::string_view text) {
  for (Comparison c : {Comparison::kGreaterOrEqual, Comparison::kGreater, Comparison::kLess, Comparison::kLessOrEqual}) {
    if (to_string(c) == text) return c;
  }
  return std::nullopt;
}

std::optional<MissingData> parse_missing_data(std::string_view text) {
  for (MissingData m : {MissingData::kMissing, MissingData::kIgnore, MissingData::kBreaching, MissingData::kNotBreaching}) {
    if (to_string(m) == text) return m;
  }
  return std::nullopt;
}

bool breaches(Comparison comparison, double value, double threshold) {
  switch (comparison) {
    case Comparison::kGreaterOrEqual: return value >= threshold;
    case Comparison::kGreater: return value > threshold;
    case Comparison::kLess: return value < threshold;
    case Comparison::kLessOrEqual: return value <= threshold;
  }
  return false;
}

EvaluationResult evaluate(const EvaluationInput& input) {
  EvaluationResult result;
  int missing = 0;
  for (const auto& value : input.values) {
    if (!value) {
      ++missing;
      continue;
    }
    ++result.present;
    if (breaches(input.comparison, *value, input.threshold)) ++result.breaching;
  }
  const int needed = std::max(1, input.datapoints_to_alarm);
  switch (input.missing) {
    case MissingData::kBreaching:
      result.breaching += missing;
      result.state = result.breaching >= needed ? AlarmState::kAlarm : AlarmState::kOk;
      return result;
    case MissingData::kNotBreaching:
      result.state = result.breaching >= needed ? AlarmState::kAlarm : AlarmState::kOk;
      return result;
    case MissingData::kMissing:
    case MissingData::kIgnore:
      if (result.present == 0) {
        result.state = input.missing == MissingData::kMissing ? AlarmState::kInsufficientData : input.current;
        return result;
      }
      result.state = result.breaching >= std::min(needed, result.present) ? AlarmState::kAlarm : AlarmState::kOk;
      return result;
  }
  return result;
}

}  // namespace kwb::emulator::cloudwatch
