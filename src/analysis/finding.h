#pragma once
// The analysis result vocabulary: a Finding is one thing worth telling an operator about a stream,
// with the metric evidence that triggered it. Every number in a finding comes from the rules
// analyzer (rules.h); the LLM analyzer may add prose around findings but never evidence.
//
// Plain data; safe to copy between threads. JSON shape (stable, consumed by the CLI, the REST API
// and the store):
//   {id, stream, category, severity, title,
//    evidence: [{metric, statistic, value, threshold, period, at}], explanation, recommendation}

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace kwb::analysis {

enum class Category { kLatency, kDataLoss, kThroughput, kCost, kConfiguration };
enum class Severity { kInfo, kWarning, kCritical };

std::string_view to_string(Category category);  // "latency", "data_loss", ...
std::string_view to_string(Severity severity);  // "info", "warning", "critical"
Result<Category> parse_category(std::string_view text);
Result<Severity> parse_severity(std::string_view text);

// One observed number and the limit it was compared with.
struct Evidence {
  std::string metric;     // CloudWatch metric name, or a derived name such as "WriteUtilisation.Bytes"
  std::string statistic;  // Maximum, Sum, Average, p95, slope, ...
  double value = 0;
  std::optional<double> threshold;
  int period_seconds = 0;  // the period of the datapoints behind `value`; 0 for non-metric facts
  std::optional<SystemTimePoint> at;  // when the value was observed (the datapoint's timestamp)
};

struct Finding {
  // "<rule>:<stream>", stable across runs so findings can be compared and cited (the LLM
  // analyzer's root-cause hypotheses cite these ids).
  std::string id;
  std::string stream;
  Category category = Category::kConfiguration;
  Severity severity = Severity::kInfo;
  std::string title;
  std::vector<Evidence> evidence;
  std::string explanation;     // why this matters
  std::string recommendation;  // what to do
};

nlohmann::json to_json(const Evidence& evidence);
nlohmann::json to_json(const Finding& finding);
// The inverse of to_json; kParse naming the member on a malformed document.
Result<Finding> finding_from_json(const nlohmann::json& json);

// Most severe first, then by category, then by id: the order every output uses.
void sort_findings(std::vector<Finding>& findings);

}  // namespace kwb::analysis
