#include "loadtest/profile.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/strings.h"

namespace kwb::loadtest {

namespace {

Result<double> parse_number(std::string_view text, const std::string& field, const std::string& what) {
  text = trim(text);
  double value = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(value) || value < 0) {
    return Error::invalid_input(field, "expected " + what + ", got '" + std::string(text) + "'");
  }
  return value;
}

}  // namespace

Result<Seconds> parse_duration(std::string_view text, const std::string& field) {
  text = trim(text);
  double scale = 1;
  std::string_view number = text;
  auto ends_with = [&](std::string_view suffix) {
    return text.size() > suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
  };
  if (ends_with("ms")) {
    scale = 0.001;
    number = text.substr(0, text.size() - 2);
  } else if (ends_with("s")) {
    number = text.substr(0, text.size() - 1);
  } else if (ends_with("m")) {
    scale = 60;
    number = text.substr(0, text.size() - 1);
  } else if (ends_with("h")) {
    scale = 3600;
    number = text.substr(0, text.size() - 1);
  }
  auto value = parse_number(number, field, "a duration such as 30s, 500ms or 2m");
  if (!value) return value.error();
  return Seconds(*value * scale);
}

Result<double> parse_rate(std::string_view text, const std::string& field) {
  text = trim(text);
  double scale = 1;
  if (!text.empty() && (text.back() == 'k' || text.back() == 'K')) {
    scale = 1000;
    text.remove_suffix(1);
  }
  auto value = parse_number(text, field, "a rate in records/s such as 2000 or 2.5k");
  if (!value) return value.error();
  return *value * scale;
}

Result<RateProfile> RateProfile::parse(std::string_view text, double rate, Seconds duration) {
  const std::string field = "--profile";
  const double total = duration.count();
  if (!(total > 0)) return Error::invalid_input("--duration", "the duration must be greater than zero");
  const std::string spec(trim(text));
  const auto colon = spec.find(':');
  const std::string kind = spec.substr(0, colon);
  const std::string args = colon == std::string::npos ? "" : spec.substr(colon + 1);
  std::vector<Segment> segments;

  if (kind == "constant") {
    double r = rate;
    if (!args.empty()) {
      auto parsed = parse_rate(args, field);
      if (!parsed) return parsed.error();
      r = *parsed;
    }
    segments.push_back({0, total, r, r});
  } else if (kind == "ramp") {
    const auto dots = args.find("..");
    if (dots == std::string::npos) return Error::invalid_input(field, "ramp is ramp:A..B, e.g. ramp:100..5000");
    auto from = parse_rate(args.substr(0, dots), field);
    if (!from) return from.error();
    auto to = parse_rate(args.substr(dots + 2), field);
    if (!to) return to.error();
    segments.push_back({0, total, *from, *to});
  } else if (kind == "step") {
    if (args.empty()) return Error::invalid_input(field, "step is step:R1@D1,R2@D2,..., e.g. step:1000@10s,3000@20s");
    double t = 0;
    double last_rate = 0;
    for (const std::string& item : split(args, ',')) {
      const auto at = item.find('@');
      if (at == std::string::npos) {
        return Error::invalid_input(field, "each step is RATE@DURATION, e.g. 1000@10s, got '" + item + "'");
      }
      auto r = parse_rate(item.substr(0, at), field);
      if (!r) return r.error();
      auto d = parse_duration(item.substr(at + 1), field);
      if (!d) return d.error();
      const double end = std::min(total, t + d->count());
      if (end > t) segments.push_back({t, end, *r, *r});
      t = end;
      last_rate = *r;
    }
    if (t < total) segments.push_back({t, total, last_rate, last_rate});
  } else if (kind == "spike") {
    // BASE,PEAK@T+D
    const auto comma = args.find(',');
    const auto at = args.find('@');
    const auto plus = args.find('+', at == std::string::npos ? 0 : at);
    if (comma == std::string::npos || at == std::string::npos || plus == std::string::npos || !(comma < at)) {
      return Error::invalid_input(field, "spike is spike:BASE,PEAK@T+D, e.g. spike:1000,5000@10s+5s");
    }
    auto base = parse_rate(args.substr(0, comma), field);
    if (!base) return base.error();
    auto peak = parse_rate(args.substr(comma + 1, at - comma - 1), field);
    if (!peak) return peak.error();
    auto start = parse_duration(args.substr(at + 1, plus - at - 1), field);
    if (!start) return start.error();
    auto length = parse_duration(args.substr(plus + 1), field);
    if (!length) return length.error();
    const double s = std::min(total, start->count());
    const double e = std::min(total, s + length->count());
    if (s > 0) segments.push_back({0, s, *base, *base});
    if (e > s) segments.push_back({s, e, *peak, *peak});
    if (total > e) segments.push_back({e, total, *base, *base});
  } else {
    return Error::invalid_input(field, "unknown profile '" + kind + "': use constant, ramp:A..B, step:R1@D1,R2@D2 or "
                                       "spike:BASE,PEAK@T+D");
  }
  if (segments.empty()) segments.push_back({0, total, 0, 0});
  return RateProfile(spec, total, std::move(segments));
}

double RateProfile::rate_at(double t) const {
  for (const Segment& s : segments_) {
    if (t >= s.start_s && t < s.end_s) {
      const double f = (t - s.start_s) / (s.end_s - s.start_s);
      return s.start_rate + f * (s.end_rate - s.start_rate);
    }
  }
  return 0;
}

double RateProfile::due(double t) const {
  double sum = 0;
  for (const Segment& s : segments_) {
    if (t <= s.start_s) break;
    const double end = std::min(t, s.end_s);
    const double f = (end - s.start_s) / (s.end_s - s.start_s);
    const double rate_at_end = s.start_rate + f * (s.end_rate - s.start_rate);
    sum += (end - s.start_s) * (s.start_rate + rate_at_end) / 2;  // trapezoid
  }
  return sum;
}

double RateProfile::peak_rate() const {
  double peak = 0;
  for (const Segment& s : segments_) peak = std::max({peak, s.start_rate, s.end_rate});
  return peak;
}

}  // namespace kwb::loadtest
