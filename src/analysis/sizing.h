#pragma once
// Shard sizing and monthly cost: how many shards a stream needs for the load it saw, how to get
// there with UpdateShardCount, and what it costs before and after in both capacity modes.
//
// The sizing model (docs/analysis.md has the derivation):
//   write demand per period = IncomingBytes (+ the share of records throttled away, which
//   CloudWatch does not count as incoming) and IncomingRecords + throttled records;
//   shards for writes  = max(peak bytes/s / 1 MiB/s, peak records/s / 1,000)
//   shards for reads   = peak GetRecords.Bytes/s / 2 MiB/s (the shared per-shard read limit)
//   recommended        = ceil(max(writes, reads) × (1 + headroom)), at least 1.
// Peaks are per-period averages: a burst shorter than the period is invisible, which is what the
// headroom is for.
//
// Prices are a table in the configuration; the defaults are AWS us-east-1 list prices and are
// labelled as such in every output. Pure functions; thread-safe.

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "analysis/snapshot.h"

namespace kwb::analysis {

// Kinesis per-shard limits.
inline constexpr double kShardWriteBytesPerSecond = 1024.0 * 1024.0;
inline constexpr double kShardWriteRecordsPerSecond = 1000.0;
inline constexpr double kShardReadBytesPerSecond = 2.0 * 1024.0 * 1024.0;
inline constexpr double kHoursPerMonth = 730.0;  // AWS pricing convention
inline constexpr double kPutPayloadUnitBytes = 25.0 * 1024.0;

struct PriceTable {
  std::string label = "us-east-1 list-price defaults";
  bool is_default = true;
  double shard_hour = 0.015;
  double put_payload_units_per_million = 0.014;
  double on_demand_stream_hour = 0.04;
  double on_demand_gb_in = 0.08;
  double on_demand_gb_out = 0.04;
};

struct SizingConfig {
  double headroom = 0.25;  // 25% above the observed peak
  PriceTable prices;
};

struct MonthlyCost {
  double provisioned = 0;  // shard-hours + PUT payload units
  double on_demand = 0;    // stream-hours + GB in + GB out
};

// Observed load, per second, derived from a snapshot.
struct Load {
  double peak_write_bytes = 0;    // bytes/s in the busiest period (throttled share included)
  double peak_write_records = 0;  // records/s in the busiest period (throttled included)
  double p95_write_bytes = 0;
  double p95_write_records = 0;
  double peak_read_bytes = 0;     // GetRecords.Bytes/s
  double mean_write_bytes = 0;
  double mean_write_records = 0;
  double mean_read_bytes = 0;
  std::optional<SystemTimePoint> peak_write_bytes_at;
  std::optional<SystemTimePoint> peak_write_records_at;
  bool has_data = false;  // false when the stream had no write or read metrics at all
};

Load observed_load(const StreamSnapshot& snapshot);

struct ShardRecommendation {
  int current_shard_count = 0;
  int recommended_shard_count = 0;
  double shards_for_write_bytes = 0;  // before headroom
  double shards_for_write_records = 0;
  double shards_for_reads = 0;
  double headroom = 0;
  std::vector<int> steps;  // UpdateShardCount targets, each within ×½..×2 of the previous
  MonthlyCost cost_before;
  MonthlyCost cost_after;
  std::string price_label;
};

// REQUIRES: config.headroom >= 0.
ShardRecommendation recommend_shards(const StreamSnapshot& snapshot, const SizingConfig& config = {});

// Monthly cost of running `shards` shards (provisioned) or the stream on demand, at this load.
MonthlyCost monthly_cost(const Load& load, int shards, const PriceTable& prices);

nlohmann::json to_json(const ShardRecommendation& recommendation);

}  // namespace kwb::analysis
