#include "analysis/sizing.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "kinesis/resharding.h"

namespace kwb::analysis {

namespace {

using nlohmann::json;

std::map<SystemTimePoint, double> by_time(const Series* series) {
  std::map<SystemTimePoint, double> out;
  if (series == nullptr) return out;
  for (std::size_t i = 0; i < series->size() && i < series->timestamps.size(); ++i) {
    out[series->timestamps[i]] += series->values[i];
  }
  return out;
}

double round_cents(double value) { return std::round(value * 100.0) / 100.0; }

json cost_json(const MonthlyCost& cost) {
  return {{"provisioned", round_cents(cost.provisioned)}, {"on_demand", round_cents(cost.on_demand)}};
}

}  // namespace

Load observed_load(const StreamSnapshot& s) {
  Load load;
  const double period = std::max(1, s.period_seconds);
  auto bytes = by_time(s.series(metric::kIncomingBytes, "Sum"));
  auto records = by_time(s.series(metric::kIncomingRecords, "Sum"));
  // Throttled records never reach IncomingRecords, but they are demand the shards must carry.
  // PutRecords.ThrottledRecords covers PutRecords; WriteProvisionedThroughputExceeded also covers
  // PutRecord. They overlap, so the larger of the two per period is the best lower bound.
  auto throttled = by_time(s.series(metric::kPutRecordsThrottledRecords, "Sum"));
  for (const auto& [at, value] : by_time(s.series(metric::kWriteExceeded, "Sum"))) {
    throttled[at] = std::max(throttled[at], value);
  }
  Series write_bytes, write_records;
  for (const auto& [at, accepted] : records) {
    double extra = throttled.count(at) ? throttled[at] : 0.0;
    double accepted_bytes = bytes.count(at) ? bytes[at] : 0.0;
    // Bytes of the throttled records are unknown; assume the period's average record size.
    double bytes_per_record = accepted > 0 ? accepted_bytes / accepted : 0.0;
    write_records.add(at, (accepted + extra) / period);
    write_bytes.add(at, (accepted_bytes + extra * bytes_per_record) / period);
  }
  for (const auto& [at, value] : bytes) {
    if (!records.count(at)) write_bytes.add(at, value / period);  // bytes without a records datapoint
  }
  if (!write_records.empty() || !write_bytes.empty()) load.has_data = true;
  if (auto p = series_max(write_bytes)) {
    load.peak_write_bytes = p->value;
    load.peak_write_bytes_at = p->at;
    load.p95_write_bytes = *series_percentile(write_bytes, 95);
    load.mean_write_bytes = *series_mean(write_bytes);
  }
  if (auto p = series_max(write_records)) {
    load.peak_write_records = p->value;
    load.peak_write_records_at = p->at;
    load.p95_write_records = *series_percentile(write_records, 95);
    load.mean_write_records = *series_mean(write_records);
  }
  if (const Series* reads = s.series(metric::kGetRecordsBytes, "Sum")) {
    load.has_data = true;
    load.peak_read_bytes = series_max(*reads)->value / period;
    load.mean_read_bytes = *series_mean(*reads) / period;
  }
  return load;
}

MonthlyCost monthly_cost(const Load& load, int shards, const PriceTable& prices) {
  MonthlyCost cost;
  const double seconds = kHoursPerMonth * 3600.0;
  // Each record is billed in 25 KB PUT payload units, rounded up per record.
  double units_per_record = 1.0;
  if (load.mean_write_records > 0) {
    units_per_record = std::max(1.0, std::ceil(load.mean_write_bytes / load.mean_write_records / kPutPayloadUnitBytes));
  }
  const double put_units = load.mean_write_records * seconds * units_per_record;
  cost.provisioned = shards * prices.shard_hour * kHoursPerMonth + put_units / 1e6 * prices.put_payload_units_per_million;
  constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
  cost.on_demand = prices.on_demand_stream_hour * kHoursPerMonth +
                   load.mean_write_bytes * seconds / kGiB * prices.on_demand_gb_in +
                   load.mean_read_bytes * seconds / kGiB * prices.on_demand_gb_out;
  return cost;
}

ShardRecommendation recommend_shards(const StreamSnapshot& snapshot, const SizingConfig& config) {
  ShardRecommendation r;
  Load load = observed_load(snapshot);
  r.current_shard_count = std::max(1, snapshot.open_shard_count);
  r.headroom = config.headroom;
  r.shards_for_write_bytes = load.peak_write_bytes / kShardWriteBytesPerSecond;
  r.shards_for_write_records = load.peak_write_records / kShardWriteRecordsPerSecond;
  r.shards_for_reads = load.peak_read_bytes / kShardReadBytesPerSecond;
  double needed = std::max({r.shards_for_write_bytes, r.shards_for_write_records, r.shards_for_reads});
  // A tiny epsilon keeps exact multiples (2.0 × 1.25 = 2.5000000001) from rounding up a shard.
  r.recommended_shard_count = std::max(1, static_cast<int>(std::ceil(needed * (1.0 + config.headroom) - 1e-9)));
  // No datapoints at all means no traffic: CloudWatch publishes nothing for an idle stream.
  // On-demand streams are scaled by Kinesis; the count is still shown, as the provisioned size.
  if (snapshot.mode == CapacityMode::kProvisioned) {
    r.steps = kinesis::plan_shard_count_steps(r.current_shard_count, r.recommended_shard_count);
  }
  r.cost_before = monthly_cost(load, r.current_shard_count, config.prices);
  r.cost_after = monthly_cost(load, r.recommended_shard_count, config.prices);
  r.price_label = config.prices.label;
  return r;
}

json to_json(const ShardRecommendation& r) {
  return {{"current_shard_count", r.current_shard_count},
          {"recommended_shard_count", r.recommended_shard_count},
          {"needed", {{"write_bytes", r.shards_for_write_bytes},
                      {"write_records", r.shards_for_write_records},
                      {"reads", r.shards_for_reads}}},
          {"headroom", r.headroom},
          {"steps", r.steps},
          {"monthly_cost_before", cost_json(r.cost_before)},
          {"monthly_cost_after", cost_json(r.cost_after)},
          {"currency", "USD"},
          {"prices", r.price_label}};
}

}  // namespace kwb::analysis
