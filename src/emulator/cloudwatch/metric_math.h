#pragma once
// CloudWatch metric math, the subset the emulator evaluates: numbers, query ids, + - * /, unary
// minus, parentheses, SUM/AVG/MIN/MAX (of an array of series: point by point; of one series: one
// value), RATE (change per second between consecutive points) and METRICS() / METRICS('text')
// (every MetricStat query, or those whose id or label contains the text).
//
// Series are aligned on period start timestamps; a binary operation on two series keeps the
// timestamps both have, and a scalar result is reported at every timestamp of the grid. Points that
// come out non-finite (division by zero) are dropped, as CloudWatch drops them.
//
// Thread safety: plain functions.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace kwb::emulator::cloudwatch {

struct TimeSeries {
  std::string id;
  std::string label;
  std::vector<std::int64_t> timestamps;  // ascending, epoch seconds
  std::vector<double> values;
};

struct MathInputs {
  std::map<std::string, TimeSeries, std::less<>> by_id;  // every query evaluated so far
  std::vector<std::string> metric_ids;                     // MetricStat queries, request order
  std::vector<std::int64_t> grid;                          // every period start in the range
};

// One or more series (METRICS() yields several). Errors are ValidationError with CloudWatch's
// "Error in expression <id>: ..." wording.
Result<std::vector<TimeSeries>> evaluate_expression(std::string_view id, std::string_view expression,
                                                    const MathInputs& inputs);

// Ids the expression refers to (for ordering and cycle checks); METRICS() counts as all metrics.
std::vector<std::string> referenced_ids(std::string_view expression);

}  // namespace kwb::emulator::cloudwatch
