#pragma once
// The router: runs the rules on every snapshot and, when asked and able, the LLM analyzer on top,
// and puts everything into one AnalysisReport.
//
//   analyzer = rules  the rules only.
//   analyzer = llm    the rules, then the LLM; any LLM failure falls back to the rules' result.
//   analyzer = auto   as llm when an LLM is configured and healthy, else as rules.
//
// "Healthy" means the last LLM call did not fail within `unhealthy_cooldown` (injected clock), so a
// bulk run against a dead endpoint pays one timeout, not one per request. Every report records
// which analyzer produced it and, after a fallback, why ("timeout: ...", "http_error: ...",
// "invalid_json: ...", "schema_mismatch: ...", "not_configured", "unhealthy: ...").
//
// The findings, evidence, shard recommendation, costs and alarms always come from the rules; the
// LLM only adds `insights` (summary, actions, hypotheses citing finding ids).
//
// Ownership: owns the rules config; borrows the LLM analyzer (nullable) and the clock, which must
// outlive it. Thread-safe: analyze() may be called concurrently.

#include <nlohmann/json.hpp>

#include <chrono>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "analysis/alarms.h"
#include "analysis/finding.h"
#include "analysis/llm.h"
#include "analysis/rules.h"
#include "analysis/sizing.h"
#include "analysis/snapshot.h"
#include "cloudwatch/types.h"
#include "core/clock.h"

namespace kwb::analysis {

enum class AnalyzerChoice { kAuto, kRules, kLlm };
std::string_view to_string(AnalyzerChoice choice);
Result<AnalyzerChoice> parse_analyzer_choice(std::string_view text);  // kInvalidInput naming --analyzer

struct StreamAnalysis {
  StreamSnapshot snapshot;  // configuration and window; metric series dropped from the report
  std::vector<Finding> findings;
  ShardRecommendation sizing;
  std::vector<cloudwatch::MetricAlarm> alarms;
  std::vector<AlarmBacktest> alarm_backtests;  // one per alarm, same order: replayed over the window
};

struct AnalysisReport {
  SystemTimePoint generated_at;
  AnalyzerChoice requested = AnalyzerChoice::kAuto;
  std::string analyzer = "rules";              // what produced the report: "rules" or "llm"
  std::optional<std::string> fallback_reason;  // set when the LLM was wanted but not used
  std::vector<StreamAnalysis> streams;
  std::optional<LlmInsights> insights;
  std::string price_label;

  [[nodiscard]] std::vector<Finding> all_findings() const;
};

struct RouterOptions {
  RulesConfig rules;
  AlarmOptions alarms;
  std::chrono::seconds unhealthy_cooldown{300};
};

class Router {
 public:
  // llm may be null (no LLM configured). REQUIRES: llm and clock outlive the router.
  Router(RouterOptions options, LlmAnalyzer* llm, Clock& clock);

  AnalysisReport analyze(const std::vector<StreamSnapshot>& snapshots, AnalyzerChoice choice);

 private:
  RouterOptions options_;
  LlmAnalyzer* llm_;
  Clock& clock_;
  std::mutex mutex_;
  std::optional<std::chrono::steady_clock::time_point> unhealthy_until_;  // GUARDED_BY(mutex_)
  std::string last_failure_;                                               // GUARDED_BY(mutex_)
};

nlohmann::json to_json(const AnalysisReport& report);
// For people: one block per stream with its findings and sizing, then alarms and LLM insights.
void render_table(std::ostream& out, const AnalysisReport& report);
void render_markdown(std::ostream& out, const AnalysisReport& report);

}  // namespace kwb::analysis
