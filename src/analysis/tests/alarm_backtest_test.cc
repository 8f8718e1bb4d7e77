// backtest_alarm: the recommended alarms replayed over synthetic windows whose every datapoint is
// chosen by the test, so each expected time and count below follows from the series by hand.
#include <gtest/gtest.h>

#include "analysis/alarms.h"
#include "analysis/tests/snapshot_builder.h"

namespace kwb::analysis {
namespace {

using namespace std::chrono_literals;
using testing::SnapshotBuilder;

const cloudwatch::MetricAlarm& alarm_for(const std::vector<cloudwatch::MetricAlarm>& alarms, const char* metric_name) {
  for (const auto& alarm : alarms) {
    if (alarm.metric_name == metric_name) return alarm;
  }
  throw std::runtime_error(std::string("no alarm for ") + metric_name);
}

TEST(AlarmBacktest, HealthyStreamKeepsEveryAlarmQuiet) {
  const StreamSnapshot s = testing::healthy_stream();
  for (const auto& alarm : recommend_alarms(s)) {
    const AlarmBacktest b = backtest_alarm(alarm, s);
    EXPECT_TRUE(b.evaluated) << alarm.alarm_name;
    EXPECT_FALSE(b.would_fire) << alarm.alarm_name;
    EXPECT_EQ(b.times_fired, 0) << alarm.alarm_name;
    EXPECT_GT(b.datapoints, 0) << alarm.alarm_name;
  }
}

TEST(AlarmBacktest, RecurringWriteThrottlingFiresOnTheThirdThrottledMinuteInThirty) {
  // 180 one-minute points; throttled one minute in every ten (a peak every ten minutes), from 100.
  SnapshotBuilder b("clicks");
  b.series(metric::kWriteExceeded, "Sum", [](int i) { return i >= 100 && i % 10 == 0 ? 40.0 : 0.0; });
  const StreamSnapshot s = b.build();
  const AlarmBacktest t = backtest_alarm(alarm_for(recommend_alarms(s), metric::kWriteExceeded), s);
  ASSERT_TRUE(t.evaluated);
  EXPECT_TRUE(t.would_fire);
  EXPECT_EQ(t.times_fired, 1);
  // Throttled minutes 100, 110, 120: the third tips 3-of-30; its period ends at minute 121.
  ASSERT_TRUE(t.first_alarm_at.has_value());
  EXPECT_EQ(*t.first_alarm_at, b.at(121));
  // From then on every 30-minute window holds three throttled minutes: in ALARM to the end.
  EXPECT_EQ(t.time_in_alarm, std::chrono::minutes(180 - 120));
  EXPECT_EQ(t.breaching_datapoints, 8);
  EXPECT_EQ(t.datapoints, 180);
  ASSERT_TRUE(t.worst_value.has_value());
  EXPECT_DOUBLE_EQ(*t.worst_value, 40.0);
  EXPECT_FALSE(t.approximate);
}

TEST(AlarmBacktest, ALoneBurstOfWriteThrottlingStaysQuiet) {
  SnapshotBuilder b("clicks");
  b.series(metric::kWriteExceeded, "Sum", [](int i) { return i == 50 || i == 51 ? 10.0 : 0.0; });
  const StreamSnapshot s = b.build();
  const AlarmBacktest t = backtest_alarm(alarm_for(recommend_alarms(s), metric::kWriteExceeded), s);
  EXPECT_FALSE(t.would_fire);
  EXPECT_EQ(t.breaching_datapoints, 2);
}

TEST(AlarmBacktest, SustainedReadThrottlingFiresAtTheEndOfTheFifthMinute) {
  SnapshotBuilder b("reads");
  b.series(metric::kReadExceeded, "Sum", [](int i) { return i >= 100 && i < 110 ? 5.0 : 0.0; });
  const StreamSnapshot s = b.build();
  const AlarmBacktest t = backtest_alarm(alarm_for(recommend_alarms(s), metric::kReadExceeded), s);
  EXPECT_TRUE(t.would_fire);
  ASSERT_TRUE(t.first_alarm_at.has_value());
  EXPECT_EQ(*t.first_alarm_at, b.at(105));  // minutes 100..104 breach; the fifth ends at 105
  EXPECT_EQ(t.time_in_alarm, 6min);          // periods 104..109 close a window of five breaches
}

TEST(AlarmBacktest, ReadThrottlingShorterThanFiveMinutesDoesNotFire) {
  SnapshotBuilder b("reads");
  b.series(metric::kReadExceeded, "Sum", [](int i) { return i >= 50 && i < 54 ? 10.0 : 0.0; });  // 4 minutes
  const StreamSnapshot s = b.build();
  const AlarmBacktest t = backtest_alarm(alarm_for(recommend_alarms(s), metric::kReadExceeded), s);
  EXPECT_FALSE(t.would_fire);
  EXPECT_EQ(t.breaching_datapoints, 4);
}

TEST(AlarmBacktest, LaggingConsumerFiresTheIteratorAgeAlarmOncePastTheSlo) {
  // Iterator age climbs 1 s per minute: it passes the 60 s SLO after minute 60.
  SnapshotBuilder b("events");
  b.series(metric::kIteratorAge, "Maximum", [](int i) { return i * 1000.0; });
  const StreamSnapshot s = b.build();
  const auto alarms = recommend_alarms(s);
  const auto& alarm = alarm_for(alarms, metric::kIteratorAge);
  ASSERT_DOUBLE_EQ(alarm.threshold, 60'000);
  const AlarmBacktest t = backtest_alarm(alarm, s);
  EXPECT_TRUE(t.would_fire);
  // Minutes 61..65 are the first five above 60,000 ms; the fifth ends at minute 66.
  ASSERT_TRUE(t.first_alarm_at.has_value());
  EXPECT_EQ(*t.first_alarm_at, b.at(66));
  EXPECT_EQ(t.time_in_alarm, std::chrono::minutes(180 - 65));
  ASSERT_TRUE(t.worst_value.has_value());
  EXPECT_DOUBLE_EQ(*t.worst_value, 179'000);
}

TEST(AlarmBacktest, MissingDataIsNotBreachingSoAnIdleStreamStaysQuiet) {
  SnapshotBuilder b("archive");  // no series at all
  const StreamSnapshot s = b.build();
  for (const auto& alarm : recommend_alarms(s)) {
    const AlarmBacktest t = backtest_alarm(alarm, s);
    EXPECT_TRUE(t.evaluated);
    EXPECT_FALSE(t.would_fire) << alarm.alarm_name;
    EXPECT_EQ(t.datapoints, 0);
  }
}

TEST(AlarmBacktest, BreachingMissingDataFiresWithoutAnyDatapoint) {
  SnapshotBuilder b("archive");
  const StreamSnapshot s = b.build();
  cloudwatch::MetricAlarm alarm = alarm_for(recommend_alarms(s), metric::kReadExceeded);  // 5 of 5
  alarm.treat_missing_data = cloudwatch::TreatMissingData::kBreaching;
  const AlarmBacktest t = backtest_alarm(alarm, s);
  EXPECT_TRUE(t.would_fire);
  ASSERT_TRUE(t.first_alarm_at.has_value());
  EXPECT_EQ(*t.first_alarm_at, b.at(5));
}

TEST(AlarmBacktest, FiveMinuteAlarmRollsOneMinuteDataUp) {
  // GetRecords.Success Average, 300 s, 3 of 3. Minutes 60..74 average 0.5 (three 5-minute periods).
  SnapshotBuilder b("reads");
  b.series(metric::kGetRecordsSuccess, "Average", [](int i) { return i >= 60 && i < 75 ? 0.5 : 1.0; });
  const StreamSnapshot s = b.build();
  const AlarmBacktest t = backtest_alarm(alarm_for(recommend_alarms(s), metric::kGetRecordsSuccess), s);
  EXPECT_EQ(t.resolution_seconds, 300);
  EXPECT_TRUE(t.approximate);  // an average of averages
  EXPECT_EQ(t.datapoints, 36);
  EXPECT_TRUE(t.would_fire);
  ASSERT_TRUE(t.first_alarm_at.has_value());
  EXPECT_EQ(*t.first_alarm_at, b.at(75));
  EXPECT_EQ(t.time_in_alarm, 5min);
}

TEST(AlarmBacktest, CoarseDataShrinksTheEvaluationWindowToTheSameSpan) {
  // A 24-point window of 5-minute data; the 1-minute read-throttling alarm (5 of 5 minutes)
  // becomes 1 of 1 five-minute datapoint.
  SnapshotBuilder b("reads", 1, 24, 300);
  b.series(metric::kReadExceeded, "Sum", [](int i) { return i == 10 ? 3.0 : 0.0; });
  const StreamSnapshot s = b.build();
  const AlarmBacktest t = backtest_alarm(alarm_for(recommend_alarms(s), metric::kReadExceeded), s);
  EXPECT_EQ(t.resolution_seconds, 300);
  EXPECT_TRUE(t.approximate);
  EXPECT_TRUE(t.would_fire);
  ASSERT_TRUE(t.first_alarm_at.has_value());
  EXPECT_EQ(*t.first_alarm_at, b.at(11));
  EXPECT_EQ(t.time_in_alarm, 5min);
}

TEST(AlarmBacktest, AnomalyBandsAreReportedAsNotReplayed) {
  const StreamSnapshot s = testing::healthy_stream();
  cloudwatch::MetricAlarm alarm = recommend_alarms(s).front();
  alarm.comparison_operator = cloudwatch::ComparisonOperator::kLessThanLowerOrGreaterThanUpperThreshold;
  const AlarmBacktest t = backtest_alarm(alarm, s);
  EXPECT_FALSE(t.evaluated);
  EXPECT_NE(t.not_evaluated_reason.find("LessThanLowerOrGreaterThanUpperThreshold"), std::string::npos);
  EXPECT_EQ(to_json(t)["evaluated"], false);
}

}  // namespace
}  // namespace kwb::analysis
