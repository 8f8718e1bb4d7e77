// The rules analyzer, one rule at a time on synthetic snapshots, plus the five scenarios of
// issue 7 (under-provisioned, lagging consumer, expired records, idle, healthy).

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>

#include "analysis/rules.h"
#include "analysis/tests/snapshot_builder.h"

namespace kwb::analysis {
namespace {

using testing::healthy_stream;
using testing::kMiB;
using testing::SnapshotBuilder;

// A copy, not a pointer: callers often pass a temporary vector.
std::optional<Finding> find(const std::vector<Finding>& findings, const std::string& rule) {
  for (const auto& f : findings) {
    if (f.id.rfind(rule + ":", 0) == 0) return f;
  }
  return std::nullopt;
}

bool any_at_least(const std::vector<Finding>& findings, Severity severity) {
  return std::any_of(findings.begin(), findings.end(), [&](const Finding& f) { return f.severity >= severity; });
}

std::string dump(const std::vector<Finding>& findings) {
  std::string out;
  for (const auto& f : findings) out += f.id + " [" + std::string(to_string(f.severity)) + "] " + f.title + "\n";
  return out;
}

// ---- the healthy stream: no false positives ----

TEST(HealthyStream, ProducesNoWarningOrCriticalFinding) {
  auto findings = run_rules(healthy_stream());
  EXPECT_FALSE(any_at_least(findings, Severity::kWarning)) << dump(findings);
}

TEST(HealthyStream, StaysQuietWithMonitoringOffAndUnencrypted) {
  StreamSnapshot s = healthy_stream();
  s.shard_level_metrics.clear();
  s.shard_metrics.clear();
  s.encrypted = false;
  auto findings = run_rules(s);
  EXPECT_FALSE(any_at_least(findings, Severity::kWarning)) << dump(findings);
  // ...but says what it cannot see, as info.
  ASSERT_TRUE(find(findings, "enhanced-monitoring-off").has_value());
  ASSERT_TRUE(find(findings, "encryption-off").has_value());
  EXPECT_EQ(find(findings, "encryption-off")->severity, Severity::kInfo);
}

// The check above must be able to fail: the same stream with one injected problem is caught.
TEST(HealthyStream, OneInjectedThrottleIsCaught) {
  StreamSnapshot s = healthy_stream();
  s.metrics[{metric::kWriteExceeded, "Sum"}].values[90] = 3;
  auto findings = run_rules(s);
  EXPECT_TRUE(any_at_least(findings, Severity::kWarning)) << dump(findings);
  EXPECT_TRUE(find(findings, "write-throttled").has_value());
}

// ---- latency ----

TEST(LatencyRules, IteratorAgeAboveThresholdIsAWarning) {
  auto s = SnapshotBuilder("s").constant(metric::kIteratorAge, "Maximum", 1000).build();
  s.metrics[{metric::kIteratorAge, "Maximum"}].values[50] = 90'000;  // 90 s once
  auto findings = latency_rules(s, {});
  auto f = find(findings, "iterator-age-high");
  ASSERT_TRUE(f.has_value()) << dump(findings);
  EXPECT_EQ(f->severity, Severity::kWarning);
  EXPECT_EQ(f->category, Category::kLatency);
  ASSERT_EQ(f->evidence.size(), 1u);
  EXPECT_EQ(f->evidence[0].metric, metric::kIteratorAge);
  EXPECT_EQ(f->evidence[0].statistic, "Maximum");
  EXPECT_DOUBLE_EQ(f->evidence[0].value, 90'000);
  EXPECT_DOUBLE_EQ(*f->evidence[0].threshold, 60'000);
  EXPECT_EQ(f->evidence[0].period_seconds, 60);
  EXPECT_EQ(*f->evidence[0].at, SnapshotBuilder("s").at(50));
}

TEST(LatencyRules, BelowThresholdIsSilent) {
  auto s = SnapshotBuilder("s").constant(metric::kIteratorAge, "Maximum", 59'000).build();
  EXPECT_TRUE(latency_rules(s, {}).empty());
}

TEST(LatencyRules, ThresholdIsConfigurablePerStreamAndTag) {
  auto s = SnapshotBuilder("batch").tag("team", "etl").constant(metric::kIteratorAge, "Maximum", 90'000).build();
  RulesConfig config;
  config.iterator_age_threshold_by_tag["team=etl"] = 600;
  EXPECT_FALSE(find(latency_rules(s, config), "iterator-age-high").has_value());
  config.iterator_age_threshold_by_stream["batch"] = 30;  // the stream override wins over the tag
  EXPECT_DOUBLE_EQ(config.iterator_age_threshold_for(s), 30);
  EXPECT_TRUE(find(latency_rules(s, config), "iterator-age-high").has_value());
}

TEST(LatencyRules, HalfOfRetentionIsCritical) {
  auto s = SnapshotBuilder("s").retention(24).constant(metric::kIteratorAge, "Maximum", 12.0 * 3600 * 1000).build();
  auto findings = latency_rules(s, {});
  auto f = find(findings, "iterator-age-near-retention");
  ASSERT_TRUE(f.has_value()) << dump(findings);
  EXPECT_EQ(f->severity, Severity::kCritical);
  EXPECT_FALSE(find(findings, "iterator-age-high").has_value());  // one finding, not two
  // Just under half: a warning only.
  s.metrics[{metric::kIteratorAge, "Maximum"}] = Series{};
  s.metrics[{metric::kIteratorAge, "Maximum"}].add(s.window_start, 11.9 * 3600 * 1000);
  findings = latency_rules(s, {});
  EXPECT_FALSE(find(findings, "iterator-age-near-retention").has_value());
  EXPECT_TRUE(find(findings, "iterator-age-high").has_value());
}

TEST(LatencyRules, RisingIteratorAgeIsDetectedBeforeTheThreshold) {
  // 0 → 50 s over 3 hours: never above 60 s, but rising ~16.7 s/h... too slow for the default.
  auto slow = SnapshotBuilder("s").ramp(metric::kIteratorAge, "Maximum", 0, 50'000).build();
  EXPECT_FALSE(find(latency_rules(slow, {}), "iterator-age-rising").has_value());
  // 0 → 50 s over 15 minutes (15 one-minute points): 200 s/h... still below 300 s/h.
  // 0 → 55 s in 10 minutes: 330 s/h and a perfect fit.
  auto fast = SnapshotBuilder("s", 1, 10).ramp(metric::kIteratorAge, "Maximum", 0, 55'000).build();
  auto findings = latency_rules(fast, {});
  auto f = find(findings, "iterator-age-rising");
  ASSERT_TRUE(f.has_value()) << dump(findings);
  EXPECT_EQ(f->severity, Severity::kWarning);
  EXPECT_NEAR(f->evidence[0].value, 55.0 / (9.0 / 60.0), 1e-6);  // seconds per hour
  EXPECT_NEAR(f->evidence[1].value, 1.0, 1e-9);
  EXPECT_FALSE(find(findings, "iterator-age-high").has_value());
}

TEST(LatencyRules, NoisyIteratorAgeIsNotATrend) {
  auto s = SnapshotBuilder("s", 1, 30).jitter(metric::kIteratorAge, "Maximum", 0, 50'000, 11).build();
  EXPECT_FALSE(find(latency_rules(s, {}), "iterator-age-rising").has_value());
}

TEST(LatencyRules, HighGetAndPutLatencyAreReported) {
  auto s = SnapshotBuilder("s")
               .constant(metric::kGetRecordsLatency, "Average", 20)
               .constant(metric::kPutRecordLatency, "Average", 15)
               .constant(metric::kPutRecordsLatency, "Average", 30)
               .build();
  EXPECT_TRUE(latency_rules(s, {}).empty());
  s.metrics[{metric::kGetRecordsLatency, "Average"}].values[3] = 1500;
  s.metrics[{metric::kPutRecordsLatency, "Average"}].values[7] = 800;
  auto findings = latency_rules(s, {});
  ASSERT_TRUE(find(findings, "get-records-latency-high").has_value());
  auto put = find(findings, "put-latency-high");
  ASSERT_TRUE(put.has_value());
  ASSERT_EQ(put->evidence.size(), 1u);
  EXPECT_EQ(put->evidence[0].metric, metric::kPutRecordsLatency);
  EXPECT_DOUBLE_EQ(put->evidence[0].value, 800);
}

// ---- data loss ----

TEST(DataLossRules, IteratorAgeAtRetentionIsActualLoss) {
  auto s = SnapshotBuilder("s").retention(24).constant(metric::kIteratorAge, "Maximum", 24.0 * 3600 * 1000).build();
  auto findings = data_loss_rules(s, {});
  auto f = find(findings, "records-expired");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->severity, Severity::kCritical);
  EXPECT_EQ(f->category, Category::kDataLoss);
  s.metrics[{metric::kIteratorAge, "Maximum"}].values.assign(180, 24.0 * 3600 * 1000 - 1);
  EXPECT_FALSE(find(data_loss_rules(s, {}), "records-expired").has_value());
}

TEST(DataLossRules, RejectedRecordsSayLossUnlessProducersRetry) {
  auto s = SnapshotBuilder("s")
               .constant(metric::kPutRecordsFailedRecords, "Sum", 0)
               .constant(metric::kPutRecordsThrottledRecords, "Sum", 0)
               .build();
  EXPECT_TRUE(data_loss_rules(s, {}).empty());
  s.metrics[{metric::kPutRecordsThrottledRecords, "Sum"}].values[10] = 40;
  s.metrics[{metric::kPutRecordsFailedRecords, "Sum"}].values[11] = 2;
  auto findings = data_loss_rules(s, {});
  auto f = find(findings, "put-records-rejected");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->severity, Severity::kWarning);
  EXPECT_NE(f->explanation.find("lost unless"), std::string::npos);
  EXPECT_NE(f->title.find("42"), std::string::npos);
}

TEST(DataLossRules, SuccessAverageBelowOne) {
  auto s = SnapshotBuilder("s").constant(metric::kGetRecordsSuccess, "Average", 1.0).build();
  EXPECT_TRUE(data_loss_rules(s, {}).empty());
  s.metrics[{metric::kGetRecordsSuccess, "Average"}].values[5] = 0.75;
  auto f = find(data_loss_rules(s, {}), "calls-failing");
  ASSERT_TRUE(f.has_value());
  EXPECT_DOUBLE_EQ(f->evidence[0].value, 0.75);
}

// ---- throughput ----

TEST(ThroughputRules, WriteUtilisationAtPeakAndP95) {
  // 2 shards; 0.5 MiB/s per shard normally, one period at 1.8 MiB/s total (90%).
  auto s = SnapshotBuilder("s", 2).constant(metric::kIncomingBytes, "Sum", 1.0 * kMiB * 60)
               .constant(metric::kIncomingRecords, "Sum", 100 * 60).build();
  EXPECT_FALSE(find(throughput_rules(s, {}), "write-utilisation-high").has_value());
  s.metrics[{metric::kIncomingBytes, "Sum"}].values[100] = 1.8 * kMiB * 60;
  auto findings = throughput_rules(s, {});
  auto f = find(findings, "write-utilisation-high");
  ASSERT_TRUE(f.has_value()) << dump(findings);
  EXPECT_EQ(f->severity, Severity::kWarning);  // peak only
  EXPECT_NEAR(f->evidence[0].value, 0.9, 1e-9);
  EXPECT_NEAR(f->evidence[1].value, 0.5, 1e-9);
  // Records: 1,700/s on 2 shards is 85% at p95 too → critical.
  s.metrics[{metric::kIncomingRecords, "Sum"}].values.assign(180, 1700.0 * 60);
  f = find(throughput_rules(s, {}), "write-utilisation-high");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->severity, Severity::kCritical);
  EXPECT_NEAR(f->evidence[3].value, 0.85, 1e-9);
}

TEST(ThroughputRules, ReadThrottlingWithManyPollersSuggestsEnhancedFanOut) {
  auto s = SnapshotBuilder("s", 2)
               .consumers(0)
               .constant(metric::kReadExceeded, "Sum", 0)
               .constant(metric::kGetRecordsSuccess, "SampleCount", 2 * 6.0 * 60)  // 6 calls/s per shard
               .build();
  EXPECT_FALSE(find(throughput_rules(s, {}), "read-throttled").has_value());
  s.metrics[{metric::kReadExceeded, "Sum"}].values[4] = 12;
  auto f = find(throughput_rules(s, {}), "read-throttled");
  ASSERT_TRUE(f.has_value());
  EXPECT_NE(f->recommendation.find("enhanced fan-out"), std::string::npos);
  EXPECT_NE(f->explanation.find("6.0 calls/s per shard"), std::string::npos) << f->explanation;
}

TEST(ThroughputRules, HotShardFromShardLevelMetrics) {
  auto s = SnapshotBuilder("s", 4)
               .shard_series("shardId-0", metric::kIncomingBytes, 0.9 * kMiB * 60)
               .shard_series("shardId-1", metric::kIncomingBytes, 0.05 * kMiB * 60)
               .shard_series("shardId-2", metric::kIncomingBytes, 0.05 * kMiB * 60)
               .shard_series("shardId-3", metric::kIncomingBytes, 0.05 * kMiB * 60)
               .build();
  auto f = find(throughput_rules(s, {}), "hot-shard");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->severity, Severity::kWarning);
  EXPECT_NE(f->title.find("shardId-0"), std::string::npos);
  EXPECT_NEAR(f->evidence[0].value, 0.9 / (1.05 / 4), 1e-9);
  // Even shards: nothing.
  auto even = SnapshotBuilder("s", 2)
                  .shard_series("shardId-0", metric::kIncomingBytes, 0.5 * kMiB * 60)
                  .shard_series("shardId-1", metric::kIncomingBytes, 0.45 * kMiB * 60)
                  .build();
  EXPECT_FALSE(find(throughput_rules(even, {}), "hot-shard").has_value());
}

// ---- cost and configuration ----

TEST(CostRules, RetentionShorterThanWorstLagTimesSafetyFactor) {
  auto s = SnapshotBuilder("s").retention(24).constant(metric::kIteratorAge, "Maximum", 13.0 * 3600 * 1000).build();
  auto f = find(cost_and_configuration_rules(s, {}), "retention-too-short");
  ASSERT_TRUE(f.has_value());
  EXPECT_NE(f->recommendation.find("26 h"), std::string::npos) << f->recommendation;
  s.retention_hours = 48;
  EXPECT_FALSE(find(cost_and_configuration_rules(s, {}), "retention-too-short").has_value());
}

TEST(CostRules, OnDemandStreamWithSteadySmallLoadIsCheaperProvisioned) {
  auto s = SnapshotBuilder("s", 4)
               .mode(CapacityMode::kOnDemand)
               .constant(metric::kIncomingBytes, "Sum", 100.0 * 1024 * 60)
               .constant(metric::kIncomingRecords, "Sum", 50.0 * 60)
               .build();
  auto f = find(cost_and_configuration_rules(s, {}), "mode-provisioned-cheaper");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->category, Category::kCost);
  EXPECT_EQ(f->severity, Severity::kInfo);
}

TEST(RulesConfig, ValidateRejectsOutOfBounds) {
  RulesConfig config;
  EXPECT_TRUE(config.validate().ok());
  config.utilisation_warning = 1.5;
  Status status = config.validate();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().field, "utilisation_warning");
  config = {};
  config.iterator_age_threshold_by_tag["env=prod"] = -1;
  EXPECT_FALSE(config.validate().ok());
}

// ---- the scenarios ----

TEST(Scenario, UnderProvisionedStreamIsThrottled) {
  // 2 shards, producers want 3 MiB/s and 3,000 records/s; 2,000/s get in, 1,000/s are throttled.
  auto s = SnapshotBuilder("clicks", 2)
               .constant(metric::kIncomingBytes, "Sum", 2.0 * kMiB * 60)
               .constant(metric::kIncomingRecords, "Sum", 2000.0 * 60)
               .constant(metric::kPutRecordsThrottledRecords, "Sum", 1000.0 * 60)
               .constant(metric::kWriteExceeded, "Sum", 1000.0 * 60)
               .constant(metric::kIteratorAge, "Maximum", 500)
               .build();
  auto findings = run_rules(s);
  auto util = find(findings, "write-utilisation-high");
  ASSERT_TRUE(util.has_value()) << dump(findings);
  EXPECT_EQ(util->category, Category::kThroughput);
  EXPECT_EQ(util->severity, Severity::kCritical);
  ASSERT_TRUE(find(findings, "write-throttled").has_value());
  ShardRecommendation rec = recommend_shards(s);
  EXPECT_GE(rec.recommended_shard_count, 3);  // what is needed for 3 MiB/s
  EXPECT_EQ(rec.recommended_shard_count, 4);  // 3 × 1.25 = 3.75 → 4
  EXPECT_EQ(rec.steps, std::vector<int>({4}));
}

TEST(Scenario, LaggingConsumerIsCriticalAtHalfRetention) {
  // A consumer stalls: iterator age climbs from 1 h to 13 h over the 3 h window (retention 24 h).
  auto s = SnapshotBuilder("payments").retention(24)
               .ramp(metric::kIteratorAge, "Maximum", 1.0 * 3600 * 1000, 13.0 * 3600 * 1000)
               .build();
  auto findings = run_rules(s);
  auto f = find(findings, "iterator-age-near-retention");
  ASSERT_TRUE(f.has_value()) << dump(findings);
  EXPECT_EQ(f->category, Category::kLatency);
  EXPECT_EQ(f->severity, Severity::kCritical);
  EXPECT_TRUE(find(findings, "iterator-age-rising").has_value());
  EXPECT_EQ(findings.front().severity, Severity::kCritical);  // sorted most severe first
}

TEST(Scenario, ExpiredRecordsAreDataLossCritical) {
  auto s = SnapshotBuilder("audit").retention(24)
               .ramp(metric::kIteratorAge, "Maximum", 20.0 * 3600 * 1000, 24.0 * 3600 * 1000)
               .build();
  auto findings = run_rules(s);
  auto f = find(findings, "records-expired");
  ASSERT_TRUE(f.has_value()) << dump(findings);
  EXPECT_EQ(f->category, Category::kDataLoss);
  EXPECT_EQ(f->severity, Severity::kCritical);
}

TEST(Scenario, IdleOverProvisionedStreamIsACostFinding) {
  auto s = SnapshotBuilder("legacy", 8)
               .constant(metric::kIncomingBytes, "Sum", 2.0 * 1024 * 60)
               .constant(metric::kIncomingRecords, "Sum", 2.0 * 60)
               .build();
  auto findings = run_rules(s);
  auto f = find(findings, "over-provisioned");
  ASSERT_TRUE(f.has_value()) << dump(findings);
  EXPECT_EQ(f->category, Category::kCost);
  ShardRecommendation rec = recommend_shards(s);
  EXPECT_EQ(rec.recommended_shard_count, 1);
  EXPECT_EQ(rec.steps, std::vector<int>({4, 2, 1}));
  EXPECT_LT(rec.cost_after.provisioned, rec.cost_before.provisioned);
  // No datapoints at all (CloudWatch publishes nothing for an idle stream) is idle too.
  auto silent = SnapshotBuilder("legacy", 8).build();
  EXPECT_TRUE(find(run_rules(silent), "over-provisioned").has_value());
}

// ---- finding JSON ----

TEST(FindingJson, RoundTrips) {
  auto findings = run_rules(SnapshotBuilder("s").retention(24)
                                .constant(metric::kIteratorAge, "Maximum", 24.0 * 3600 * 1000).build());
  ASSERT_FALSE(findings.empty());
  for (const auto& f : findings) {
    nlohmann::json doc = to_json(f);
    EXPECT_TRUE(doc.contains("evidence"));
    auto back = finding_from_json(doc);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(to_json(*back), doc);
  }
  nlohmann::json doc = to_json(findings.front());
  EXPECT_EQ(doc["severity"], "critical");
  EXPECT_EQ(doc["evidence"][0]["statistic"], "Maximum");
  EXPECT_EQ(doc["evidence"][0]["period"], 60);
  EXPECT_EQ(doc["evidence"][0]["at"], "2026-01-05T09:00:00.000Z");
  doc["severity"] = "urgent";
  EXPECT_FALSE(finding_from_json(doc).ok());
}

}  // namespace
}  // namespace kwb::analysis
