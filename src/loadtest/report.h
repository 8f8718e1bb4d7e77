#pragma once
// The load-test report: plain data filled by the verifier and the runner, written as JSON (for CI
// and scripts) and as one self-contained HTML page with inline-SVG charts (for people). The HTML
// has no scripts, fonts or links to fetch, so it opens offline and in a sandboxed browser.
//
// Value types and pure functions; thread-safe.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kwb::loadtest {

struct LatencySummary {
  double p50_ms = 0;
  double p90_ms = 0;
  double p99_ms = 0;
  double p999_ms = 0;
  double max_ms = 0;
  std::uint64_t count = 0;
};

// One interval of the run (interval_s wide, starting t_s seconds after the start).
struct SeriesPoint {
  double t_s = 0;
  double target_rps = 0;    // what the profile offered
  double sent_rps = 0;      // what the generator handed to the producers
  double achieved_rps = 0;  // acked by Kinesis
  double achieved_mb_s = 0;
  double read_rps = 0;      // first reads by the verifier
  double p50_ms = 0;        // end-to-end latency of the records first read in this interval
  double p90_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
  std::uint64_t throttled = 0;  // producer's per-record throttles in this interval
  std::uint64_t retried = 0;
  std::uint64_t failed = 0;
};

struct SloCheck {
  std::string name;  // "max_p99_latency_ms", "max_loss", "min_throughput_rps"
  double limit = 0;
  double actual = 0;
  bool passed = false;
};

struct Report {
  // The run.
  std::string run_id;
  std::string stream;
  std::string started_at;  // ISO 8601
  std::string profile;
  std::string keys;
  std::string record_size;
  int shards = 0;
  int producers = 1;
  double duration_s = 0;
  double interval_s = 1;
  bool verified = false;

  // Accounting (see docs/loadtest.md for the exact definitions).
  std::uint64_t sent = 0;           // handed to a producer
  std::uint64_t acked = 0;          // acknowledged by Kinesis (with a sequence number)
  std::uint64_t failed = 0;         // ended without an ack (expired, rejected, producer closed)
  std::uint64_t read = 0;           // distinct records of this run read back
  std::uint64_t lost = 0;           // acked but not read by the end of the grace period
  std::uint64_t duplicates = 0;     // extra reads of a record already read
  std::uint64_t order_violations = 0;  // a key's record read after a later one of the same producer
  std::uint64_t unacked_read = 0;   // read although its producer reported no ack (written, answer lost)
  std::uint64_t foreign = 0;        // records in the stream from other runs or writers (ignored)
  std::uint64_t throttled = 0;      // per-record ProvisionedThroughputExceeded answers
  std::uint64_t retried = 0;        // retry decisions
  std::uint64_t expired = 0;        // records whose TTL ran out
  std::map<std::string, std::uint64_t> failure_codes;

  LatencySummary latency;      // end to end: send -> first read
  LatencySummary ack_latency;  // send -> ack
  double target_rps = 0;       // mean offered rate
  double peak_target_rps = 0;
  double achieved_rps = 0;     // acked during the run / duration
  double achieved_mb_s = 0;

  std::vector<SeriesPoint> series;
  std::vector<SloCheck> slo;

  [[nodiscard]] bool slo_passed() const;
};

// SLO gates; unset ones are not checked.
struct SloGates {
  std::optional<double> max_p99_latency_ms;
  std::optional<std::uint64_t> max_loss;
  std::optional<double> min_throughput_rps;
};

// Fills report.slo from the gates.
void evaluate_slos(Report& report, const SloGates& gates);

nlohmann::json to_json(const Report& report);
std::string render_html(const Report& report);

// One chart line for render_svg_chart; exposed for tests.
struct ChartLine {
  std::string name;
  std::string color;
  std::vector<double> values;
  bool dashed = false;
};
// An SVG line chart (width x height px) of lines over the shared x values.
std::string render_svg_chart(const std::string& title, const std::string& y_unit, const std::vector<double>& x,
                             const std::vector<ChartLine>& lines, int width = 1000, int height = 260);

}  // namespace kwb::loadtest
