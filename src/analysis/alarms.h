#pragma once
// Alarm recommendations: for each stream, the CloudWatch alarms that would have caught the
// problems the rules look for, with thresholds derived from the stream's retention and the
// latency SLO, under idempotent names "kwb-<stream>-<metric>" (PutMetricAlarm replaces an alarm
// of the same name, so applying twice changes nothing).
//
//   alarm                                 statistic  period  threshold                         M of N
//   GetRecords.IteratorAgeMilliseconds    Maximum    60 s    min(SLO, 50% retention)            5 of 5
//   WriteProvisionedThroughputExceeded    Sum        60 s    > 0                                3 of 30
//   ReadProvisionedThroughputExceeded     Sum        60 s    > 0                                5 of 5
//   PutRecords.FailedRecords              Sum        60 s    > 0                                1 of 1
//   GetRecords.Success                    Average    300 s   < 1                                3 of 3
//
// backtest_alarm replays an alarm over the snapshot's own series — the metrics the analysis just
// read — and says whether, when and for how long it would have been in ALARM: the proof that the
// recommended alarm would have caught what the findings describe (and that it stays quiet on a
// healthy stream). It follows CloudWatch's evaluation: datapoints of the alarm's period and
// statistic, "M out of N" over the last N datapoints, missing data per TreatMissingData
// (notBreaching counts as good, breaching as bad, ignore/missing are skipped). Where the window's
// period differs from the alarm's it is approximate and says so:
//   - finer data (60 s for a 300 s alarm) is rolled up into the alarm's period (Sum adds, Maximum
//     and Minimum keep the extreme, Average averages the sub-period averages, which equals the
//     true average only when every sub-period had as many samples);
//   - coarser data (5-minute points for a 1-minute alarm, on windows past 15 days) is evaluated
//     per datapoint, with M and N shrunk to cover the same span of time.
//
// Pure functions except apply_alarms, which calls CloudWatch. Thread-safe.

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "analysis/rules.h"
#include "analysis/snapshot.h"
#include "cloudwatch/client.h"
#include "cloudwatch/types.h"

namespace kwb::analysis {

struct AlarmOptions {
  std::vector<std::string> alarm_actions;  // e.g. an SNS topic ARN; empty: state only
};

// "kwb-<stream>-<metric>", with characters CloudWatch shows badly replaced by '-'.
std::string alarm_name(const std::string& stream, const std::string& metric_name);

std::vector<cloudwatch::MetricAlarm> recommend_alarms(const StreamSnapshot& snapshot, const RulesConfig& config = {},
                                                      const AlarmOptions& options = {});

nlohmann::json to_json(const cloudwatch::MetricAlarm& alarm);

struct AlarmBacktest {
  bool evaluated = false;              // false: an operator or statistic this replay does not model
  std::string not_evaluated_reason;    // why, when !evaluated
  bool would_fire = false;             // in ALARM at least once in the window
  std::optional<SystemTimePoint> first_alarm_at;  // end of the period that first tipped it into ALARM
  std::chrono::seconds time_in_alarm{0};
  int times_fired = 0;                 // OK -> ALARM transitions
  int datapoints = 0;                  // datapoints of the alarm's period that had data
  int breaching_datapoints = 0;
  std::optional<double> worst_value;   // the datapoint furthest past the threshold's side
  int resolution_seconds = 0;          // the period actually evaluated
  bool approximate = false;            // resolution differs from the alarm's period
};

AlarmBacktest backtest_alarm(const cloudwatch::MetricAlarm& alarm, const StreamSnapshot& snapshot);
nlohmann::json to_json(const AlarmBacktest& backtest);

struct AlarmApplyResult {
  std::vector<std::string> created;  // names put successfully
  std::vector<std::pair<std::string, Error>> failed;
};

// PutMetricAlarm for each alarm; continues past failures and reports them all.
AlarmApplyResult apply_alarms(const cloudwatch::Client& client, const std::vector<cloudwatch::MetricAlarm>& alarms);

}  // namespace kwb::analysis
