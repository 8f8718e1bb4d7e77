#include "emulator/cloudwatch/protocol.h"

#include <gtest/gtest.h>

namespace kwb::emulator::cloudwatch {
namespace {

TEST(QueryForm, NestsMembersAndLists) {
  std::string action;
  auto parsed = parse_query_form(
      "Action=GetMetricData&Version=2010-08-01&MetricDataQueries.member.1.Id=m1&"
      "MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Name=StreamName&"
      "MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value=a%26b%3Cc&"
      "MetricDataQueries.member.2.Id=e1&MetricDataQueries.member.2.Expression=m1+*+2&Statistics.member.1=Sum",
      action);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(action, "GetMetricData");
  const auto& q = (*parsed)["MetricDataQueries"];
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0]["MetricStat"]["Metric"]["Dimensions"][0]["Value"], "a&b<c");
  EXPECT_EQ(q[1]["Expression"], "m1 * 2");
  EXPECT_EQ((*parsed)["Statistics"][0], "Sum");
}

TEST(QueryForm, MalformedInputIsAnErrorNotACrash) {
  std::string action;
  for (const char* bad : {"Action=X&A=%zz", "A.member.0=1", "A.member.x=1", "A=1&A.B=2", "A..B=1", "A.member.99999=1"}) {
    auto parsed = parse_query_form(bad, action);
    EXPECT_FALSE(parsed.ok()) << bad;
  }
}

TEST(Encoding, XmlErrorShapeAndEscaping) {
  ApiResponse r = encode_error(Protocol::kQuery, cw_error("InvalidParameterValue", "bad <name> & 'x'"), "rid");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body,
            "<ErrorResponse xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\"><Error><Type>Sender</Type>"
            "<Code>InvalidParameterValue</Code><Message>bad &lt;name&gt; &amp; &apos;x&apos;</Message></Error>"
            "<RequestId>rid</RequestId></ErrorResponse>");
  ApiResponse j = encode_error(Protocol::kJson, cw_error("MissingParameter", "m"), "rid");
  EXPECT_EQ(j.headers.get("x-amzn-query-error"), "MissingParameter;Sender");
  EXPECT_NE(j.body.find("\"__type\":\"MissingParameter\""), std::string::npos);
}

TEST(Encoding, Iso8601Timestamps) {
  EXPECT_EQ(format_iso8601(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601(1440938160.5), "2015-08-30T12:36:00.500Z");
  EXPECT_EQ(format_iso8601(951868799.25), "2000-02-29T23:59:59.250Z");  // leap day
  EXPECT_EQ(format_iso8601(-1), "1969-12-31T23:59:59.000Z");
  EXPECT_EQ(format_iso8601(253402300799.0), "9999-12-31T23:59:59.000Z");
}

TEST(Encoding, XmlResponseListsMapsTimestamps) {
  nlohmann::json out = {{"Label", "L"},
                        {"Datapoints", {{{"Timestamp", 1700000040.0}, {"Sum", 3.0}, {"ExtendedStatistics", {{"p99", 1.5}}}}}}};
  ApiResponse r = encode_response(Protocol::kQuery, "GetMetricStatistics", out, "rid");
  EXPECT_NE(r.body.find("<GetMetricStatisticsResult><Datapoints><member><ExtendedStatistics><entry><key>p99</key>"
                        "<value>1.5</value></entry></ExtendedStatistics><Sum>3.0</Sum>"
                        "<Timestamp>2023-11-14T22:14:00.000Z</Timestamp></member></Datapoints><Label>L</Label>"),
            std::string::npos)
      << r.body;
}

TEST(Encoding, CborRoundTripsAndTagsTimestamps) {
  nlohmann::json out = {{"Timestamps", {1.5, 2.0}}, {"Values", {1, -2, 3.25}}, {"Id", "m1"}, {"Ok", true}};
  const std::string bytes = encode_cbor(out);
  EXPECT_NE(bytes.find("\xc1\xfb"), std::string::npos);  // tag 1 then a double
  // The request decoder strips the tags nlohmann cannot read.
  ApiRequest request;
  request.method = "POST";
  request.target = "/service/GraniteServiceVersion20100801/operation/GetMetricData";
  request.body = bytes;
  auto decoded = decode_request(request, Protocol::kCbor);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->operation, "GetMetricData");
  const nlohmann::json& back = decoded->input;
  EXPECT_EQ(back["Timestamps"][1], 2.0);
  EXPECT_EQ(back["Values"][1], -2);
  EXPECT_EQ(back["Id"], "m1");
  request.body = std::string_view(bytes).substr(0, bytes.size() - 3);  // truncated
  EXPECT_FALSE(decode_request(request, Protocol::kCbor).ok());
  request.body = "\xc1\xc1\xc1";
  EXPECT_FALSE(decode_request(request, Protocol::kCbor).ok());
}

TEST(Detect, DispatchesByPathTargetScopeAndAction) {
  ApiRequest cbor;
  cbor.method = "POST";
  cbor.target = "/service/GraniteServiceVersion20100801/operation/ListMetrics";
  EXPECT_EQ(detect_protocol(cbor), Protocol::kCbor);
  ApiRequest json;
  json.amz_target = "GraniteServiceVersion20100801.ListMetrics";
  EXPECT_EQ(detect_protocol(json), Protocol::kJson);
  ApiRequest query;
  query.content_type = "application/x-www-form-urlencoded; charset=utf-8";
  query.body = "Action=ListMetrics&Version=2010-08-01";
  EXPECT_EQ(detect_protocol(query), Protocol::kQuery);
  ApiRequest kinesis;
  kinesis.amz_target = "Kinesis_20131202.ListStreams";
  kinesis.signing_service = "kinesis";
  EXPECT_FALSE(detect_protocol(kinesis));
  ApiRequest admin;
  admin.target = "/_kwb/faults";
  EXPECT_FALSE(detect_protocol(admin));
  ApiRequest get;
  get.method = "GET";
  get.target = "/?Action=ListMetrics&Version=2010-08-01";
  EXPECT_EQ(detect_protocol(get), Protocol::kQuery);
}

TEST(Detect, RefusesRequestsThatNameAnotherService) {
  ApiRequest request;
  request.method = "POST";
  request.target = "/";
  request.content_type = "application/x-www-form-urlencoded; charset=utf-8";
  // A CloudWatch action signed for another service is that service's request.
  request.body = "Action=ListMetrics&Version=2010-08-01";
  for (std::string_view service : {"sts", "kinesis", "sqs"}) {
    request.signing_service = service;
    EXPECT_FALSE(detect_protocol(request)) << service;
  }
  request.signing_service = "monitoring";
  EXPECT_EQ(detect_protocol(request), Protocol::kQuery);
  // Signed for CloudWatch without an Action: still ours, to answer MissingAction.
  request.body = "Version=2010-08-01";
  EXPECT_EQ(detect_protocol(request), Protocol::kQuery);
  // Another service's X-Amz-Target, signed or not.
  request.body = "{}";
  request.amz_target = "Kinesis_20131202.ListStreams";
  EXPECT_FALSE(detect_protocol(request));
  request.signing_service = "";
  EXPECT_FALSE(detect_protocol(request));
  request.amz_target = "";
  // Unsigned form bodies: only CloudWatch actions of CloudWatch's API version.
  request.body = "Action=GetCallerIdentity&Version=2011-06-15";
  EXPECT_FALSE(detect_protocol(request));
  request.body = "Action=SendMessage&Version=2012-11-05";
  EXPECT_FALSE(detect_protocol(request));
  request.body = "Version=2010-03-31&Action=TagResource";  // SNS has TagResource too
  EXPECT_FALSE(detect_protocol(request));
  request.body = "Version=2010-08-01&Action=TagResource";
  EXPECT_EQ(detect_protocol(request), Protocol::kQuery);
  request.body = "Action=GetMetricData";  // no Version: the action decides
  EXPECT_EQ(detect_protocol(request), Protocol::kQuery);
  request.body = "Action=SendMessage";
  EXPECT_FALSE(detect_protocol(request));
  // CloudWatch's Version with an action it lacks: CloudWatch's, to answer InvalidAction.
  request.body = "Action=Bogus&Version=2010-08-01";
  EXPECT_EQ(detect_protocol(request), Protocol::kQuery);
  request.body = "Action=";
  EXPECT_FALSE(detect_protocol(request));
  request.body = "NotAction=ListMetrics";
  EXPECT_FALSE(detect_protocol(request));
}

TEST(Detect, KnowsTheCloudWatchActions) {
  for (std::string_view action : {"GetMetricData", "GetMetricStatistics", "ListMetrics", "PutMetricData",
                                  "PutMetricAlarm", "DescribeAlarms", "DeleteAlarms", "SetAlarmState"}) {
    EXPECT_TRUE(is_cloudwatch_action(action)) << action;
  }
  for (std::string_view action : {"", "GetCallerIdentity", "ListStreams", "listmetrics", "ListMetricsX"}) {
    EXPECT_FALSE(is_cloudwatch_action(action)) << action;
  }
}

}  // namespace
}  // namespace kwb::emulator::cloudwatch
