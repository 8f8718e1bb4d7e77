#pragma once
// Alarm recommendations: for each stream, the CloudWatch alarms that would have caught the
// problems the rules look for, with thresholds derived from the stream's retention and the
// latency SLO, under idempotent names "kwb-<stream>-<metric>" (PutMetricAlarm replaces an alarm
// of the same name, so applying twice changes nothing).
//
//   alarm                                 statistic  period  threshold                         M of N
//   GetRecords.IteratorAgeMilliseconds    Maximum    60 s    min(SLO, 50% retention)            5 of 5
//   WriteProvisionedThroughputExceeded    Sum        60 s    > 0                                5 of 5
//   ReadProvisionedThroughputExceeded     Sum        60 s    > 0                                5 of 5
//   PutRecords.FailedRecords              Sum        60 s    > 0                                1 of 1
//   GetRecords.Success                    Average    300 s   < 1                                3 of 3
//
// Pure functions except apply_alarms, which calls CloudWatch. Thread-safe.

#include <nlohmann/json.hpp>

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

struct AlarmApplyResult {
  std::vector<std::string> created;  // names put successfully
  std::vector<std::pair<std::string, Error>> failed;
};

// PutMetricAlarm for each alarm; continues past failures and reports them all.
AlarmApplyResult apply_alarms(const cloudwatch::Client& client, const std::vector<cloudwatch::MetricAlarm>& alarms);

}  // namespace kwb::analysis
