// The protocol plumbing on its own: flattening, timestamps, XML conversion edge cases, enums.

#include "cloudwatch/codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kwb::cloudwatch {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::Pair;

TEST(Codec, FlattenUsesMemberListsAndDottedStructures) {
  const json doc = {{"A", {{"B", json::array({{{"C", "x"}}, {{"C", "y"}, {"D", true}}})}}},
                    {"Empty", json::array()},
                    {"N", 2.25},
                    {"I", 7}};
  EXPECT_THAT(flatten_query(doc), ElementsAre(Pair("A.B.member.1.C", "x"), Pair("A.B.member.2.C", "y"),
                                              Pair("A.B.member.2.D", "true"), Pair("I", "7"), Pair("N", "2.25")));
}

TEST(Codec, TimestampsPerProtocol) {
  const SystemTimePoint t = std::chrono::system_clock::from_time_t(1440938160);
  EXPECT_EQ(encode_timestamp(t, Protocol::kQuery), "2015-08-30T12:36:00Z");
  EXPECT_EQ(encode_timestamp(t + std::chrono::milliseconds(5), Protocol::kQuery), "2015-08-30T12:36:00.005Z");
  EXPECT_EQ(encode_timestamp(t, Protocol::kJson10), 1440938160);
  EXPECT_EQ(encode_timestamp(t + std::chrono::milliseconds(500), Protocol::kJson10), 1440938160.5);
}

TEST(Codec, QueryResponseEdgeCases) {
  Result<json> malformed = parse_query_response("<GetMetricDataResponse><oops>", "GetMetricData");
  ASSERT_FALSE(malformed.ok());
  EXPECT_EQ(malformed.error().kind, ErrorKind::kParse);

  Result<json> wrong_root = parse_query_response("<ListMetricsResponse/>", "GetMetricData");
  ASSERT_FALSE(wrong_root.ok());
  EXPECT_EQ(wrong_root.error().kind, ErrorKind::kParse);

  Result<json> empty =
      parse_query_response("<ListMetricsResponse><ListMetricsResult/></ListMetricsResponse>", "ListMetrics");
  ASSERT_TRUE(empty.ok());
  Result<ListMetricsPage> page = decode_list_metrics(*empty);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->metrics.empty());

  Result<json> error = parse_query_response(
      "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameterValue</Code><Message>no</Message></Error>"
      "</ErrorResponse>",
      "ListMetrics");
  ASSERT_FALSE(error.ok());
  EXPECT_EQ(error.error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(error.error().code, "InvalidParameterValue");
}

// Datapoint timestamps take a fast path for the extended UTC form; other forms still parse.
TEST(Codec, DatapointTimestampForms) {
  using std::chrono::milliseconds;
  const std::vector<std::pair<std::string, std::int64_t>> cases = {
      {"2015-08-30T12:36:00Z", 1440938160000},
      {"2015-08-30T12:36:00.000Z", 1440938160000},
      {"2024-02-29T23:59:59.123Z", 1709251199123},    // leap day
      {"2024-02-29T23:59:59.1239999Z", 1709251199123},  // kept to the millisecond
      {"1999-12-31T00:00:00.5Z", 946598400500},
      {"20150830T123600Z", 1440938160000},              // basic form: the general parser
  };
  for (const auto& [text, epoch_ms] : cases) {
    json result = {{"MetricDataResults", json::array({{{"Id", "m1"},
                                                       {"Timestamps", json::array({text})},
                                                       {"Values", json::array({1.0})}}})}};
    Result<GetMetricDataPage> page = decode_get_metric_data(result);
    ASSERT_TRUE(page.ok()) << text << ": " << page.error().describe();
    ASSERT_EQ(page->results.size(), 1u);
    ASSERT_EQ(page->results[0].timestamps.size(), 1u);
    EXPECT_EQ(std::chrono::duration_cast<milliseconds>(page->results[0].timestamps[0].time_since_epoch()).count(),
              epoch_ms)
        << text;
  }
  for (const char* bad : {"2015-08-30T25:36:00Z", "2015-08-30 12:36", "yesterday"}) {
    json result = {{"MetricDataResults", json::array({{{"Id", "m1"},
                                                       {"Timestamps", json::array({bad})},
                                                       {"Values", json::array({1.0})}}})}};
    EXPECT_FALSE(decode_get_metric_data(result).ok()) << bad;
  }
}

TEST(Codec, BadNumbersAndMismatchedSeriesAreParseErrors) {
  json bad_value = {{"MetricDataResults", json::array({{{"Id", "m1"},
                                                        {"Timestamps", json::array({"2015-08-30T12:36:00Z"})},
                                                        {"Values", json::array({"twelve"})}}})}};
  Result<GetMetricDataPage> r1 = decode_get_metric_data(bad_value);
  ASSERT_FALSE(r1.ok());
  EXPECT_EQ(r1.error().kind, ErrorKind::kParse);

  json mismatched = {
      {"MetricDataResults",
       json::array({{{"Id", "m1"}, {"Timestamps", json::array({1440938160})}, {"Values", json::array()}}})}};
  EXPECT_FALSE(decode_get_metric_data(mismatched).ok());

  json unknown_state = {{"MetricAlarms", json::array({{{"AlarmName", "a"}, {"StateValue", "SLEEPY"}}})}};
  Result<DescribeAlarmsPage> r3 = decode_describe_alarms(unknown_state);
  ASSERT_FALSE(r3.ok());
  EXPECT_THAT(r3.error().message, ::testing::HasSubstr("SLEEPY"));
}

TEST(Codec, EnumsRoundTrip) {
  for (auto op : {ComparisonOperator::kGreaterThanOrEqualToThreshold, ComparisonOperator::kLessThanThreshold,
                  ComparisonOperator::kGreaterThanUpperThreshold}) {
    EXPECT_EQ(*parse_comparison_operator(to_string(op)), op);
  }
  EXPECT_EQ(to_string(TreatMissingData::kNotBreaching), "notBreaching");
  EXPECT_EQ(*parse_alarm_state("INSUFFICIENT_DATA"), AlarmState::kInsufficientData);
  EXPECT_FALSE(parse_status_code("Done").ok());
}

TEST(Codec, QueryIdRule) {
  EXPECT_TRUE(is_valid_query_id("m1"));
  EXPECT_TRUE(is_valid_query_id("a_B9"));
  EXPECT_FALSE(is_valid_query_id(""));
  EXPECT_FALSE(is_valid_query_id("M1"));
  EXPECT_FALSE(is_valid_query_id("1m"));
  EXPECT_FALSE(is_valid_query_id("m-1"));
}

}  // namespace
}  // namespace kwb::cloudwatch
