#include "emulator/cloudwatch/service.h"

#include <gtest/gtest.h>

#include "emulator/cloudwatch/recorder.h"

namespace kwb::emulator::cloudwatch {
namespace {

using Json = nlohmann::json;
constexpr std::int64_t kT0 = 1700000000 / 3600 * 3600;

class ServiceTest : public ::testing::Test {
 protected:
  ManualClock clock{SystemTimePoint(std::chrono::seconds(kT0))};
  MetricStore store;
  CloudWatchService service{store, clock, "000000000000", "us-east-1"};
  MetricsRecorder recorder{store, [](std::string_view, std::string_view) {
                             return std::optional<std::vector<std::string>>(std::vector<std::string>{"IncomingRecords"});
                           }};

  Result<Json> call(std::string_view op, const Json& input) { return service.call(op, "us-east-1", input); }

  void put_records(std::uint64_t accepted, std::uint64_t throttled, std::uint64_t failed = 0) {
    ShardTally tally{"shardId-000000000000", accepted, accepted * 10, throttled, -1};
    CallEvent e;
    e.operation = "PutRecords";
    e.region = "us-east-1";
    e.stream = "s";
    e.records_in = accepted + throttled + failed;
    e.accepted = accepted;
    e.throttled = throttled;
    e.failed = failed;
    e.shards = std::span(&tally, 1);
    e.time = clock.now();
    e.latency = std::chrono::milliseconds(3);
    recorder.on_call(e);
  }

  void get_records(std::int64_t age_ms) {
    ShardTally tally{"shardId-000000000000", 1, 10, 0, age_ms};
    CallEvent e;
    e.operation = "GetRecords";
    e.region = "us-east-1";
    e.stream = "s";
    e.shards = std::span(&tally, 1);
    e.time = clock.now();
    recorder.on_call(e);
  }

  static Json stats(const std::string& metric, std::int64_t from, std::int64_t to, const Json& statistics) {
    return {{"Namespace", "AWS/Kinesis"}, {"MetricName", metric},
            {"Dimensions", {{{"Name", "StreamName"}, {"Value", "s"}}}},
            {"StartTime", from}, {"EndTime", to}, {"Period", 60}, {"Statistics", statistics}};
  }
};

TEST_F(ServiceTest, RecorderMetricsMatchTraffic) {
  put_records(400, 100, 5);
  clock.advance(std::chrono::seconds(30));
  put_records(500, 0);
  auto r = call("GetMetricStatistics", stats("IncomingRecords", kT0, kT0 + 60, {"Sum", "SampleCount"}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ((*r)["Datapoints"].size(), 1u);
  EXPECT_EQ((*r)["Datapoints"][0]["Sum"], 900.0);
  EXPECT_EQ((*r)["Datapoints"][0]["Unit"], "Count");
  auto w = call("GetMetricStatistics", stats("WriteProvisionedThroughputExceeded", kT0, kT0 + 60, {"Sum"}));
  EXPECT_EQ((*w)["Datapoints"][0]["Sum"], 100.0);
  auto f = call("GetMetricStatistics", stats("PutRecords.FailedRecords", kT0, kT0 + 60, {"Sum"}));
  EXPECT_EQ((*f)["Datapoints"][0]["Sum"], 5.0);
  // Shard level only for the enabled metric.
  auto listed = call("ListMetrics", {{"Namespace", "AWS/Kinesis"}, {"Dimensions", {{{"Name", "ShardId"}}}}});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ((*listed)["Metrics"].size(), 1u);
  EXPECT_EQ((*listed)["Metrics"][0]["MetricName"], "IncomingRecords");
}

TEST_F(ServiceTest, ExtendedStatistics) {
  for (int i = 1; i <= 100; ++i) get_records(i * 1000);
  auto r = call("GetMetricStatistics",
                {{"Namespace", "AWS/Kinesis"}, {"MetricName", "GetRecords.IteratorAgeMilliseconds"},
                 {"Dimensions", {{{"Name", "StreamName"}, {"Value", "s"}}}}, {"StartTime", kT0}, {"EndTime", kT0 + 60},
                 {"Period", 60}, {"ExtendedStatistics", {"p50", "p99"}}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Json& ext = (*r)["Datapoints"][0]["ExtendedStatistics"];
  EXPECT_NEAR(ext["p50"].get<double>(), 50000, 600);
  EXPECT_NEAR(ext["p99"].get<double>(), 99000, 1100);
}

TEST_F(ServiceTest, BadInputGetsCloudWatchErrors) {
  auto code = [&](std::string_view op, const Json& input) {
    auto r = call(op, input);
    return r.ok() ? std::string("OK") : r.error().code;
  };
  EXPECT_EQ(code("GetMetricStatistics", stats("X", kT0, kT0 + 60, {"Median"})), "InvalidParameterValue");
  Json bad_period = stats("X", kT0, kT0 + 60, {"Sum"});
  bad_period["Period"] = 61;
  EXPECT_EQ(code("GetMetricStatistics", bad_period), "InvalidParameterValue");
  Json both = stats("X", kT0, kT0 + 60, {"Sum"});
  both["ExtendedStatistics"] = {"p99"};
  EXPECT_EQ(code("GetMetricStatistics", both), "InvalidParameterCombination");
  Json no_ns = stats("X", kT0, kT0 + 60, {"Sum"});
  no_ns.erase("Namespace");
  EXPECT_EQ(code("GetMetricStatistics", no_ns), "MissingParameter");
  EXPECT_EQ(code("GetMetricStatistics", stats("X", kT0, kT0 + 86400 * 2, {"Sum"})), "InvalidParameterCombination");
  EXPECT_EQ(code("PutMetricData", {{"Namespace", "AWS/Kinesis"}, {"MetricData", {{{"MetricName", "m"}, {"Value", 1}}}}}),
            "InvalidParameterValue");
  Json many = Json::array();
  for (int i = 0; i < 501; ++i) {
    many.push_back({{"Id", "m" + std::to_string(i)},
                    {"MetricStat", {{"Metric", {{"Namespace", "N"}, {"MetricName", "M"}}}, {"Period", 60}, {"Stat", "Sum"}}}});
  }
  EXPECT_EQ(code("GetMetricData", {{"MetricDataQueries", many}, {"StartTime", kT0}, {"EndTime", kT0 + 60}}),
            "InvalidParameterValue");
  EXPECT_EQ(code("GetMetricData", {{"MetricDataQueries", {{{"Id", "e1"}, {"Expression", "FOO(m1)"}}}},
                                   {"StartTime", kT0}, {"EndTime", kT0 + 60}}),
            "ValidationError");
  EXPECT_EQ(code("Nope", Json::object()), "InvalidAction");
  EXPECT_EQ(code("DeleteAlarms", {{"AlarmNames", {"absent"}}}), "ResourceNotFound");
  EXPECT_EQ(code("ListMetrics", {{"NextToken", "garbage"}}), "InvalidNextToken");
}

// AWS/Kinesis metrics are standard resolution (1 minute). Asked for 1/5/10/20/30 s periods,
// CloudWatch answers from that resolution: one datapoint per minute with data, at the minute.
TEST_F(ServiceTest, SubMinutePeriodsAnswerStandardResolutionDataPerMinute) {
  put_records(400, 0);  // minute kT0
  clock.advance(std::chrono::seconds(150));
  put_records(100, 0);  // minute kT0 + 120
  clock.advance(std::chrono::seconds(60));
  for (std::int64_t period : {1, 5, 10, 20, 30}) {
    SCOPED_TRACE(period);
    Json input = stats("IncomingRecords", kT0, kT0 + 180, {"Sum"});
    input["Period"] = period;
    auto r = call("GetMetricStatistics", input);
    ASSERT_TRUE(r.ok()) << r.error().message;
    const Json& points = (*r)["Datapoints"];
    ASSERT_EQ(points.size(), 2u) << points.dump();
    EXPECT_EQ(points[0]["Timestamp"], static_cast<double>(kT0));
    EXPECT_EQ(points[0]["Sum"], 400.0);
    EXPECT_EQ(points[1]["Timestamp"], static_cast<double>(kT0 + 120));
    EXPECT_EQ(points[1]["Sum"], 100.0);

    Json query = {{"MetricDataQueries",
                   {{{"Id", "m"},
                     {"MetricStat", {{"Metric", {{"Namespace", "AWS/Kinesis"}, {"MetricName", "IncomingRecords"},
                                                 {"Dimensions", {{{"Name", "StreamName"}, {"Value", "s"}}}}}},
                                     {"Period", period}, {"Stat", "Sum"}}}}}},
                  {"StartTime", kT0}, {"EndTime", kT0 + 180}, {"ScanBy", "TimestampAscending"}};
    auto data = call("GetMetricData", query);
    ASSERT_TRUE(data.ok()) << data.error().message;
    const Json& result = (*data)["MetricDataResults"][0];
    EXPECT_EQ(result["Timestamps"], Json({static_cast<double>(kT0), static_cast<double>(kT0 + 120)}));
    EXPECT_EQ(result["Values"], Json({400.0, 100.0}));
  }
}

TEST_F(ServiceTest, PeriodsThatAreNotValidGetErrorsNamingTheField) {
  auto error_of = [&](std::string_view op, const Json& input) {
    auto r = call(op, input);
    return r.ok() ? std::pair<std::string, std::string>{"OK", ""} : std::pair{r.error().code, r.error().message};
  };
  for (std::int64_t period : {2, 7, 15, 45, 90, 61, 3601}) {
    Json input = stats("IncomingRecords", kT0, kT0 + 60, {"Sum"});
    input["Period"] = period;
    EXPECT_EQ(error_of("GetMetricStatistics", input),
              (std::pair<std::string, std::string>{"InvalidParameterValue",
                                                   "The parameter Period must be 1, 5, 10, 20, 30 or a multiple of 60."}))
        << period;
  }
  for (std::int64_t period : {0, -60}) {
    Json input = stats("IncomingRecords", kT0, kT0 + 60, {"Sum"});
    input["Period"] = period;
    const auto [code, message] = error_of("GetMetricStatistics", input);
    EXPECT_EQ(code, "ValidationError");
    EXPECT_EQ(message, "1 validation error detected: Value '" + std::to_string(period) +
                           "' at 'Period' failed to satisfy constraint: Member must have value greater than or equal to 1");
  }
  Json query = {{"MetricDataQueries",
                 {{{"Id", "m"},
                   {"MetricStat", {{"Metric", {{"Namespace", "AWS/Kinesis"}, {"MetricName", "IncomingRecords"}}},
                                   {"Period", 90}, {"Stat", "Sum"}}}}}},
                {"StartTime", kT0}, {"EndTime", kT0 + 180}};
  EXPECT_EQ(error_of("GetMetricData", query),
            (std::pair<std::string, std::string>{
                "InvalidParameterValue",
                "The parameter MetricDataQueries.member.1.MetricStat.Period must be 1, 5, 10, 20, 30 or a multiple of 60."}));
}

// The API reference: a StartTime more than 3 hours / 15 days / 63 days old needs a Period that is
// a multiple of 60 / 300 / 3600 s, "or no data points in that time range is returned".
TEST_F(ServiceTest, OldStartTimesNeedCoarserPeriodsOrReturnNothing) {
  constexpr std::int64_t kDaySeconds = 86400;
  const MetricId id{"us-east-1", "AWS/Kinesis", "IncomingRecords", {{"StreamName", "s"}}};
  // Data at 4 hours, 20 days and 70 days before "now" (kT0 + 100 days).
  const std::int64_t now = kT0 + 100 * kDaySeconds;
  const std::int64_t ages[] = {4 * 3600, 20 * kDaySeconds, 70 * kDaySeconds};
  for (std::int64_t age : ages) store.add(id, "Count", SystemTimePoint(std::chrono::seconds(now - age)), 42);
  clock.advance(std::chrono::seconds(now - kT0));
  auto sums = [&](std::int64_t age, std::int64_t period) {
    Json input = stats("IncomingRecords", now - age, now - age + 3600, {"Sum"});
    input["Period"] = period;
    auto r = call("GetMetricStatistics", input);
    EXPECT_TRUE(r.ok()) << r.error().message;
    double total = 0;
    for (const auto& point : (*r)["Datapoints"]) total += point["Sum"].get<double>();
    return total;
  };
  // 4 hours old: minutes are kept, sub-minute periods are not answered.
  EXPECT_EQ(sums(ages[0], 10), 0.0);
  EXPECT_EQ(sums(ages[0], 30), 0.0);
  EXPECT_EQ(sums(ages[0], 60), 42.0);
  // 20 days old: 5-minute multiples only.
  EXPECT_EQ(sums(ages[1], 60), 0.0);
  EXPECT_EQ(sums(ages[1], 120), 0.0);
  EXPECT_EQ(sums(ages[1], 300), 42.0);
  EXPECT_EQ(sums(ages[1], 900), 42.0);
  // 70 days old: hours only.
  EXPECT_EQ(sums(ages[2], 300), 0.0);
  EXPECT_EQ(sums(ages[2], 3600), 42.0);
}

TEST_F(ServiceTest, GetMetricDataMathAndPaging) {
  const MetricId a{"us-east-1", "Custom", "A", {}};
  const MetricId b{"us-east-1", "Custom", "B", {}};
  for (int m = 0; m < 10; ++m) {
    store.add(a, "Count", SystemTimePoint(std::chrono::seconds(kT0 + m * 60)), m);
    store.add(b, "Count", SystemTimePoint(std::chrono::seconds(kT0 + m * 60)), 10);
  }
  clock.advance(std::chrono::minutes(11));
  auto metric = [](const char* id, const char* name) {
    return Json{{"Id", id}, {"ReturnData", false},
                {"MetricStat", {{"Metric", {{"Namespace", "Custom"}, {"MetricName", name}}}, {"Period", 60}, {"Stat", "Sum"}}}};
  };
  Json input = {{"MetricDataQueries",
                 {metric("a", "A"), metric("b", "B"), {{"Id", "total"}, {"Expression", "SUM(METRICS())"}},
                  {{"Id", "ratio"}, {"Expression", "(a + b) / b * 100"}}, {{"Id", "rate"}, {"Expression", "RATE(a)"}},
                  {{"Id", "peak"}, {"Expression", "MAX(a)"}}}},
                {"StartTime", kT0}, {"EndTime", kT0 + 600}, {"ScanBy", "TimestampAscending"}};
  auto r = call("GetMetricData", input);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Json& results = (*r)["MetricDataResults"];
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0]["Id"], "total");
  EXPECT_EQ(results[0]["Values"][3], 13.0);
  EXPECT_EQ(results[1]["Values"][5], 150.0);
  EXPECT_EQ(results[2]["Values"].size(), 9u);
  EXPECT_DOUBLE_EQ(results[2]["Values"][0].get<double>(), 1.0 / 60);
  EXPECT_EQ(results[3]["Values"][0], 9.0);
  // Paging: 4 datapoints per page, all 10 + 10 + ... come back exactly once.
  input["MaxDatapoints"] = 4;
  std::size_t seen = 0;
  int pages = 0;
  while (true) {
    auto page = call("GetMetricData", input);
    ASSERT_TRUE(page.ok()) << page.error().message;
    for (const auto& result : (*page)["MetricDataResults"]) seen += result["Values"].size();
    ++pages;
    if (!page->contains("NextToken")) break;
    input["NextToken"] = (*page)["NextToken"];
    ASSERT_LT(pages, 20);
  }
  EXPECT_EQ(seen, 10u + 10 + 9 + 10);
  EXPECT_EQ(pages, 10);
}

TEST_F(ServiceTest, AlarmGoesToAlarmAndBackWithHistory) {
  Json alarm = {{"AlarmName", "lag <&>"}, {"Namespace", "AWS/Kinesis"}, {"MetricName", "GetRecords.IteratorAgeMilliseconds"},
                {"Dimensions", {{{"Name", "StreamName"}, {"Value", "s"}}}}, {"Statistic", "Maximum"}, {"Period", 60},
                {"EvaluationPeriods", 3}, {"DatapointsToAlarm", 3}, {"Threshold", 60000},
                {"ComparisonOperator", "GreaterThanThreshold"}, {"TreatMissingData", "notBreaching"}};
  ASSERT_TRUE(call("PutMetricAlarm", alarm).ok());
  auto state = [&]() {
    auto r = call("DescribeAlarms", {{"AlarmNames", {"lag <&>"}}});
    return (*r)["MetricAlarms"][0]["StateValue"].get<std::string>();
  };
  for (int m = 0; m < 3; ++m) {
    get_records(120000);
    clock.advance(std::chrono::seconds(60));
    EXPECT_EQ(state(), m < 2 ? "OK" : "ALARM") << m;  // the missing older periods don't block OK
  }
  for (int m = 0; m < 3; ++m) {
    get_records(0);
    clock.advance(std::chrono::seconds(60));
  }
  EXPECT_EQ(state(), "OK");
  auto history = call("DescribeAlarmHistory", {{"AlarmName", "lag <&>"}, {"HistoryItemType", "StateUpdate"}});
  ASSERT_TRUE(history.ok());
  const Json& items = (*history)["AlarmHistoryItems"];
  ASSERT_GE(items.size(), 3u);
  EXPECT_EQ(items[0]["HistorySummary"], "Alarm updated from ALARM to OK");
  EXPECT_EQ(items[1]["HistorySummary"], "Alarm updated from OK to ALARM");
  auto for_metric = call("DescribeAlarmsForMetric", {{"Namespace", "AWS/Kinesis"},
                                                     {"MetricName", "GetRecords.IteratorAgeMilliseconds"},
                                                     {"Dimensions", {{{"Name", "StreamName"}, {"Value", "s"}}}}});
  EXPECT_EQ((*for_metric)["MetricAlarms"].size(), 1u);
  ASSERT_TRUE(call("SetAlarmState", {{"AlarmName", "lag <&>"}, {"StateValue", "ALARM"}, {"StateReason", "test"}}).ok());
  EXPECT_EQ(state(), "ALARM");
  ASSERT_TRUE(call("DeleteAlarms", {{"AlarmNames", {"lag <&>"}}}).ok());
  EXPECT_EQ((*call("DescribeAlarms", Json::object()))["MetricAlarms"].size(), 0u);
}

TEST_F(ServiceTest, PutMetricDataCustomNamespaceAndSeed) {
  ASSERT_TRUE(call("PutMetricData", {{"Namespace", "App/<x>"},
                                     {"MetricData", {{{"MetricName", "Lat"}, {"Values", {1, 2, 3}}, {"Counts", {1, 1, 2}},
                                                      {"Unit", "Milliseconds"}}}}})
                  .ok());
  auto r = call("GetMetricStatistics", {{"Namespace", "App/<x>"}, {"MetricName", "Lat"}, {"StartTime", kT0},
                                        {"EndTime", kT0 + 60}, {"Period", 60}, {"Statistics", {"SampleCount", "Sum"}}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)["Datapoints"][0]["SampleCount"], 4.0);
  EXPECT_EQ((*r)["Datapoints"][0]["Sum"], 9.0);
  Json values = Json::array();
  for (int i = 0; i < 180; ++i) values.push_back(i * 1000);
  auto seeded = service.seed({{"series", {{{"namespace", "AWS/Kinesis"}, {"metric", "GetRecords.IteratorAgeMilliseconds"},
                                            {"dimensions", {{"StreamName", "s"}}}, {"start", kT0 - 3 * 3600},
                                            {"period", 60}, {"values", values}, {"unit", "Milliseconds"}}}}});
  ASSERT_TRUE(seeded.ok());
  EXPECT_EQ(*seeded, 180u);
  auto hourly = call("GetMetricStatistics", {{"Namespace", "AWS/Kinesis"}, {"MetricName", "GetRecords.IteratorAgeMilliseconds"},
                                             {"Dimensions", {{{"Name", "StreamName"}, {"Value", "s"}}}},
                                             {"StartTime", kT0 - 3 * 3600}, {"EndTime", kT0}, {"Period", 3600},
                                             {"Statistics", {"Maximum"}}});
  ASSERT_TRUE(hourly.ok());
  ASSERT_EQ((*hourly)["Datapoints"].size(), 3u);
  EXPECT_EQ((*hourly)["Datapoints"][2]["Maximum"], 179000.0);
}

}  // namespace
}  // namespace kwb::emulator::cloudwatch
