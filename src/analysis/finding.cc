#include "analysis/finding.h"

#include <algorithm>
#include <array>
#include <utility>

namespace kwb::analysis {

namespace {

using nlohmann::json;

constexpr std::array<std::pair<Category, std::string_view>, 5> kCategories{{
    {Category::kLatency, "latency"},
    {Category::kDataLoss, "data_loss"},
    {Category::kThroughput, "throughput"},
    {Category::kCost, "cost"},
    {Category::kConfiguration, "configuration"},
}};

constexpr std::array<std::pair<Severity, std::string_view>, 3> kSeverities{{
    {Severity::kInfo, "info"},
    {Severity::kWarning, "warning"},
    {Severity::kCritical, "critical"},
}};

json time_or_null(const std::optional<SystemTimePoint>& at) {
  return at ? json(format_iso8601_millis(*at)) : json(nullptr);
}

}  // namespace

std::string_view to_string(Category category) {
  for (const auto& [value, name] : kCategories) {
    if (value == category) return name;
  }
  return "configuration";
}

std::string_view to_string(Severity severity) {
  for (const auto& [value, name] : kSeverities) {
    if (value == severity) return name;
  }
  return "info";
}

Result<Category> parse_category(std::string_view text) {
  for (const auto& [value, name] : kCategories) {
    if (name == text) return value;
  }
  return Error::parse("unknown finding category '" + std::string(text) + "'");
}

Result<Severity> parse_severity(std::string_view text) {
  for (const auto& [value, name] : kSeverities) {
    if (name == text) return value;
  }
  return Error::parse("unknown finding severity '" + std::string(text) + "'");
}

json to_json(const Evidence& evidence) {
  return {{"metric", evidence.metric},
          {"statistic", evidence.statistic},
          {"value", evidence.value},
          {"threshold", evidence.threshold ? json(*evidence.threshold) : json(nullptr)},
          {"period", evidence.period_seconds},
          {"at", time_or_null(evidence.at)}};
}

json to_json(const Finding& finding) {
  json evidence = json::array();
  for (const auto& e : finding.evidence) evidence.push_back(to_json(e));
  return {{"id", finding.id},
          {"stream", finding.stream},
          {"category", std::string(to_string(finding.category))},
          {"severity", std::string(to_string(finding.severity))},
          {"title", finding.title},
          {"evidence", evidence},
          {"explanation", finding.explanation},
          {"recommendation", finding.recommendation}};
}

Result<Finding> finding_from_json(const json& doc) {
  if (!doc.is_object()) return Error::parse("finding: expected an object");
  auto text = [&](const char* name) -> Result<std::string> {
    auto it = doc.find(name);
    if (it == doc.end() || !it->is_string()) return Error::parse(std::string("finding: '") + name + "' must be a string");
    return it->get<std::string>();
  };
  Finding f;
  for (auto [name, target] : {std::pair{"id", &f.id}, {"stream", &f.stream}, {"title", &f.title},
                              {"explanation", &f.explanation}, {"recommendation", &f.recommendation}}) {
    auto value = text(name);
    if (!value) return value.error();
    *target = std::move(*value);
  }
  auto category = text("category");
  if (!category) return category.error();
  auto parsed_category = parse_category(*category);
  if (!parsed_category) return parsed_category.error();
  f.category = *parsed_category;
  auto severity = text("severity");
  if (!severity) return severity.error();
  auto parsed_severity = parse_severity(*severity);
  if (!parsed_severity) return parsed_severity.error();
  f.severity = *parsed_severity;
  auto evidence = doc.find("evidence");
  if (evidence == doc.end() || !evidence->is_array()) return Error::parse("finding: 'evidence' must be an array");
  for (const auto& e : *evidence) {
    if (!e.is_object() || !e.contains("metric") || !e["metric"].is_string() || !e.contains("value") ||
        !e["value"].is_number()) {
      return Error::parse("finding: each evidence needs a string 'metric' and a numeric 'value'");
    }
    Evidence out;
    out.metric = e["metric"].get<std::string>();
    out.statistic = e.value("statistic", "");
    out.value = e["value"].get<double>();
    if (e.contains("threshold") && e["threshold"].is_number()) out.threshold = e["threshold"].get<double>();
    out.period_seconds = e.value("period", 0);
    if (e.contains("at") && e["at"].is_string()) {
      SystemTimePoint at;
      if (!parse_iso8601(e["at"].get<std::string>(), at)) return Error::parse("finding: 'at' is not ISO 8601");
      out.at = at;
    }
    f.evidence.push_back(std::move(out));
  }
  return f;
}

void sort_findings(std::vector<Finding>& findings) {
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    if (a.severity != b.severity) return a.severity > b.severity;
    if (a.category != b.category) return a.category < b.category;
    return a.id < b.id;
  });
}

}  // namespace kwb::analysis
