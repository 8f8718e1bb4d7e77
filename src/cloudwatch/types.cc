#include "cloudwatch/types.h"

#include <array>
#include <utility>

namespace kwb::cloudwatch {
namespace {

// One table per enum, so to_string and parse cannot drift apart.
template <typename E, std::size_t N>
using NameTable = std::array<std::pair<E, std::string_view>, N>;

constexpr NameTable<ComparisonOperator, 7> kComparisonOperators{{
    {ComparisonOperator::kGreaterThanOrEqualToThreshold, "GreaterThanOrEqualToThreshold"},
    {ComparisonOperator::kGreaterThanThreshold, "GreaterThanThreshold"},
    {ComparisonOperator::kLessThanThreshold, "LessThanThreshold"},
    {ComparisonOperator::kLessThanOrEqualToThreshold, "LessThanOrEqualToThreshold"},
    {ComparisonOperator::kLessThanLowerOrGreaterThanUpperThreshold, "LessThanLowerOrGreaterThanUpperThreshold"},
    {ComparisonOperator::kLessThanLowerThreshold, "LessThanLowerThreshold"},
    {ComparisonOperator::kGreaterThanUpperThreshold, "GreaterThanUpperThreshold"},
}};

constexpr NameTable<TreatMissingData, 4> kTreatMissingData{{
    {TreatMissingData::kMissing, "missing"},
    {TreatMissingData::kIgnore, "ignore"},
    {TreatMissingData::kBreaching, "breaching"},
    {TreatMissingData::kNotBreaching, "notBreaching"},
}};

constexpr NameTable<AlarmState, 3> kAlarmStates{{
    {AlarmState::kOk, "OK"},
    {AlarmState::kAlarm, "ALARM"},
    {AlarmState::kInsufficientData, "INSUFFICIENT_DATA"},
}};

constexpr NameTable<StatusCode, 4> kStatusCodes{{
    {StatusCode::kComplete, "Complete"},
    {StatusCode::kPartialData, "PartialData"},
    {StatusCode::kInternalError, "InternalError"},
    {StatusCode::kForbidden, "Forbidden"},
}};

constexpr NameTable<ScanBy, 2> kScanBy{{
    {ScanBy::kTimestampDescending, "TimestampDescending"},
    {ScanBy::kTimestampAscending, "TimestampAscending"},
}};

template <typename E, std::size_t N>
std::string_view name_of(const NameTable<E, N>& table, E value) {
  for (const auto& [e, name] : table) {
    if (e == value) return name;
  }
  return "?";
}

template <typename E, std::size_t N>
Result<E> parse_name(const NameTable<E, N>& table, std::string_view text, std::string_view what) {
  for (const auto& [e, name] : table) {
    if (name == text) return e;
  }
  return Error::parse("unknown " + std::string(what) + " '" + std::string(text) + "'");
}

}  // namespace

std::string_view to_string(ComparisonOperator value) { return name_of(kComparisonOperators, value); }
std::string_view to_string(TreatMissingData value) { return name_of(kTreatMissingData, value); }
std::string_view to_string(AlarmState value) { return name_of(kAlarmStates, value); }
std::string_view to_string(StatusCode value) { return name_of(kStatusCodes, value); }
std::string_view to_string(ScanBy value) { return name_of(kScanBy, value); }

Result<ComparisonOperator> parse_comparison_operator(std::string_view text) {
  return parse_name(kComparisonOperators, text, "ComparisonOperator");
}
Result<TreatMissingData> parse_treat_missing_data(std::string_view text) {
  return parse_name(kTreatMissingData, text, "TreatMissingData");
}
Result<AlarmState> parse_alarm_state(std::string_view text) { return parse_name(kAlarmStates, text, "StateValue"); }
Result<StatusCode> parse_status_code(std::string_view text) { return parse_name(kStatusCodes, text, "StatusCode"); }

bool is_valid_query_id(std::string_view id) {
  if (id.empty() || id.size() > 255) return false;
  if (id[0] < 'a' || id[0] > 'z') return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace kwb::cloudwatch
