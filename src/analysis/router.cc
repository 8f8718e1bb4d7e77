#include "analysis/router.h"

#include <algorithm>
#include <cstdio>

namespace kwb::analysis {

namespace {

using nlohmann::json;

std::string money(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "$%.2f", value);
  return buffer;
}

std::string steps_text(const ShardRecommendation& r) {
  if (r.steps.empty()) return "none";
  std::string text = std::to_string(r.current_shard_count);
  for (int step : r.steps) text += " → " + std::to_string(step);
  return text;
}

std::string evidence_text(const Evidence& e) {
  char value[64];
  std::snprintf(value, sizeof value, "%.6g", e.value);
  std::string text = e.metric + " " + e.statistic + " = " + value;
  if (e.threshold) {
    char threshold[64];
    std::snprintf(threshold, sizeof threshold, "%.6g", *e.threshold);
    text += " (threshold " + std::string(threshold) + ")";
  }
  if (e.at) text += " at " + format_iso8601_millis(*e.at);
  return text;
}

// "would have fired at 2026-11-30T10:05:00.000Z, 35 min in ALARM (2 times)" or "quiet (180 datapoints)".
std::string backtest_text(const AlarmBacktest& b) {
  if (!b.evaluated) return "not replayed: " + b.not_evaluated_reason;
  const std::string precision = b.approximate ? ", approximate at " + std::to_string(b.resolution_seconds) + " s" : "";
  if (!b.would_fire && b.datapoints == 0) return "quiet: no datapoints in the window";
  if (!b.would_fire) {
    return "quiet (" + std::to_string(b.datapoints) + " datapoints, " + std::to_string(b.breaching_datapoints) +
           " breaching" + precision + ")";
  }
  char minutes[32];
  std::snprintf(minutes, sizeof minutes, "%.0f", static_cast<double>(b.time_in_alarm.count()) / 60.0);
  return "would have fired at " + format_iso8601_millis(*b.first_alarm_at) + ", " + minutes + " min in ALARM (" +
         std::to_string(b.times_fired) + (b.times_fired == 1 ? " time" : " times") + precision + ")";
}

std::string mode_text(CapacityMode mode) { return mode == CapacityMode::kOnDemand ? "ON_DEMAND" : "PROVISIONED"; }

}  // namespace

std::string_view to_string(AnalyzerChoice choice) {
  switch (choice) {
    case AnalyzerChoice::kAuto: return "auto";
    case AnalyzerChoice::kRules: return "rules";
    case AnalyzerChoice::kLlm: return "llm";
  }
  return "auto";
}

Result<AnalyzerChoice> parse_analyzer_choice(std::string_view text) {
  if (text == "auto") return AnalyzerChoice::kAuto;
  if (text == "rules") return AnalyzerChoice::kRules;
  if (text == "llm") return AnalyzerChoice::kLlm;
  return Error::invalid_input("--analyzer", "--analyzer must be auto, rules or llm, got '" + std::string(text) + "'");
}

std::vector<Finding> AnalysisReport::all_findings() const {
  std::vector<Finding> out;
  for (const auto& s : streams) out.insert(out.end(), s.findings.begin(), s.findings.end());
  sort_findings(out);
  return out;
}

Router::Router(RouterOptions options, LlmAnalyzer* llm, Clock& clock)
    : options_(std::move(options)), llm_(llm), clock_(clock) {}

AnalysisReport Router::analyze(const std::vector<StreamSnapshot>& snapshots, AnalyzerChoice choice) {
  AnalysisReport report;
  report.generated_at = clock_.now();
  report.requested = choice;
  report.price_label = options_.rules.sizing.prices.label;
  for (const auto& snapshot : snapshots) {
    StreamAnalysis analysis;
    analysis.findings = run_rules(snapshot, options_.rules);
    analysis.sizing = recommend_shards(snapshot, options_.rules.sizing);
    analysis.alarms = recommend_alarms(snapshot, options_.rules, options_.alarms);
    for (const auto& alarm : analysis.alarms) analysis.alarm_backtests.push_back(backtest_alarm(alarm, snapshot));
    analysis.snapshot = snapshot;
    analysis.snapshot.metrics.clear();
    analysis.snapshot.shard_metrics.clear();
    report.streams.push_back(std::move(analysis));
  }
  if (choice == AnalyzerChoice::kRules) return report;
  if (llm_ == nullptr) {
    // auto without an LLM is simply the rules; only an explicit llm request is a fallback.
    if (choice == AnalyzerChoice::kLlm) report.fallback_reason = "not_configured: no LLM endpoint (set KWB_LLM_BASE_URL)";
    return report;
  }
  if (choice == AnalyzerChoice::kAuto) {
    std::lock_guard lock(mutex_);
    if (unhealthy_until_ && clock_.steady_now() < *unhealthy_until_) {
      report.fallback_reason = "unhealthy: " + last_failure_;
      return report;
    }
  }
  auto insights = llm_->analyze(snapshots, report.all_findings());
  if (!insights) {
    const Error& e = insights.error();
    report.fallback_reason = (e.code.empty() ? std::string("error") : e.code) + ": " + e.message;
    std::lock_guard lock(mutex_);
    unhealthy_until_ = clock_.steady_now() + options_.unhealthy_cooldown;
    last_failure_ = *report.fallback_reason;
    return report;
  }
  {
    std::lock_guard lock(mutex_);
    unhealthy_until_.reset();
  }
  report.analyzer = "llm";
  report.insights = std::move(*insights);
  return report;
}

json to_json(const AnalysisReport& report) {
  json streams = json::array();
  for (const auto& s : report.streams) {
    json findings = json::array();
    for (const auto& f : s.findings) findings.push_back(to_json(f));
    json alarms = json::array();
    for (std::size_t i = 0; i < s.alarms.size(); ++i) {
      json alarm = to_json(s.alarms[i]);
      if (i < s.alarm_backtests.size()) alarm["backtest"] = to_json(s.alarm_backtests[i]);
      alarms.push_back(std::move(alarm));
    }
    json sizing = to_json(s.sizing);
    streams.push_back({{"stream", s.snapshot.stream_name},
                       {"stream_arn", s.snapshot.stream_arn},
                       {"mode", mode_text(s.snapshot.mode)},
                       {"open_shard_count", s.snapshot.open_shard_count},
                       {"retention_hours", s.snapshot.retention_hours},
                       {"encrypted", s.snapshot.encrypted},
                       {"enhanced_monitoring", s.snapshot.shard_level_metrics},
                       {"consumer_count", s.snapshot.consumer_count},
                       {"window", {{"start", format_iso8601_millis(s.snapshot.window_start)},
                                   {"end", format_iso8601_millis(s.snapshot.window_end)},
                                   {"period", s.snapshot.period_seconds}}},
                       {"findings", findings},
                       {"recommended_shard_count", s.sizing.recommended_shard_count},
                       {"sizing", sizing},
                       {"alarms", alarms}});
  }
  json out = {{"generated_at", format_iso8601_millis(report.generated_at)},
              {"analyzer", report.analyzer},
              {"requested_analyzer", std::string(to_string(report.requested))},
              {"fallback_reason", report.fallback_reason ? json(*report.fallback_reason) : json(nullptr)},
              {"prices", report.price_label},
              {"streams", streams},
              {"insights", report.insights ? to_json(*report.insights) : json(nullptr)}};
  return out;
}

void render_table(std::ostream& out, const AnalysisReport& report) {
  out << "analyzer: " << report.analyzer;
  if (report.fallback_reason) out << " (fell back: " << *report.fallback_reason << ")";
  out << "\n";
  for (const auto& s : report.streams) {
    const auto& r = s.sizing;
    out << "\n== " << s.snapshot.stream_name << "  " << mode_text(s.snapshot.mode) << ", " << s.snapshot.open_shard_count
        << " shards, retention " << s.snapshot.retention_hours << " h\n";
    if (s.findings.empty()) out << "  no findings\n";
    for (const auto& f : s.findings) {
      char severity[16];
      std::snprintf(severity, sizeof severity, "%-8s", std::string(to_string(f.severity)).c_str());
      out << "  " << severity << " " << to_string(f.category) << "  " << f.title << "\n";
      for (const auto& e : f.evidence) out << "             - " << evidence_text(e) << "\n";
      out << "             → " << f.recommendation << "\n";
    }
    out << "  shards: " << r.current_shard_count << " → recommended " << r.recommended_shard_count
        << " (steps: " << steps_text(r) << ")\n";
    out << "  monthly cost: provisioned " << money(r.cost_before.provisioned) << " → " << money(r.cost_after.provisioned)
        << ", on-demand " << money(r.cost_after.on_demand) << "  [" << r.price_label << "]\n";
    out << "  alarms, replayed over this window:\n";
    std::size_t name_width = 0;
    for (const auto& a : s.alarms) name_width = std::max(name_width, a.alarm_name.size());
    for (std::size_t i = 0; i < s.alarms.size(); ++i) {
      const std::string& name = s.alarms[i].alarm_name;
      out << "    " << name << std::string(name_width - name.size() + 2, ' ')
          << (i < s.alarm_backtests.size() ? backtest_text(s.alarm_backtests[i]) : std::string("not replayed")) << "\n";
    }
  }
  if (report.insights) {
    out << "\nLLM summary (" << report.insights->model << "): " << report.insights->summary << "\n";
    for (const auto& a : report.insights->actions) out << "  " << a.priority << ". " << a.action << "\n";
    for (const auto& h : report.insights->hypotheses) {
      std::string ids;
      for (const auto& id : h.finding_ids) ids += (ids.empty() ? "" : ", ") + id;
      out << "  hypothesis: " << h.hypothesis << " [" << ids << "]\n";
    }
  }
}

void render_markdown(std::ostream& out, const AnalysisReport& report) {
  out << "# Kinesis analysis\n\n";
  out << "Generated " << format_iso8601_millis(report.generated_at) << " by the **" << report.analyzer << "** analyzer";
  if (report.fallback_reason) out << " (LLM fallback: " << *report.fallback_reason << ")";
  out << ". Prices: " << report.price_label << ".\n";
  if (report.insights) {
    out << "\n## Summary\n\n" << report.insights->summary << "\n\n";
    for (const auto& a : report.insights->actions) out << a.priority << ". " << a.action << "\n";
    if (!report.insights->hypotheses.empty()) out << "\n**Root-cause hypotheses**\n\n";
    for (const auto& h : report.insights->hypotheses) {
      std::string ids;
      for (const auto& id : h.finding_ids) ids += (ids.empty() ? "`" : ", `") + id + "`";
      out << "- " << h.hypothesis << " (" << ids << ")\n";
    }
  }
  for (const auto& s : report.streams) {
    const auto& r = s.sizing;
    out << "\n## " << s.snapshot.stream_name << "\n\n";
    out << mode_text(s.snapshot.mode) << ", " << s.snapshot.open_shard_count << " shards, retention "
        << s.snapshot.retention_hours << " h. Recommended shards: **" << r.recommended_shard_count << "** (steps: "
        << steps_text(r) << "). Monthly cost: provisioned " << money(r.cost_before.provisioned) << " → "
        << money(r.cost_after.provisioned) << ", on-demand " << money(r.cost_after.on_demand) << ".\n\n";
    if (s.findings.empty()) {
      out << "No findings.\n";
    } else {
      out << "| severity | category | finding | evidence | recommendation |\n|---|---|---|---|---|\n";
      for (const auto& f : s.findings) {
        std::string evidence;
        for (const auto& e : f.evidence) evidence += (evidence.empty() ? "" : "<br>") + evidence_text(e);
        out << "| " << to_string(f.severity) << " | " << to_string(f.category) << " | " << f.title << " | " << evidence
            << " | " << f.recommendation << " |\n";
      }
    }
    out << "\n| alarm | replayed over this window |\n|---|---|\n";
    for (std::size_t i = 0; i < s.alarms.size(); ++i) {
      out << "| `" << s.alarms[i].alarm_name << "` | "
          << (i < s.alarm_backtests.size() ? backtest_text(s.alarm_backtests[i]) : std::string("not replayed")) << " |\n";
    }
  }
}

}  // namespace kwb::analysis
