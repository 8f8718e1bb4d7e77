// AWS JSON 1.0: target header, content type, body shapes with epoch-second timestamps, and
// responses in the JSON shape.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cloudwatch/client.h"
#include "cloudwatch/tests/fake_cloudwatch.h"

namespace kwb::cloudwatch {
namespace {

using nlohmann::json;
using testing::Fixture;
using ::testing::HasSubstr;
using testing::json_response;

TEST(JsonClient, GetMetricDataRequestAndResponseShapes) {
  Fixture fx([](const aws::HttpRequest&) {
    return json_response(200, R"({
      "MetricDataResults": [
        {"Id": "m1", "Label": "IncomingRecords", "Timestamps": [1440938100, 1440938040.5],
         "Values": [42.0, 7], "StatusCode": "Complete"}
      ],
      "NextToken": "next-1",
      "Messages": []
    })");
  });
  GetMetricDataRequest request;
  MetricDataQuery q;
  q.id = "m1";
  q.metric_stat = MetricStat{Metric{"AWS/Kinesis", "IncomingRecords", {{"StreamName", "orders"}}}, 60, "Sum", {}};
  request.queries.push_back(q);
  request.start_time = testing::test_now() - std::chrono::hours(1);
  request.end_time = testing::test_now();
  request.next_token = "prev";
  Result<GetMetricDataPage> page = fx.client(Protocol::kJson10).get_metric_data(request);
  ASSERT_TRUE(page.ok()) << page.error();

  const auto requests = fx.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(testing::header(requests[0], "X-Amz-Target"), "GraniteServiceVersion20100801.GetMetricData");
  EXPECT_EQ(testing::header(requests[0], "Content-Type"), "application/x-amz-json-1.0");
  const json body = json::parse(requests[0].body);
  EXPECT_EQ(body["MetricDataQueries"][0]["Id"], "m1");
  EXPECT_EQ(body["MetricDataQueries"][0]["MetricStat"]["Metric"]["Dimensions"][0]["Name"], "StreamName");
  EXPECT_EQ(body["MetricDataQueries"][0]["MetricStat"]["Metric"]["Dimensions"][0]["Value"], "orders");
  EXPECT_EQ(body["MetricDataQueries"][0]["MetricStat"]["Period"], 60);
  EXPECT_EQ(body["MetricDataQueries"][0]["MetricStat"]["Stat"], "Sum");
  EXPECT_FALSE(body["MetricDataQueries"][0]["MetricStat"].contains("Unit"));
  EXPECT_EQ(body["StartTime"], 1440934560);
  EXPECT_EQ(body["EndTime"], 1440938160);
  EXPECT_EQ(body["NextToken"], "prev");
  EXPECT_FALSE(body.contains("Action"));

  ASSERT_EQ(page->results.size(), 1u);
  const MetricDataResult& r = page->results[0];
  ASSERT_EQ(r.values.size(), 2u);
  EXPECT_EQ(r.values[1], 7.0);
  EXPECT_EQ(r.timestamps[0], testing::test_now() - std::chrono::minutes(1));
  EXPECT_EQ(r.timestamps[1], testing::test_now() - std::chrono::seconds(119) - std::chrono::milliseconds(500));
  EXPECT_EQ(page->next_token, "next-1");
}

TEST(JsonClient, PutMetricAlarmBodyAndEmptyResponse) {
  Fixture fx([](const aws::HttpRequest&) { return json_response(200, ""); });
  MetricAlarm alarm;
  alarm.alarm_name = "lag";
  alarm.metric_name = "GetRecords.IteratorAgeMilliseconds";
  alarm.namespace_name = "AWS/Kinesis";
  alarm.extended_statistic = "p99";
  alarm.dimensions = {{"StreamName", "orders"}};
  alarm.period_seconds = 60;
  alarm.evaluation_periods = 5;
  alarm.datapoints_to_alarm = 3;
  alarm.threshold = 1.5;
  alarm.comparison_operator = ComparisonOperator::kGreaterThanOrEqualToThreshold;
  alarm.treat_missing_data = TreatMissingData::kIgnore;
  alarm.actions_enabled = false;
  ASSERT_TRUE(fx.client(Protocol::kJson10).put_metric_alarm(alarm).ok());
  const auto request = fx.requests().at(0);
  EXPECT_EQ(testing::header(request, "X-Amz-Target"), "GraniteServiceVersion20100801.PutMetricAlarm");
  const json body = json::parse(request.body);
  EXPECT_EQ(body["AlarmName"], "lag");
  EXPECT_EQ(body["ExtendedStatistic"], "p99");
  EXPECT_FALSE(body.contains("Statistic"));
  EXPECT_EQ(body["Dimensions"][0]["Value"], "orders");
  EXPECT_EQ(body["EvaluationPeriods"], 5);
  EXPECT_EQ(body["DatapointsToAlarm"], 3);
  EXPECT_EQ(body["Threshold"], 1.5);
  EXPECT_EQ(body["ComparisonOperator"], "GreaterThanOrEqualToThreshold");
  EXPECT_EQ(body["TreatMissingData"], "ignore");
  EXPECT_EQ(body["ActionsEnabled"], false);
}

TEST(JsonClient, DescribeAlarmsWithEpochTimestamps) {
  Fixture fx([](const aws::HttpRequest&) {
    return json_response(200, R"({"MetricAlarms": [{
      "AlarmName": "lag", "StateValue": "INSUFFICIENT_DATA", "StateUpdatedTimestamp": 1440938160.0,
      "MetricName": "GetRecords.IteratorAgeMilliseconds", "Namespace": "AWS/Kinesis", "Statistic": "Maximum",
      "Dimensions": [{"Name": "StreamName", "Value": "a&b<c>"}], "Period": 60, "EvaluationPeriods": 3,
      "Threshold": 60000.0, "ComparisonOperator": "GreaterThanThreshold", "ActionsEnabled": true,
      "AlarmActions": [], "OKActions": ["arn:ok"]}], "CompositeAlarms": []})");
  });
  DescribeAlarmsRequest request;
  request.max_records = 50;
  Result<DescribeAlarmsPage> page = fx.client(Protocol::kJson10).describe_alarms(request);
  ASSERT_TRUE(page.ok()) << page.error();
  EXPECT_EQ(json::parse(fx.requests().at(0).body)["MaxRecords"], 50);
  ASSERT_EQ(page->metric_alarms.size(), 1u);
  const MetricAlarm& a = page->metric_alarms[0];
  EXPECT_EQ(a.state_value, AlarmState::kInsufficientData);
  EXPECT_EQ(a.state_updated_timestamp, testing::test_now());
  EXPECT_EQ(a.dimensions.at(0).value, "a&b<c>");
  EXPECT_EQ(a.ok_actions, std::vector<std::string>{"arn:ok"});
  EXPECT_FALSE(page->next_token.has_value());
}

TEST(JsonClient, ErrorBodyMapsToInvalidInput) {
  Fixture fx([](const aws::HttpRequest&) {
    return json_response(400, R"({"__type":"com.amazonaws.cloudwatch#InvalidParameterValueException",
                                  "message":"The value p101 for parameter ExtendedStatistic is not valid."})");
  });
  GetMetricStatisticsRequest request;
  request.metric = Metric{"AWS/Kinesis", "IncomingBytes", {}};
  request.start_time = testing::test_now() - std::chrono::hours(1);
  request.end_time = testing::test_now();
  request.extended_statistics = {"p101"};
  Result<GetMetricStatisticsResult> result = fx.client(Protocol::kJson10).get_metric_statistics(request);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(result.error().code, "InvalidParameterValueException");
  EXPECT_THAT(result.error().message, HasSubstr("p101"));
}

TEST(JsonClient, GetMetricStatisticsExtendedStatisticsMap) {
  Fixture fx([](const aws::HttpRequest&) {
    return json_response(200, R"({"Label": "GetRecords.Latency", "Datapoints": [
      {"Timestamp": 1440937800, "Maximum": 80.0, "Unit": "Milliseconds",
       "ExtendedStatistics": {"p50": 10.0, "p99": 75.5}}]})");
  });
  GetMetricStatisticsRequest request;
  request.metric = Metric{"AWS/Kinesis", "GetRecords.Latency", {{"StreamName", "orders"}}};
  request.start_time = testing::test_now() - std::chrono::hours(1);
  request.end_time = testing::test_now();
  request.statistics = {"Maximum"};
  request.extended_statistics = {"p50", "p99"};
  Result<GetMetricStatisticsResult> result = fx.client(Protocol::kJson10).get_metric_statistics(request);
  ASSERT_TRUE(result.ok()) << result.error();
  const json body = json::parse(fx.requests().at(0).body);
  EXPECT_EQ(body["Statistics"], json::array({"Maximum"}));
  EXPECT_EQ(body["ExtendedStatistics"], json::array({"p50", "p99"}));
  ASSERT_EQ(result->datapoints.size(), 1u);
  EXPECT_EQ(result->datapoints[0].maximum, 80.0);
  EXPECT_EQ(result->datapoints[0].extended_statistics.at("p99"), 75.5);
}

}  // namespace
}  // namespace kwb::cloudwatch
