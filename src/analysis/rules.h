#pragma once
// The rules analyzer: findings from a StreamSnapshot by fixed, documented rules (the table is in
// docs/analysis.md). Each rule is a pure function of the snapshot and the configuration, and
// every finding carries the datapoints that triggered it, so an operator can check the claim.
//
// Severity policy: critical = records are being lost or will be soon; warning = something an
// operator should act on; info = worth knowing. A healthy stream yields no warning or critical
// finding — false positives are tested as carefully as detections.
//
// Configuration is data with defaults and bounds (validate()). Thread-safe: pure functions.

#include <map>
#include <string>
#include <vector>

#include "analysis/finding.h"
#include "analysis/sizing.h"
#include "analysis/snapshot.h"
#include "core/result.h"

namespace kwb::analysis {

struct RulesConfig {
  // Latency SLO: IteratorAge Maximum above this is a warning.
  double iterator_age_threshold_seconds = 60;
  // Overrides of the threshold: by stream name, then by tag ("key=value"); the first match wins.
  std::map<std::string, double> iterator_age_threshold_by_stream;
  std::map<std::string, double> iterator_age_threshold_by_tag;
  // IteratorAge at or above this fraction of retention is critical (records near expiry).
  double retention_critical_fraction = 0.5;
  // A consumer falling behind: iterator age rising at least this fast (seconds per hour) with a
  // linear fit of at least min_trend_r_squared over at least min_trend_points datapoints.
  double rising_slope_seconds_per_hour = 300;
  double min_trend_r_squared = 0.6;
  int min_trend_points = 5;
  // High call latency (Average over a period, milliseconds).
  double get_records_latency_ms = 500;
  double put_latency_ms = 500;
  // Write utilisation of the provisioned shards: warning at the peak, critical at p95.
  double utilisation_warning = 0.8;
  // Sustained low utilisation: peak below this and more than one shard → scale down.
  double low_utilisation = 0.2;
  // Hot shard: the busiest shard carries at least this multiple of the mean shard.
  double hot_shard_ratio = 2.0;
  // Retention must cover the worst iterator age times this factor.
  double retention_safety_factor = 2.0;
  // A cost finding for the other capacity mode needs at least this saving (fraction).
  double mode_switch_min_saving = 0.2;
  SizingConfig sizing;

  // The iterator-age threshold that applies to this stream.
  [[nodiscard]] double iterator_age_threshold_for(const StreamSnapshot& snapshot) const;
  // kInvalidInput naming the field when a value is out of bounds.
  [[nodiscard]] Status validate() const;
};

// Every rule, in a fixed order; findings sorted with sort_findings.
std::vector<Finding> run_rules(const StreamSnapshot& snapshot, const RulesConfig& config = {});

// Individual rule groups, exposed for tests.
std::vector<Finding> latency_rules(const StreamSnapshot& snapshot, const RulesConfig& config);
std::vector<Finding> data_loss_rules(const StreamSnapshot& snapshot, const RulesConfig& config);
std::vector<Finding> throughput_rules(const StreamSnapshot& snapshot, const RulesConfig& config);
std::vector<Finding> cost_and_configuration_rules(const StreamSnapshot& snapshot, const RulesConfig& config);

}  // namespace kwb::analysis
