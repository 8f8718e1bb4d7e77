// The Query protocol end to end through a fake transport: exact parameter names in the recorded
// form body, and parsing of responses written after the API reference's documented shapes.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cloudwatch/client.h"
#include "cloudwatch/tests/fake_cloudwatch.h"

namespace kwb::cloudwatch {
namespace {

using ::testing::Contains;
using testing::Fixture;
using testing::form_params;
using ::testing::HasSubstr;
using ::testing::Pair;
using testing::xml_response;

constexpr const char* kGetMetricDataXml =
    R"(<GetMetricDataResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">
  <GetMetricDataResult>
    <MetricDataResults>
      <member>
        <Timestamps>
          <member>2015-08-30T12:35:00Z</member>
          <member>2015-08-30T12:34:00Z</member>
        </Timestamps>
        <StatusCode>Complete</StatusCode>
        <Label>IncomingBytes</Label>
        <Id>m1</Id>
        <Values>
          <member>1048576.0</member>
          <member>2.5E3</member>
        </Values>
        <Messages/>
      </member>
      <member>
        <Timestamps/>
        <StatusCode>PartialData</StatusCode>
        <Label>per second</Label>
        <Id>e1</Id>
        <Values/>
      </member>
    </MetricDataResults>
    <NextToken>page-2-token</NextToken>
    <Messages>
      <member><Code>MaxMetricsExceeded</Code><Value>some detail</Value></member>
    </Messages>
  </GetMetricDataResult>
  <ResponseMetadata>
    <RequestId>0c6c1b13-8c4a-4b6e-9e52-1f0f1d7c0d01</RequestId>
  </ResponseMetadata>
</GetMetricDataResponse>)";

MetricDataQuery incoming_bytes(const std::string& id, const std::string& stream) {
  MetricDataQuery q;
  q.id = id;
  q.metric_stat = MetricStat{Metric{"AWS/Kinesis", "IncomingBytes", {{"StreamName", stream}}}, 60, "Sum", "Bytes"};
  return q;
}

TEST(QueryClient, GetMetricDataEncodesQueriesWithExactNames) {
  Fixture fx([](const aws::HttpRequest&) { return xml_response(200, kGetMetricDataXml); });
  GetMetricDataRequest request;
  request.queries.push_back(incoming_bytes("m1", "orders"));
  MetricDataQuery expression;
  expression.id = "e1";
  expression.expression = "m1 / 60";
  expression.label = "per second";
  expression.period_seconds = 300;
  request.queries.push_back(expression);
  request.queries[0].return_data = false;
  request.start_time = testing::test_now() - std::chrono::hours(3);
  request.end_time = testing::test_now();
  request.scan_by = ScanBy::kTimestampAscending;

  Result<GetMetricDataPage> page = fx.client().get_metric_data(request);
  ASSERT_TRUE(page.ok()) << page.error();

  const auto requests = fx.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_THAT(testing::header(requests[0], "Content-Type"), HasSubstr("application/x-www-form-urlencoded"));
  EXPECT_THAT(testing::header(requests[0], "Authorization"), HasSubstr("/us-east-1/monitoring/aws4_request"));
  const auto params = form_params(requests[0].body);
  EXPECT_THAT(params, Contains(Pair("Action", "GetMetricData")));
  EXPECT_THAT(params, Contains(Pair("Version", "2010-08-01")));
  EXPECT_THAT(params, Contains(Pair("MetricDataQueries.member.1.Id", "m1")));
  EXPECT_THAT(params, Contains(Pair("MetricDataQueries.member.1.MetricStat.Metric.Namespace", "AWS/Kinesis")));
  EXPECT_THAT(params, Contains(Pair("MetricDataQueries.member.1.MetricStat.Metric.MetricName", "IncomingBytes")));
  EXPECT_THAT(params,
              Contains(Pair("MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Name", "StreamName")));
  EXPECT_THAT(params,
              Contains(Pair("MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value", "orders")));
  EXPECT_THAT(params, Contains(Pair("MetricDataQueries.member.1.MetricStat.Period", "60")));
  EXPECT_THAT(params, Contains(Pair("MetricDataQueries.member.1.MetricStat.Stat", "Sum")));
  EXPECT_THAT(params, Contains(Pair("MetricDataQueries.member.1.MetricStat.Unit", "Bytes")));
  EXPECT_THAT(params, Contains(Pair("MetricDataQueries.member.1.ReturnData", "false")));
  EXPECT_THAT(params, Contains(Pair("MetricDataQueries.member.2.Id", "e1")));
  EXPECT_THAT(params, Contains(Pair("MetricDataQueries.member.2.Expression", "m1 / 60")));
  EXPECT_THAT(params, Contains(Pair("MetricDataQueries.member.2.Label", "per second")));
  EXPECT_THAT(params, Contains(Pair("MetricDataQueries.member.2.Period", "300")));
  EXPECT_THAT(params, Contains(Pair("StartTime", "2015-08-30T09:36:00Z")));
  EXPECT_THAT(params, Contains(Pair("EndTime", "2015-08-30T12:36:00Z")));
  EXPECT_THAT(params, Contains(Pair("ScanBy", "TimestampAscending")));
  EXPECT_EQ(params.count("NextToken"), 0u);
}

TEST(QueryClient, GetMetricDataParsesTheDocumentedResponse) {
  Fixture fx([](const aws::HttpRequest&) { return xml_response(200, kGetMetricDataXml); });
  GetMetricDataRequest request;
  request.queries.push_back(incoming_bytes("m1", "orders"));
  request.start_time = testing::test_now() - std::chrono::hours(1);
  request.end_time = testing::test_now();
  Result<GetMetricDataPage> page = fx.client().get_metric_data(request);
  ASSERT_TRUE(page.ok()) << page.error();
  ASSERT_EQ(page->results.size(), 2u);
  const MetricDataResult& m1 = page->results[0];
  EXPECT_EQ(m1.id, "m1");
  EXPECT_EQ(m1.label, "IncomingBytes");
  EXPECT_EQ(m1.status_code, StatusCode::kComplete);
  ASSERT_EQ(m1.values.size(), 2u);
  EXPECT_DOUBLE_EQ(m1.values[0], 1048576.0);
  EXPECT_DOUBLE_EQ(m1.values[1], 2500.0);
  EXPECT_EQ(m1.timestamps[0], testing::test_now() - std::chrono::minutes(1));
  EXPECT_EQ(m1.timestamps[1], testing::test_now() - std::chrono::minutes(2));
  EXPECT_EQ(page->results[1].status_code, StatusCode::kPartialData);
  EXPECT_TRUE(page->results[1].values.empty());
  EXPECT_EQ(page->next_token, "page-2-token");
  ASSERT_EQ(page->messages.size(), 1u);
  EXPECT_EQ(page->messages[0].code, "MaxMetricsExceeded");
}

TEST(QueryClient, PutMetricAlarmEncodesEveryField) {
  Fixture fx([](const aws::HttpRequest&) {
    return xml_response(200, R"(<PutMetricAlarmResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">
  <ResponseMetadata><RequestId>e3c2b0d4-0000-4000-8000-000000000002</RequestId></ResponseMetadata>
</PutMetricAlarmResponse>)");
  });
  MetricAlarm alarm;
  alarm.alarm_name = "orders-iterator-age";
  alarm.alarm_description = "consumer lags";
  alarm.actions_enabled = true;
  alarm.alarm_actions = {"arn:aws:sns:us-east-1:123456789012:page"};
  alarm.ok_actions = {"arn:aws:sns:us-east-1:123456789012:ok"};
  alarm.metric_name = "GetRecords.IteratorAgeMilliseconds";
  alarm.namespace_name = "AWS/Kinesis";
  alarm.statistic = "Maximum";
  alarm.dimensions = {{"StreamName", "orders"}};
  alarm.period_seconds = 60;
  alarm.evaluation_periods = 3;
  alarm.datapoints_to_alarm = 3;
  alarm.threshold = 60000;
  alarm.comparison_operator = ComparisonOperator::kGreaterThanThreshold;
  alarm.treat_missing_data = TreatMissingData::kBreaching;
  alarm.unit = "Milliseconds";
  ASSERT_TRUE(fx.client().put_metric_alarm(alarm).ok());

  const auto params = form_params(fx.requests().at(0).body);
  EXPECT_THAT(params, Contains(Pair("Action", "PutMetricAlarm")));
  EXPECT_THAT(params, Contains(Pair("AlarmName", "orders-iterator-age")));
  EXPECT_THAT(params, Contains(Pair("AlarmDescription", "consumer lags")));
  EXPECT_THAT(params, Contains(Pair("ActionsEnabled", "true")));
  EXPECT_THAT(params, Contains(Pair("AlarmActions.member.1", "arn:aws:sns:us-east-1:123456789012:page")));
  EXPECT_THAT(params, Contains(Pair("OKActions.member.1", "arn:aws:sns:us-east-1:123456789012:ok")));
  EXPECT_THAT(params, Contains(Pair("MetricName", "GetRecords.IteratorAgeMilliseconds")));
  EXPECT_THAT(params, Contains(Pair("Namespace", "AWS/Kinesis")));
  EXPECT_THAT(params, Contains(Pair("Statistic", "Maximum")));
  EXPECT_THAT(params, Contains(Pair("Dimensions.member.1.Name", "StreamName")));
  EXPECT_THAT(params, Contains(Pair("Dimensions.member.1.Value", "orders")));
  EXPECT_THAT(params, Contains(Pair("Period", "60")));
  EXPECT_THAT(params, Contains(Pair("EvaluationPeriods", "3")));
  EXPECT_THAT(params, Contains(Pair("DatapointsToAlarm", "3")));
  EXPECT_THAT(params, Contains(Pair("Threshold", "60000")));
  EXPECT_THAT(params, Contains(Pair("ComparisonOperator", "GreaterThanThreshold")));
  EXPECT_THAT(params, Contains(Pair("TreatMissingData", "breaching")));
  EXPECT_THAT(params, Contains(Pair("Unit", "Milliseconds")));
  EXPECT_EQ(params.count("ExtendedStatistic"), 0u);
}

TEST(QueryClient, GetMetricStatisticsWithExtendedStatistics) {
  Fixture fx([](const aws::HttpRequest&) {
    return xml_response(200, R"(<GetMetricStatisticsResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">
  <GetMetricStatisticsResult>
    <Datapoints>
      <member>
        <Timestamp>2015-08-30T12:30:00Z</Timestamp>
        <SampleCount>120.0</SampleCount>
        <Sum>4800.0</Sum>
        <Unit>Milliseconds</Unit>
        <ExtendedStatistics>
          <entry><key>p50</key><value>35.0</value></entry>
          <entry><key>p90</key><value>61.5</value></entry>
          <entry><key>p99</key><value>240.0</value></entry>
        </ExtendedStatistics>
      </member>
    </Datapoints>
    <Label>PutRecords.Latency</Label>
  </GetMetricStatisticsResult>
  <ResponseMetadata><RequestId>a1</RequestId></ResponseMetadata>
</GetMetricStatisticsResponse>)");
  });
  GetMetricStatisticsRequest request;
  request.metric = Metric{"AWS/Kinesis", "PutRecords.Latency", {{"StreamName", "orders"}}};
  request.start_time = testing::test_now() - std::chrono::minutes(30);
  request.end_time = testing::test_now();
  request.period_seconds = 300;
  request.statistics = {"Sum", "SampleCount"};
  request.extended_statistics = {"p50", "p90", "p99"};
  Result<GetMetricStatisticsResult> result = fx.client().get_metric_statistics(request);
  ASSERT_TRUE(result.ok()) << result.error();

  const auto params = form_params(fx.requests().at(0).body);
  EXPECT_THAT(params, Contains(Pair("Action", "GetMetricStatistics")));
  EXPECT_THAT(params, Contains(Pair("Namespace", "AWS/Kinesis")));
  EXPECT_THAT(params, Contains(Pair("MetricName", "PutRecords.Latency")));
  EXPECT_THAT(params, Contains(Pair("Dimensions.member.1.Name", "StreamName")));
  EXPECT_THAT(params, Contains(Pair("Dimensions.member.1.Value", "orders")));
  EXPECT_THAT(params, Contains(Pair("Period", "300")));
  EXPECT_THAT(params, Contains(Pair("Statistics.member.1", "Sum")));
  EXPECT_THAT(params, Contains(Pair("Statistics.member.2", "SampleCount")));
  EXPECT_THAT(params, Contains(Pair("ExtendedStatistics.member.3", "p99")));
  EXPECT_THAT(params, Contains(Pair("StartTime", "2015-08-30T12:06:00Z")));

  EXPECT_EQ(result->label, "PutRecords.Latency");
  ASSERT_EQ(result->datapoints.size(), 1u);
  const Datapoint& p = result->datapoints[0];
  EXPECT_EQ(p.timestamp, testing::test_now() - std::chrono::minutes(6));
  EXPECT_EQ(p.sample_count, 120.0);
  EXPECT_EQ(p.sum, 4800.0);
  EXPECT_FALSE(p.average.has_value());
  EXPECT_EQ(p.unit, "Milliseconds");
  EXPECT_EQ(p.extended_statistics.at("p50"), 35.0);
  EXPECT_EQ(p.extended_statistics.at("p90"), 61.5);
  EXPECT_EQ(p.extended_statistics.at("p99"), 240.0);
}

TEST(QueryClient, ListMetricsFollowsNextToken) {
  Fixture fx([](const aws::HttpRequest& request) {
    const auto params = form_params(request.body);
    const bool second = params.count("NextToken") != 0;
    std::string body =
        R"(<ListMetricsResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><ListMetricsResult><Metrics>)";
    body += second ? R"(<member><Namespace>AWS/Kinesis</Namespace><MetricName>IncomingRecords</MetricName>
        <Dimensions><member><Name>StreamName</Name><Value>b</Value></member></Dimensions></member>)"
                   : R"(<member><Namespace>AWS/Kinesis</Namespace><MetricName>IncomingBytes</MetricName>
        <Dimensions><member><Name>StreamName</Name><Value>a</Value></member></Dimensions></member>)";
    body += "</Metrics>";
    if (!second) body += "<NextToken>tok-1</NextToken>";
    body += "</ListMetricsResult></ListMetricsResponse>";
    return xml_response(200, body);
  });
  ListMetricsRequest request;
  request.namespace_name = "AWS/Kinesis";
  request.dimensions = {{"StreamName", std::nullopt}};
  Result<std::vector<Metric>> metrics = fx.client().list_all_metrics(request);
  ASSERT_TRUE(metrics.ok()) << metrics.error();
  ASSERT_EQ(metrics->size(), 2u);
  EXPECT_EQ((*metrics)[0].metric_name, "IncomingBytes");
  EXPECT_EQ((*metrics)[1].dimensions.at(0), (Dimension{"StreamName", "b"}));
  const auto requests = fx.requests();
  ASSERT_EQ(requests.size(), 2u);
  const auto first = form_params(requests[0].body);
  EXPECT_THAT(first, Contains(Pair("Dimensions.member.1.Name", "StreamName")));
  EXPECT_EQ(first.count("Dimensions.member.1.Value"), 0u);
  EXPECT_THAT(form_params(requests[1].body), Contains(Pair("NextToken", "tok-1")));
}

TEST(QueryClient, DescribeAlarmsParsesStateAndPages) {
  Fixture fx([](const aws::HttpRequest& request) {
    const auto params = form_params(request.body);
    if (params.count("NextToken") == 0) {
      return xml_response(200, R"(<DescribeAlarmsResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">
  <DescribeAlarmsResult>
    <MetricAlarms>
      <member>
        <AlarmName>orders-iterator-age</AlarmName>
        <AlarmArn>arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders-iterator-age</AlarmArn>
        <AlarmDescription>consumer lags</AlarmDescription>
        <ActionsEnabled>true</ActionsEnabled>
        <AlarmActions><member>arn:aws:sns:us-east-1:123456789012:page</member></AlarmActions>
        <OKActions/>
        <InsufficientDataActions/>
        <StateValue>ALARM</StateValue>
        <StateReason>Threshold Crossed: 3 out of the last 3 datapoints were greater than the threshold (60000.0).</StateReason>
        <StateUpdatedTimestamp>2015-08-30T12:30:00.250Z</StateUpdatedTimestamp>
        <MetricName>GetRecords.IteratorAgeMilliseconds</MetricName>
        <Namespace>AWS/Kinesis</Namespace>
        <Statistic>Maximum</Statistic>
        <Dimensions><member><Name>StreamName</Name><Value>orders</Value></member></Dimensions>
        <Period>60</Period>
        <EvaluationPeriods>3</EvaluationPeriods>
        <DatapointsToAlarm>3</DatapointsToAlarm>
        <Threshold>60000.0</Threshold>
        <ComparisonOperator>GreaterThanThreshold</ComparisonOperator>
        <TreatMissingData>notBreaching</TreatMissingData>
      </member>
    </MetricAlarms>
    <CompositeAlarms/>
    <NextToken>alarms-2</NextToken>
  </DescribeAlarmsResult>
  <ResponseMetadata><RequestId>b2</RequestId></ResponseMetadata>
</DescribeAlarmsResponse>)");
    }
    return xml_response(200, R"(<DescribeAlarmsResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">
  <DescribeAlarmsResult><MetricAlarms><member><AlarmName>orders-throttled</AlarmName>
  <StateValue>OK</StateValue><MetricName>WriteProvisionedThroughputExceeded</MetricName>
  <Namespace>AWS/Kinesis</Namespace><ExtendedStatistic>p99</ExtendedStatistic><EvaluationPeriods>5</EvaluationPeriods>
  <Threshold>0.0</Threshold><ComparisonOperator>GreaterThanThreshold</ComparisonOperator></member></MetricAlarms>
  </DescribeAlarmsResult></DescribeAlarmsResponse>)");
  });
  DescribeAlarmsRequest request;
  request.alarm_name_prefix = "orders-";
  request.state_value = AlarmState::kAlarm;
  request.alarm_names = {"orders-iterator-age"};
  Result<std::vector<MetricAlarm>> alarms = fx.client().describe_all_alarms(request);
  ASSERT_TRUE(alarms.ok()) << alarms.error();
  ASSERT_EQ(alarms->size(), 2u);
  const MetricAlarm& a = (*alarms)[0];
  EXPECT_EQ(a.alarm_name, "orders-iterator-age");
  EXPECT_EQ(a.state_value, AlarmState::kAlarm);
  EXPECT_THAT(*a.state_reason, HasSubstr("3 out of the last 3"));
  EXPECT_EQ(a.state_updated_timestamp, testing::test_now() - std::chrono::minutes(6) + std::chrono::milliseconds(250));
  EXPECT_EQ(a.actions_enabled, true);
  EXPECT_EQ(a.alarm_actions.size(), 1u);
  EXPECT_TRUE(a.ok_actions.empty());
  EXPECT_EQ(a.period_seconds, 60);
  EXPECT_EQ(a.evaluation_periods, 3);
  EXPECT_EQ(a.datapoints_to_alarm, 3);
  EXPECT_EQ(a.threshold, 60000.0);
  EXPECT_EQ(a.treat_missing_data, TreatMissingData::kNotBreaching);
  EXPECT_EQ(a.dimensions.at(0).value, "orders");
  EXPECT_EQ((*alarms)[1].extended_statistic, "p99");
  EXPECT_EQ((*alarms)[1].state_value, AlarmState::kOk);

  const auto requests = fx.requests();
  ASSERT_EQ(requests.size(), 2u);
  const auto params = form_params(requests[0].body);
  EXPECT_THAT(params, Contains(Pair("AlarmNamePrefix", "orders-")));
  EXPECT_THAT(params, Contains(Pair("StateValue", "ALARM")));
  EXPECT_THAT(params, Contains(Pair("AlarmNames.member.1", "orders-iterator-age")));
  EXPECT_THAT(form_params(requests[1].body), Contains(Pair("NextToken", "alarms-2")));
}

TEST(QueryClient, DeleteAlarmsAndHistory) {
  Fixture fx([](const aws::HttpRequest& request) {
    if (form_params(request.body).at("Action") == "DeleteAlarms") {
      return xml_response(200, R"(<DeleteAlarmsResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">
  <ResponseMetadata><RequestId>c3</RequestId></ResponseMetadata></DeleteAlarmsResponse>)");
    }
    return xml_response(200, R"(<DescribeAlarmHistoryResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">
  <DescribeAlarmHistoryResult>
    <AlarmHistoryItems>
      <member>
        <Timestamp>2015-08-30T12:30:00Z</Timestamp>
        <HistoryItemType>StateUpdate</HistoryItemType>
        <AlarmName>orders-iterator-age</AlarmName>
        <AlarmType>MetricAlarm</AlarmType>
        <HistoryData>{"version":"1.0","oldState":{"stateValue":"OK"},"newState":{"stateValue":"ALARM"}}</HistoryData>
        <HistorySummary>Alarm updated from OK to ALARM</HistorySummary>
      </member>
    </AlarmHistoryItems>
  </DescribeAlarmHistoryResult>
</DescribeAlarmHistoryResponse>)");
  });
  Client client = fx.client();
  ASSERT_TRUE(client.delete_alarms({"a", "b"}).ok());
  DescribeAlarmHistoryRequest history_request;
  history_request.alarm_name = "orders-iterator-age";
  history_request.history_item_type = "StateUpdate";
  history_request.start_date = testing::test_now() - std::chrono::hours(1);
  Result<AlarmHistoryPage> history = client.describe_alarm_history(history_request);
  ASSERT_TRUE(history.ok()) << history.error();
  ASSERT_EQ(history->items.size(), 1u);
  EXPECT_EQ(history->items[0].history_summary, "Alarm updated from OK to ALARM");
  EXPECT_THAT(history->items[0].history_data, HasSubstr(R"("newState":{"stateValue":"ALARM"})"));
  EXPECT_FALSE(history->next_token.has_value());

  const auto requests = fx.requests();
  const auto del = form_params(requests.at(0).body);
  EXPECT_THAT(del, Contains(Pair("AlarmNames.member.1", "a")));
  EXPECT_THAT(del, Contains(Pair("AlarmNames.member.2", "b")));
  const auto hist = form_params(requests.at(1).body);
  EXPECT_THAT(hist, Contains(Pair("AlarmName", "orders-iterator-age")));
  EXPECT_THAT(hist, Contains(Pair("HistoryItemType", "StateUpdate")));
  EXPECT_THAT(hist, Contains(Pair("StartDate", "2015-08-30T11:36:00Z")));
}

TEST(QueryClient, XmlSpecialCharactersRoundTrip) {
  const std::string nasty = R"(a&b<c>"d'e%f+g h=i)";
  std::string seen_value;
  Fixture fx([&](const aws::HttpRequest& request) {
    const auto params = form_params(request.body);
    seen_value = params.at("Dimensions.member.1.Value");
    return xml_response(200, R"(<ListMetricsResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">
  <ListMetricsResult><Metrics><member><Namespace>Custom/&lt;app&gt;</Namespace><MetricName>m</MetricName>
  <Dimensions><member><Name>Stream</Name><Value>a&amp;b&lt;c&gt;&quot;d&apos;e%f+g h=i</Value></member></Dimensions>
  </member></Metrics></ListMetricsResult></ListMetricsResponse>)");
  });
  ListMetricsRequest request;
  request.dimensions = {{"Stream", nasty}};
  Result<ListMetricsPage> page = fx.client().list_metrics(request);
  ASSERT_TRUE(page.ok()) << page.error();
  EXPECT_EQ(seen_value, nasty);
  ASSERT_EQ(page->metrics.size(), 1u);
  EXPECT_EQ(page->metrics[0].namespace_name, "Custom/<app>");
  EXPECT_EQ(page->metrics[0].dimensions.at(0).value, nasty);
}

TEST(QueryClient, ErrorResponseBecomesInvalidInputWithCode) {
  Fixture fx([](const aws::HttpRequest&) {
    return xml_response(400, R"(<ErrorResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">
  <Error>
    <Type>Sender</Type>
    <Code>InvalidParameterValue</Code>
    <Message>The parameter Period must be a multiple of 60.</Message>
  </Error>
  <RequestId>d4</RequestId>
</ErrorResponse>)");
  });
  GetMetricDataRequest request;
  request.queries.push_back(incoming_bytes("m1", "orders"));
  request.start_time = testing::test_now() - std::chrono::hours(1);
  request.end_time = testing::test_now();
  Result<GetMetricDataPage> page = fx.client().get_metric_data(request);
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(page.error().code, "InvalidParameterValue");
  EXPECT_EQ(page.error().http_status, 400);
  EXPECT_THAT(page.error().message, HasSubstr("multiple of 60"));
}

TEST(QueryClient, InvalidInputIsRejectedBeforeSending) {
  Fixture fx([](const aws::HttpRequest&) { return xml_response(500, ""); });
  Client client = fx.client();

  GetMetricDataRequest too_many;
  for (int i = 0; i < 501; ++i) too_many.queries.push_back(incoming_bytes("m" + std::to_string(i), "s"));
  too_many.start_time = testing::test_now() - std::chrono::hours(1);
  too_many.end_time = testing::test_now();
  Result<GetMetricDataPage> r1 = client.get_metric_data(too_many);
  ASSERT_FALSE(r1.ok());
  EXPECT_EQ(r1.error().field, "MetricDataQueries");

  GetMetricDataRequest bad_id = too_many;
  bad_id.queries.resize(1);
  bad_id.queries[0].id = "M1";
  Result<GetMetricDataPage> r2 = client.get_metric_data(bad_id);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().field, "MetricDataQueries.member.1.Id");

  PutMetricDataRequest reserved{"AWS/Kinesis", {MetricDatum{.metric_name = "x", .value = 1.0}}};
  Status r3 = client.put_metric_data(reserved);
  ASSERT_FALSE(r3.ok());
  EXPECT_EQ(r3.error().field, "Namespace");

  MetricAlarm both;
  both.alarm_name = "a";
  both.metric_name = "m";
  both.namespace_name = "n";
  both.period_seconds = 60;
  both.statistic = "Sum";
  both.extended_statistic = "p99";
  Status r4 = client.put_metric_alarm(both);
  ASSERT_FALSE(r4.ok());
  EXPECT_EQ(r4.error().kind, ErrorKind::kInvalidInput);

  EXPECT_TRUE(fx.requests().empty());
}

TEST(QueryClient, PutMetricDataEncodesDatumShapes) {
  Fixture fx([](const aws::HttpRequest&) {
    return xml_response(200, R"(<PutMetricDataResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">
  <ResponseMetadata><RequestId>e5</RequestId></ResponseMetadata></PutMetricDataResponse>)");
  });
  PutMetricDataRequest request;
  request.namespace_name = "KWB/LoadTest";
  MetricDatum single{.metric_name = "Latency",
                     .dimensions = {{"Run", "r1"}},
                     .timestamp = testing::test_now(),
                     .value = 12.5,
                     .unit = "Milliseconds"};
  MetricDatum set{.metric_name = "Batch", .statistic_values = StatisticSet{4, 10, 1, 4}};
  MetricDatum histogram{.metric_name = "Sizes", .values = {1, 2}, .counts = {10, 20}, .storage_resolution = 1};
  request.metric_data = {single, set, histogram};
  ASSERT_TRUE(fx.client().put_metric_data(request).ok());
  const auto params = form_params(fx.requests().at(0).body);
  EXPECT_THAT(params, Contains(Pair("Namespace", "KWB/LoadTest")));
  EXPECT_THAT(params, Contains(Pair("MetricData.member.1.MetricName", "Latency")));
  EXPECT_THAT(params, Contains(Pair("MetricData.member.1.Dimensions.member.1.Name", "Run")));
  EXPECT_THAT(params, Contains(Pair("MetricData.member.1.Timestamp", "2015-08-30T12:36:00Z")));
  EXPECT_THAT(params, Contains(Pair("MetricData.member.1.Value", "12.5")));
  EXPECT_THAT(params, Contains(Pair("MetricData.member.1.Unit", "Milliseconds")));
  EXPECT_THAT(params, Contains(Pair("MetricData.member.2.StatisticValues.SampleCount", "4")));
  EXPECT_THAT(params, Contains(Pair("MetricData.member.2.StatisticValues.Maximum", "4")));
  EXPECT_THAT(params, Contains(Pair("MetricData.member.3.Values.member.2", "2")));
  EXPECT_THAT(params, Contains(Pair("MetricData.member.3.Counts.member.2", "20")));
  EXPECT_THAT(params, Contains(Pair("MetricData.member.3.StorageResolution", "1")));
}

}  // namespace
}  // namespace kwb::cloudwatch
