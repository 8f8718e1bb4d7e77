#pragma once
// CloudWatch statistics by name: SampleCount, Average, Sum, Minimum, Maximum and the percentile
// extended statistics p0.0 ... p100 (up to two decimals, CloudWatch's pattern), computed from a
// bucket Aggregate.
//
// Thread safety: plain functions and values.

#include <optional>
#include <string>
#include <string_view>

#include "emulator/cloudwatch/metric_store.h"

namespace kwb::emulator::cloudwatch {

struct Statistic {
  enum class Kind { kSampleCount, kAverage, kSum, kMinimum, kMaximum, kPercentile };
  Kind kind = Kind::kSum;
  double percentile = 0;  // kPercentile only
  std::string name;       // as given ("p99", "Maximum")
};

// One of the five standard statistics; nullopt otherwise.
std::optional<Statistic> parse_standard_statistic(std::string_view text);
// "p99", "p99.9", "p50.25", "p100"; nullopt otherwise.
std::optional<Statistic> parse_extended_statistic(std::string_view text);
// Either kind (GetMetricData's Stat, alarms).
std::optional<Statistic> parse_statistic(std::string_view text);

double compute(const Statistic& statistic, const Aggregate& aggregate);

}  // namespace kwb::emulator::cloudwatch
