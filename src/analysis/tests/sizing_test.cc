// Shard sizing, UpdateShardCount steps, monthly cost, alarm recommendations, and the collector's
// pure parts (window parsing, period choice, query building).

#include <gtest/gtest.h>

#include <set>

#include "analysis/alarms.h"
#include "analysis/collector.h"
#include "analysis/sizing.h"
#include "analysis/tests/snapshot_builder.h"

namespace kwb::analysis {
namespace {

using testing::kMiB;
using testing::SnapshotBuilder;

TEST(Sizing, BytesRecordsAndReadsEachDriveTheCount) {
  // 2.5 MiB/s of writes → 2.5 shards → ×1.25 = 3.125 → 4.
  auto bytes = SnapshotBuilder("s", 2).constant(metric::kIncomingBytes, "Sum", 2.5 * kMiB * 60)
                   .constant(metric::kIncomingRecords, "Sum", 100.0 * 60).build();
  auto r = recommend_shards(bytes);
  EXPECT_NEAR(r.shards_for_write_bytes, 2.5, 1e-9);
  EXPECT_NEAR(r.shards_for_write_records, 0.1, 1e-9);
  EXPECT_EQ(r.recommended_shard_count, 4);
  EXPECT_EQ(r.steps, std::vector<int>({4}));
  // 4,000 records/s of tiny records → 4 → 5.
  auto records = SnapshotBuilder("s", 2).constant(metric::kIncomingBytes, "Sum", 0.4 * kMiB * 60)
                     .constant(metric::kIncomingRecords, "Sum", 4000.0 * 60).build();
  EXPECT_EQ(recommend_shards(records).recommended_shard_count, 5);
  // Reads: 3 polling consumers each reading 1 MiB/s of writes = 3 MiB/s out → 1.5 → 1.875 → 2.
  auto reads = SnapshotBuilder("s", 1).constant(metric::kIncomingBytes, "Sum", 1.0 * kMiB * 60 * 0.5)
                   .constant(metric::kGetRecordsBytes, "Sum", 3.0 * kMiB * 60).build();
  auto rr = recommend_shards(reads);
  EXPECT_NEAR(rr.shards_for_reads, 1.5, 1e-9);
  EXPECT_EQ(rr.recommended_shard_count, 2);
}

TEST(Sizing, HeadroomIsConfigurableAndExactMultiplesDoNotRoundUp) {
  auto s = SnapshotBuilder("s", 2).constant(metric::kIncomingBytes, "Sum", 4.0 * kMiB * 60).build();
  SizingConfig config;
  config.headroom = 0;
  EXPECT_EQ(recommend_shards(s, config).recommended_shard_count, 4);
  config.headroom = 0.5;
  EXPECT_EQ(recommend_shards(s, config).recommended_shard_count, 6);
}

TEST(Sizing, ThrottledDemandCountsTowardsTheNeed) {
  // Accepted: 1 MiB/s in 1,000 records/s (1 KiB each); throttled: another 1,000 records/s.
  auto s = SnapshotBuilder("s", 1).constant(metric::kIncomingBytes, "Sum", 1.0 * kMiB * 60)
               .constant(metric::kIncomingRecords, "Sum", 1000.0 * 60)
               .constant(metric::kWriteExceeded, "Sum", 1000.0 * 60).build();
  auto r = recommend_shards(s);
  EXPECT_NEAR(r.shards_for_write_bytes, 2.0, 1e-9);
  EXPECT_NEAR(r.shards_for_write_records, 2.0, 1e-9);
  EXPECT_EQ(r.recommended_shard_count, 3);
}

TEST(Sizing, StepsAreWithinHalfAndDouble) {
  auto big = SnapshotBuilder("s", 3).constant(metric::kIncomingBytes, "Sum", 20.0 * kMiB * 60).build();
  auto r = recommend_shards(big);
  EXPECT_EQ(r.recommended_shard_count, 25);
  EXPECT_EQ(r.steps, std::vector<int>({6, 12, 24, 25}));
  int previous = r.current_shard_count;
  for (int step : r.steps) {
    EXPECT_LE(step, previous * 2);
    EXPECT_GE(step * 2, previous);
    previous = step;
  }
  auto on_demand = SnapshotBuilder("s", 3).mode(CapacityMode::kOnDemand)
                       .constant(metric::kIncomingBytes, "Sum", 20.0 * kMiB * 60).build();
  EXPECT_TRUE(recommend_shards(on_demand).steps.empty());
}

TEST(Cost, MonthlyFiguresFromTheDefaultPriceTable) {
  Load idle;
  MonthlyCost cost = monthly_cost(idle, 1, PriceTable{});
  EXPECT_NEAR(cost.provisioned, 0.015 * 730, 1e-9);  // $10.95
  EXPECT_NEAR(cost.on_demand, 0.04 * 730, 1e-9);     // $29.20
  // 1,000 records/s of 30 KiB: two PUT payload units each.
  Load load;
  load.mean_write_records = 1000;
  load.mean_write_bytes = 1000 * 30.0 * 1024;
  load.mean_read_bytes = 2 * load.mean_write_bytes;
  cost = monthly_cost(load, 30, PriceTable{});
  const double seconds = 730 * 3600.0;
  EXPECT_NEAR(cost.provisioned, 30 * 0.015 * 730 + 1000 * seconds * 2 / 1e6 * 0.014, 1e-6);
  const double gib = 1024.0 * 1024 * 1024;
  EXPECT_NEAR(cost.on_demand, 0.04 * 730 + load.mean_write_bytes * seconds / gib * 0.08 +
                                  load.mean_read_bytes * seconds / gib * 0.04, 1e-6);
  PriceTable prices;
  prices.shard_hour = 0.02;
  EXPECT_NEAR(monthly_cost(idle, 2, prices).provisioned, 2 * 0.02 * 730, 1e-9);
  EXPECT_TRUE(PriceTable{}.is_default);
  EXPECT_NE(PriceTable{}.label.find("default"), std::string::npos);
}

TEST(Cost, JsonCarriesRecommendedShardCountAndPriceLabel) {
  auto r = recommend_shards(SnapshotBuilder("s", 8).build());
  auto doc = to_json(r);
  EXPECT_EQ(doc["recommended_shard_count"], 1);
  EXPECT_EQ(doc["steps"], nlohmann::json({4, 2, 1}));
  EXPECT_EQ(doc["monthly_cost_before"]["provisioned"], 87.6);
  EXPECT_EQ(doc["monthly_cost_after"]["provisioned"], 10.95);
  EXPECT_EQ(doc["prices"], "us-east-1 list-price defaults");
}

TEST(Alarms, RecommendedSetWithThresholdsFromRetentionAndSlo) {
  auto s = SnapshotBuilder("orders").retention(24).build();
  auto alarms = recommend_alarms(s);
  ASSERT_EQ(alarms.size(), 5u);
  EXPECT_EQ(alarms[0].alarm_name, "kwb-orders-GetRecords.IteratorAgeMilliseconds");
  EXPECT_EQ(alarms[0].statistic, "Maximum");
  EXPECT_DOUBLE_EQ(alarms[0].threshold, 60'000);  // the 60 s SLO
  EXPECT_EQ(alarms[1].alarm_name, "kwb-orders-WriteProvisionedThroughputExceeded");
  EXPECT_EQ(alarms[2].alarm_name, "kwb-orders-ReadProvisionedThroughputExceeded");
  EXPECT_EQ(alarms[3].alarm_name, "kwb-orders-PutRecords.FailedRecords");
  EXPECT_EQ(alarms[4].alarm_name, "kwb-orders-GetRecords.Success");
  EXPECT_EQ(alarms[4].comparison_operator, cloudwatch::ComparisonOperator::kLessThanThreshold);
  for (const auto& alarm : alarms) {
    EXPECT_TRUE(cloudwatch::validate_metric_alarm(alarm).ok()) << alarm.alarm_name;
    ASSERT_EQ(alarm.dimensions.size(), 1u);
    EXPECT_EQ(alarm.dimensions[0].value, "orders");
  }
  // A lax SLO is capped at half the retention.
  RulesConfig config;
  config.iterator_age_threshold_seconds = 86400;
  EXPECT_DOUBLE_EQ(recommend_alarms(s, config)[0].threshold, 12.0 * 3600 * 1000);
  EXPECT_EQ(alarm_name("a b/c", "IncomingBytes"), "kwb-a-b-c-IncomingBytes");
}

TEST(Collector, ParseWindow) {
  EXPECT_EQ(*parse_window("3h"), std::chrono::seconds(3 * 3600));
  EXPECT_EQ(*parse_window("90m"), std::chrono::seconds(90 * 60));
  EXPECT_EQ(*parse_window("2d"), std::chrono::seconds(2 * 86400));
  EXPECT_EQ(*parse_window("1w"), std::chrono::seconds(7 * 86400));
  for (const char* bad : {"", "h", "3", "3x", "-3h", "30s", "1000w"}) {
    auto window = parse_window(bad);
    ASSERT_FALSE(window.ok()) << bad;
    EXPECT_EQ(window.error().field, "--window");
  }
}

TEST(Collector, PeriodKeepsEachQueryAtMost1440Datapoints) {
  using std::chrono::seconds;
  EXPECT_EQ(choose_period(seconds(3 * 3600)), 60);
  EXPECT_EQ(choose_period(seconds(24 * 3600)), 60);   // exactly 1,440
  EXPECT_EQ(choose_period(seconds(25 * 3600)), 300);
  EXPECT_EQ(choose_period(seconds(7 * 86400)), 900);   // 672 points
  EXPECT_EQ(choose_period(seconds(30 * 86400)), 3600);  // 720 points
  EXPECT_EQ(choose_period(seconds(120LL * 86400)), 21600);  // 480 points; 1-hour data would be 2,880
  EXPECT_EQ(choose_period(seconds(365LL * 86400)), 86400);
  for (long long w : {3600LL, 86400LL, 3 * 86400LL, 20 * 86400LL, 90 * 86400LL, 455 * 86400LL}) {
    EXPECT_LE(w / choose_period(seconds(w)), 1440) << w;
  }
}

TEST(Collector, QueriesCoverEveryStreamMetricAndShard) {
  std::vector<StreamSnapshot> snapshots = {SnapshotBuilder("a").build(), SnapshotBuilder("b").monitoring(false).build()};
  std::vector<std::vector<std::string>> shards = {{"shardId-0", "shardId-1"}, {"shardId-0"}};
  auto queries = build_metric_queries(snapshots, shards, 300);
  const std::size_t per_stream = stream_metric_keys().size();
  // b has monitoring off: no shard-level queries.
  ASSERT_EQ(queries.size(), 2 * per_stream + 2 * shard_metric_keys().size());
  std::set<std::string> ids;
  for (const auto& q : queries) {
    EXPECT_TRUE(cloudwatch::is_valid_query_id(q.id)) << q.id;
    ids.insert(q.id);
    EXPECT_EQ(q.metric_stat->period_seconds, 300);
    EXPECT_EQ(q.metric_stat->metric.namespace_name, "AWS/Kinesis");
  }
  EXPECT_EQ(ids.size(), queries.size());
  // Results find their way back, sorted by time.
  cloudwatch::BatchedMetricData data;
  cloudwatch::MetricDataResult result;
  result.id = queries[0].id;
  result.timestamps = {testing::window_start() + std::chrono::minutes(5), testing::window_start()};
  result.values = {2, 1};
  data.results[result.id] = result;
  std::vector<StreamSnapshot> empty = {SnapshotBuilder("a").build(), SnapshotBuilder("b").build()};
  empty[0].metrics.clear();
  assign_metric_results(empty, shards, data);
  const Series* s = empty[0].series(stream_metric_keys()[0].metric, stream_metric_keys()[0].statistic);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->values, std::vector<double>({1, 2}));
}

}  // namespace
}  // namespace kwb::analysis
