#include "emulator/cloudwatch/metric_store.h"

#include <gtest/gtest.h>

#include "emulator/cloudwatch/statistics.h"

namespace kwb::emulator::cloudwatch {
namespace {

SystemTimePoint at(std::int64_t s) { return SystemTimePoint(std::chrono::seconds(s)); }
const MetricId kId{"us-east-1", "AWS/Kinesis", "IncomingRecords", {{"StreamName", "s"}}};
constexpr std::int64_t kT0 = 1700000000 / 3600 * 3600;  // an hour boundary

TEST(MetricStore, AggregatesPerMinute) {
  MetricStore store;
  store.add(kId, "Count", at(kT0 + 1), 3);
  store.add(kId, "Count", at(kT0 + 59), 5);
  store.add(kId, "Count", at(kT0 + 61), 7);
  auto minutes = store.query(kId, kT0, kT0 + 180, 60, kT0 + 200);
  ASSERT_EQ(minutes.size(), 3u);
  ASSERT_TRUE(minutes[0] && minutes[1]);
  EXPECT_FALSE(minutes[2]);
  EXPECT_EQ(minutes[0]->sum, 8);
  EXPECT_EQ(minutes[0]->count, 2);
  EXPECT_EQ(minutes[0]->min, 3);
  EXPECT_EQ(minutes[0]->max, 5);
  EXPECT_EQ(minutes[1]->sum, 7);
  auto five = store.query(kId, kT0, kT0 + 300, 300, kT0 + 400);
  ASSERT_TRUE(five[0]);
  EXPECT_EQ(five[0]->sum, 15);
  EXPECT_EQ(five[0]->count, 3);
}

TEST(MetricStore, SubMinutePeriodsSeeWholeMinutesWhereTheMinuteStarts) {
  MetricStore store;
  store.add(kId, "Count", at(kT0 + 1), 3);
  store.add(kId, "Count", at(kT0 + 59), 5);   // same minute as the 3: one bucket, sum 8
  store.add(kId, "Count", at(kT0 + 125), 7);  // third minute
  for (std::int64_t period : {1, 5, 10, 20, 30}) {
    SCOPED_TRACE(period);
    auto periods = store.query(kId, kT0, kT0 + 180, period, kT0 + 200);
    ASSERT_EQ(periods.size(), static_cast<std::size_t>(180 / period));
    std::vector<std::size_t> with_data;
    for (std::size_t k = 0; k < periods.size(); ++k) {
      if (periods[k]) with_data.push_back(k);
    }
    ASSERT_EQ(with_data, (std::vector<std::size_t>{0, static_cast<std::size_t>(120 / period)}));
    EXPECT_EQ(periods[0]->sum, 8);
    EXPECT_EQ(periods[0]->count, 2);
    EXPECT_EQ(periods[with_data[1]]->sum, 7);
  }
  // An unaligned start: the minute at kT0 + 120 falls in the period [kT0 + 115, kT0 + 125).
  auto shifted = store.query(kId, kT0 + 5, kT0 + 180, 10, kT0 + 200);
  ASSERT_EQ(shifted.size(), 18u);
  for (std::size_t k = 0; k < shifted.size(); ++k) EXPECT_EQ(shifted[k].has_value(), k == 11) << k;
  EXPECT_EQ(shifted[11]->sum, 7);
}

TEST(MetricStore, RequiredPeriodMultipleFollowsTheRetentionTiers) {
  constexpr std::int64_t kHour = 3600, kDay = 86400;
  EXPECT_EQ(MetricStore::required_period_multiple(0), 1);
  EXPECT_EQ(MetricStore::required_period_multiple(3 * kHour), 1);
  EXPECT_EQ(MetricStore::required_period_multiple(3 * kHour + 1), 60);
  EXPECT_EQ(MetricStore::required_period_multiple(15 * kDay), 60);
  EXPECT_EQ(MetricStore::required_period_multiple(15 * kDay + 1), 300);
  EXPECT_EQ(MetricStore::required_period_multiple(63 * kDay), 300);
  EXPECT_EQ(MetricStore::required_period_multiple(63 * kDay + 1), 3600);
}

TEST(MetricStore, RollsUpAndExpiresByRetention) {
  MetricStore store;
  for (int m = 0; m < 120; ++m) store.add(kId, "Count", at(kT0 + m * 60), 1);
  const std::int64_t later = kT0 + 20 * 86400;  // minute data (15 days) is gone, 5-minute kept
  store.expire(later);
  auto minute = store.query(kId, kT0, kT0 + 60, 60, later);
  ASSERT_TRUE(minute[0]);  // answered from the 5-minute resolution
  auto hour = store.query(kId, kT0, kT0 + 3600, 3600, later);
  ASSERT_TRUE(hour[0]);
  EXPECT_EQ(hour[0]->sum, 60);
  store.expire(kT0 + 70 * 86400);  // past 63 days: only hours
  auto hours = store.query(kId, kT0, kT0 + 7200, 3600, kT0 + 70 * 86400);
  ASSERT_TRUE(hours[1]);
  EXPECT_EQ(hours[1]->sum, 60);
  store.expire(kT0 + 460 * 86400);
  EXPECT_EQ(store.series_count(), 0u);
}

TEST(Statistics, PercentilesWithinOnePercentAndClamped) {
  Aggregate a;
  for (int i = 1; i <= 1000; ++i) a.add(i);
  EXPECT_NEAR(*a.percentile(50), 500, 5);
  EXPECT_NEAR(*a.percentile(90), 900, 9);
  EXPECT_NEAR(*a.percentile(99), 990, 10);
  Aggregate single;
  single.add(42.5);
  EXPECT_EQ(*single.percentile(99), 42.5);
  auto p99 = parse_extended_statistic("p99.9");
  ASSERT_TRUE(p99);
  EXPECT_DOUBLE_EQ(p99->percentile, 99.9);
  EXPECT_FALSE(parse_extended_statistic("p101"));
  EXPECT_FALSE(parse_extended_statistic("p9.999"));
  EXPECT_FALSE(parse_standard_statistic("Avg"));
  EXPECT_EQ(compute(*parse_statistic("Average"), a), 500.5);
}

}  // namespace
}  // namespace kwb::emulator::cloudwatch
