#include "emulator/cloudwatch/statistics.h"

#include <cctype>
#include <charconv>

namespace kwb::emulator::cloudwatch {

std::optional<Statistic> parse_standard_statistic(std::string_view text) {
  using K = Statistic::Kind;
  static const std::pair<std::string_view, K> kNames[] = {
      {"SampleCount", K::kSampleCount}, {"Average", K::kAverage}, {"Sum", K::kSum},
      {"Minimum", K::kMinimum},         {"Maximum", K::kMaximum}};
  for (const auto& [name, kind] : kNames) {
    if (text == name) return Statistic{kind, 0, std::string(text)};
  }
  return std::nullopt;
}

std::optional<Statistic> parse_extended_statistic(std::string_view text) {
  // p(\d{1,2}(\.\d{0,2})?|100)
  if (text.size() < 2 || text[0] != 'p') return std::nullopt;
  const std::string_view number = text.substr(1);
  if (number == "100") return Statistic{Statistic::Kind::kPercentile, 100, std::string(text)};
  const auto dot = number.find('.');
  const std::string_view whole = number.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? std::string_view() : number.substr(dot + 1);
  if (whole.empty() || whole.size() > 2 || fraction.size() > 2) return std::nullopt;
  for (char c : whole) if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  for (char c : fraction) if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  double value = 0;
  for (char c : whole) value = value * 10 + (c - '0');
  double scale = 0.1;
  for (char c : fraction) value += (c - '0') * scale, scale /= 10;
  return Statistic{Statistic::Kind::kPercentile, value, std::string(text)};
}

std::optional<Statistic> parse_statistic(std::string_view text) {
  if (auto standard = parse_standard_statistic(text)) return standard;
  return parse_extended_statistic(text);
}

double compute(const Statistic& statistic, const Aggregate& aggregate) {
  switch (statistic.kind) {
    case Statistic::Kind::kSampleCount: return aggregate.count;
    case Statistic::Kind::kAverage: return aggregate.count > 0 ? aggregate.sum / aggregate.count : 0;
    case Statistic::Kind::kSum: return aggregate.sum;
    case Statistic::Kind::kMinimum: return aggregate.min;
    case Statistic::Kind::kMaximum: return aggregate.max;
    case Statistic::Kind::kPercentile: return aggregate.percentile(statistic.percentile).value_or(0);
  }
  return 0;
}

}  // namespace kwb::emulator::cloudwatch
