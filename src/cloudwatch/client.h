#pragma once
// cloudwatch::Client: typed CloudWatch calls over aws::AwsClient, in the Query protocol (the
// default: every endpoint, Debian's awscli and older emulators speak it) or AWS JSON 1.0.
//
// Each method is one API call (one HTTP exchange plus the retries AwsClient does); the *_all
// helpers follow NextToken until the last page. GetMetricData for more than 500 queries, in
// parallel, lives in metric_batcher.h on top of get_metric_data().
//
// Inputs are validated before anything is sent (kInvalidInput with the offending field), so a
// request CloudWatch would reject with InvalidParameterValue fails fast and the same way under
// both protocols. Service errors come back as AwsClient maps them (aws/error_table.h):
// InvalidParameterValue -> kInvalidInput with Error::code set, throttling -> kThrottling, ...
//
// Ownership: holds an AwsClient, which borrows the AwsSession; the session must outlive the
// client. Thread-safe: all methods are const and may run concurrently (the batcher does).

#include <string>
#include <vector>

#include "aws/client.h"
#include "cloudwatch/codec.h"
#include "cloudwatch/types.h"
#include "core/result.h"

namespace kwb::cloudwatch {

struct ClientOptions {
  Protocol protocol = Protocol::kQuery;
  // Upper bound on pages the *_all helpers fetch, so a server that keeps answering with a
  // NextToken cannot keep us looping forever.
  int max_pages = 10000;
};

// Per-call counters, for callers that report what the network layer did.
struct CallCounters {
  int requests = 0;  // API calls made
  int attempts = 0;  // HTTP attempts including retries
};

class Client {
 public:
  explicit Client(aws::AwsClient aws, ClientOptions options = {});

  // One GetMetricData call. REQUIRES (else kInvalidInput): 1..500 queries, unique valid ids,
  // each with exactly one of metric_stat and expression, start_time < end_time.
  [[nodiscard]] Result<GetMetricDataPage> get_metric_data(const GetMetricDataRequest& request,
                                                          CallCounters* counters = nullptr) const;

  [[nodiscard]] Result<GetMetricStatisticsResult> get_metric_statistics(
      const GetMetricStatisticsRequest& request) const;

  [[nodiscard]] Result<ListMetricsPage> list_metrics(const ListMetricsRequest& request) const;
  // Every page, starting from request.next_token.
  [[nodiscard]] Result<std::vector<Metric>> list_all_metrics(ListMetricsRequest request) const;

  // REQUIRES: a namespace that does not start with "AWS/", 1..1000 data, finite values.
  [[nodiscard]] Status put_metric_data(const PutMetricDataRequest& request) const;

  // Creates or replaces the alarm. The state fields of `alarm` are ignored.
  [[nodiscard]] Status put_metric_alarm(const MetricAlarm& alarm) const;

  [[nodiscard]] Result<DescribeAlarmsPage> describe_alarms(const DescribeAlarmsRequest& request) const;
  [[nodiscard]] Result<std::vector<MetricAlarm>> describe_all_alarms(DescribeAlarmsRequest request) const;

  // REQUIRES: 1..100 names.
  [[nodiscard]] Status delete_alarms(const std::vector<std::string>& alarm_names) const;

  [[nodiscard]] Result<AlarmHistoryPage> describe_alarm_history(const DescribeAlarmHistoryRequest& request) const;
  [[nodiscard]] Result<std::vector<AlarmHistoryItem>> describe_all_alarm_history(
      DescribeAlarmHistoryRequest request) const;

  [[nodiscard]] const ClientOptions& options() const { return options_; }

 private:
  // Sends one operation in the configured protocol and returns the result document in the JSON
  // shape (see codec.h).
  Result<nlohmann::json> call(const std::string& operation, const nlohmann::json& document,
                              CallCounters* counters = nullptr) const;

  // AwsClient's methods are not const, but it is thread-safe and stateless per call.
  mutable aws::AwsClient aws_;
  ClientOptions options_;
};

// Input checks shared by the client and the batcher; kInvalidInput naming the field.
[[nodiscard]] Status validate_query(const MetricDataQuery& query, const std::string& field);
[[nodiscard]] Status validate_metric_alarm(const MetricAlarm& alarm);

}  // namespace kwb::cloudwatch
