#pragma once
// RateProfile: how many records per second a load test offers at each moment of the run.
//
// Syntax (the --profile flag; R is records/s, "k" multiplies by 1,000; T and D are durations such
// as 500ms, 10s, 2m, or a bare number of seconds):
//   constant            --rate R for the whole run (also "constant:R")
//   ramp:A..B           linear from A to B over the whole run
//   step:R1@D1,R2@D2,…  R1 for D1, then R2 for D2, …; the last rate holds until the run ends
//   spike:BASE,PEAK@T+D BASE, except PEAK from T to T+D
//
// Every profile is reduced to piecewise-linear segments, so the number of records due by time t
// (the integral of the rate) is exact. The generator sends floor(due(t)) records by time t, which
// keeps the long-run rate exact whatever its own scheduling jitter is.
//
// Value type: immutable after parse; safe to share between threads.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace kwb::loadtest {

using Seconds = std::chrono::duration<double>;

// "10s", "500ms", "2m", "1h", "7" (seconds). kInvalidInput naming `field` otherwise.
Result<Seconds> parse_duration(std::string_view text, const std::string& field = "--duration");
// "2000", "2.5k", "1k". Non-negative.
Result<double> parse_rate(std::string_view text, const std::string& field = "--rate");

class RateProfile {
 public:
  struct Segment {
    double start_s = 0;  // segments are contiguous and sorted; the last one ends at the run's end
    double end_s = 0;
    double start_rate = 0;
    double end_rate = 0;
  };

  // Offers nothing for one second; parse() makes useful ones.
  RateProfile() : text_("constant:0"), duration_s_(1), segments_{{0, 1, 0, 0}} {}

  // `rate` is the --rate value (used by "constant"), `duration` the run length (> 0).
  static Result<RateProfile> parse(std::string_view text, double rate, Seconds duration);

  // Offered records/s at t seconds since the start (0 outside [0, duration)).
  [[nodiscard]] double rate_at(double t) const;
  // Records due from the start up to t (integral of rate_at over [0, t]).
  [[nodiscard]] double due(double t) const;
  [[nodiscard]] double duration_s() const { return duration_s_; }
  // The mean offered rate over the run: due(duration) / duration.
  [[nodiscard]] double mean_rate() const { return due(duration_s_) / duration_s_; }
  [[nodiscard]] double peak_rate() const;
  [[nodiscard]] const std::string& text() const { return text_; }
  [[nodiscard]] const std::vector<Segment>& segments() const { return segments_; }

 private:
  RateProfile(std::string text, double duration_s, std::vector<Segment> segments)
      : text_(std::move(text)), duration_s_(duration_s), segments_(std::move(segments)) {}

  std::string text_;
  double duration_s_ = 0;
  std::vector<Segment> segments_;
};

}  // namespace kwb::loadtest
