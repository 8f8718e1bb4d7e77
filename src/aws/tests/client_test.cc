#include "aws/client.h"

#include <gtest/gtest.h>

#include "aws/session.h"
#include "aws/tests/fakes.h"

namespace kwb::aws {
namespace {

using testing::FakeSessionFixture;
using testing::response;

const std::string kSecretKey = testing::test_credentials().secret_access_key.reveal();

std::optional<std::string> find_header(const HttpRequest& request, const std::string& name) {
  for (const HttpHeader& h : request.headers) {
    if (h.name == name) return h.value;
  }
  return std::nullopt;
}

void expect_no_secret(const HttpRequest& request) {
  EXPECT_EQ(request.url.find(kSecretKey), std::string::npos);
  EXPECT_EQ(request.body.find(kSecretKey), std::string::npos);
  for (const HttpHeader& h : request.headers) {
    EXPECT_EQ(h.value.find(kSecretKey), std::string::npos) << h.name;
    EXPECT_EQ(h.name.find(kSecretKey), std::string::npos);
  }
}

// Recomputes the signature of a recorded request independently and compares the Authorization.
void expect_valid_signature(const HttpRequest& request, const std::string& service, SystemTimePoint time) {
  sigv4::Signable signable;
  signable.method = request.method;
  signable.path = "/";
  for (const HttpHeader& h : request.headers) {
    if (h.name != "Authorization") signable.headers.push_back(h);
  }
  signable.body = request.body;
  sigv4::SigningConfig config;
  Credentials credentials = testing::test_credentials();
  config.credentials.access_key_id = credentials.access_key_id;
  config.credentials.secret_access_key = credentials.secret_access_key;
  config.region = "us-east-1";
  config.service = service;
  config.time = time;
  auto expected = sigv4::sign(signable, config);
  ASSERT_TRUE(expected) << expected.error();
  const std::string authorization = find_header(request, "Authorization").value_or("");
  EXPECT_NE(authorization.find("Signature=" + expected->signature), std::string::npos) << authorization;
}

TEST(CallJson, RequestShape) {
  FakeSessionFixture f;
  f.push(response(200, R"({"StreamDescriptionSummary":{"StreamName":"orders"}})"));
  AwsClient client = f.session->client(Service::kKinesis);
  CallStats stats;
  auto result =
      client.call_json("Kinesis_20131202", "DescribeStreamSummary", {{"StreamName", "orders"}}, "1.1", &stats);
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ((*result)["StreamDescriptionSummary"]["StreamName"], "orders");
  EXPECT_EQ(stats.attempts, 1);

  auto requests = f.requests();
  ASSERT_EQ(requests.size(), 1u);
  const HttpRequest& request = requests[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "http://127.0.0.1:4567/");
  EXPECT_EQ(nlohmann::json::parse(request.body), (nlohmann::json{{"StreamName", "orders"}}));
  EXPECT_EQ(find_header(request, "Host"), "127.0.0.1:4567");
  EXPECT_EQ(find_header(request, "Content-Type"), "application/x-amz-json-1.1");
  EXPECT_EQ(find_header(request, "X-Amz-Target"), "Kinesis_20131202.DescribeStreamSummary");
  EXPECT_EQ(find_header(request, "User-Agent"), "kwb/0.1");
  EXPECT_EQ(find_header(request, "X-Amz-Date"), "20150830T123600Z");
  EXPECT_FALSE(find_header(request, "X-Amz-Security-Token"));
  const std::string authorization = find_header(request, "Authorization").value_or("");
  EXPECT_EQ(authorization.rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kinesis/aws4_request", 0),
            0u)
      << authorization;
  EXPECT_NE(authorization.find("x-amz-target"), std::string::npos) << "the target must be signed";
  expect_valid_signature(request, "kinesis", testing::suite_time());
  expect_no_secret(request);
}

TEST(CallJson, SessionTokenIsSentAndJsonVersionHonoured) {
  Credentials credentials = testing::test_credentials();
  credentials.session_token = Secret("the-session-token");
  FakeSessionFixture f(RetryConfig{}, credentials);
  f.push(response(200, "{}"));
  AwsClient client = f.session->client(Service::kCloudWatch);
  ASSERT_TRUE(client.call_json("GraniteServiceVersion20100801", "GetMetricData", nlohmann::json::object(), "1.0"));
  auto request = f.requests().at(0);
  EXPECT_EQ(find_header(request, "Content-Type"), "application/x-amz-json-1.0");
  EXPECT_EQ(find_header(request, "X-Amz-Security-Token"), "the-session-token");
  EXPECT_NE(find_header(request, "Authorization")->find("/us-east-1/monitoring/aws4_request"), std::string::npos);
  expect_no_secret(request);
}

TEST(CallJson, EmptySuccessBodyIsAnEmptyObjectAndNonJsonIsAParseError) {
  FakeSessionFixture f;
  f.push(response(200, ""));
  f.push(response(200, "<html>surprise</html>"));
  AwsClient client = f.session->client(Service::kKinesis);
  auto empty = client.call_json("Kinesis_20131202", "CreateStream", {{"StreamName", "s"}, {"ShardCount", 1}});
  ASSERT_TRUE(empty) << empty.error();
  EXPECT_TRUE(empty->is_object());
  EXPECT_TRUE(empty->empty());
  auto html = client.call_json("Kinesis_20131202", "ListStreams", nlohmann::json::object());
  ASSERT_FALSE(html);
  EXPECT_EQ(html.error().kind, ErrorKind::kParse);
  EXPECT_NE(html.error().message.find("surprise"), std::string::npos);
}

TEST(CallJson, QueryCompatibleErrorHeaderNamesTheDocumentedCode) {
  FakeSessionFixture f;
  f.push(response(400, R"({"__type":"com.amazonaws.cloudwatch#InvalidParameterValueException","message":"bad period"})",
                  {{"x-amzn-query-error", "InvalidParameterValue;Sender"}}));
  f.push(response(400, R"({"__type":"InvalidParameterValueException","message":"no header"})"));
  AwsClient client = f.session->client(Service::kCloudWatch);
  auto with_header = client.call_json("GraniteServiceVersion20100801", "GetMetricData", nlohmann::json::object(), "1.0");
  ASSERT_FALSE(with_header);
  EXPECT_EQ(with_header.error().code, "InvalidParameterValue");
  EXPECT_EQ(with_header.error().message, "bad period");
  EXPECT_EQ(with_header.error().kind, ErrorKind::kInvalidInput);
  auto without = client.call_json("GraniteServiceVersion20100801", "GetMetricData", nlohmann::json::object(), "1.0");
  ASSERT_FALSE(without);
  EXPECT_EQ(without.error().code, "InvalidParameterValueException");
}

TEST(CallJson, ParsesErrorTypeAndMessage) {
  FakeSessionFixture f;
  f.push(response(
      400,
      R"({"__type":"com.amazonaws.kinesis.v20131202#ResourceNotFoundException","message":"Stream orders under account 123 not found."})"));
  f.push(response(400, R"({"__type":"ValidationException","Message":"1 validation error"})"));
  f.push(response(400, R"({"message":"denied"})",
                  {{"x-amzn-ErrorType", "AccessDeniedException:http://internal.amazon.com/"}}));
  AwsClient client = f.session->client(Service::kKinesis);

  auto not_found = client.call_json("Kinesis_20131202", "DescribeStream", {{"StreamName", "orders"}});
  ASSERT_FALSE(not_found);
  EXPECT_EQ(not_found.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(not_found.error().code, "ResourceNotFoundException");
  EXPECT_EQ(not_found.error().message, "Stream orders under account 123 not found.");
  EXPECT_EQ(not_found.error().http_status, 400);

  auto validation = client.call_json("Kinesis_20131202", "DescribeStream", nlohmann::json::object());
  ASSERT_FALSE(validation);
  EXPECT_EQ(validation.error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(validation.error().code, "ValidationException");
  EXPECT_EQ(validation.error().message, "1 validation error");

  auto denied = client.call_json("Kinesis_20131202", "DescribeStream", nlohmann::json::object());
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().kind, ErrorKind::kAuth);
  EXPECT_EQ(denied.error().code, "AccessDeniedException");
  EXPECT_EQ(denied.error().message, "denied");
  // None of these is retryable: one request each.
  EXPECT_EQ(f.requests().size(), 3u);
}

TEST(CallJson, RetriesRetryableErrorsSleepingOnTheSessionClockWithFreshSignatures) {
  RetryConfig retry;
  retry.max_attempts = 4;
  FakeSessionFixture f(retry);
  f.push(response(500, R"({"__type":"InternalFailure"})"));
  f.push(Error::network("could not connect to http://127.0.0.1:4567/: Connection refused"));
  f.push(response(400, R"({"__type":"ProvisionedThroughputExceededException","message":"slow down"})"));
  f.push(response(200, R"({"ok":true})"));
  AwsClient client = f.session->client(Service::kKinesis);
  CallStats stats;
  auto result = client.call_json("Kinesis_20131202", "PutRecord", {{"Data", "aGk="}}, "1.1", &stats);
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(stats.attempts, 4);

  // The same seed as the fixture's Random gives the same draws: transient, network, throttling.
  SeededRandom mirror(42);
  const double d1 = mirror.uniform01() * 100.0;
  const double d2 = mirror.uniform01() * 200.0;
  const double d3 = mirror.uniform01() * 4000.0;
  const std::chrono::milliseconds delays[] = {std::chrono::milliseconds(static_cast<int64_t>(d1)),
                                              std::chrono::milliseconds(static_cast<int64_t>(d2)),
                                              std::chrono::milliseconds(static_cast<int64_t>(d3))};
  EXPECT_EQ(f.clock.total_slept(), delays[0] + delays[1] + delays[2]);

  auto requests = f.requests();
  ASSERT_EQ(requests.size(), 4u);
  SystemTimePoint at = testing::suite_time();
  for (std::size_t i = 0; i < requests.size(); ++i) {
    // Each attempt is signed at the time it is sent, so its X-Amz-Date follows the clock.
    EXPECT_EQ(find_header(requests[i], "X-Amz-Date"), format_amz_date(at)) << i;
    expect_valid_signature(requests[i], "kinesis", std::chrono::time_point_cast<std::chrono::seconds>(at));
    if (i < 3) at += delays[i];
  }
  // The three retries cost 5 each; the success refunds the last one.
  EXPECT_EQ(f.session->retry().quota_available(), 500 - 15 + 5);
}

TEST(CallJson, GivesUpAfterMaxAttemptsWithTheLastError) {
  FakeSessionFixture f;  // 3 attempts
  for (int i = 0; i < 3; ++i) f.push(response(503, R"({"__type":"ServiceUnavailableException","message":"busy"})"));
  AwsClient client = f.session->client(Service::kKinesis);
  CallStats stats;
  auto result = client.call_json("Kinesis_20131202", "ListShards", nlohmann::json::object(), "1.1", &stats);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::kTransient);
  EXPECT_EQ(result.error().code, "ServiceUnavailableException");
  EXPECT_EQ(stats.attempts, 3);
  EXPECT_EQ(f.requests().size(), 3u);
}

TEST(CallJson, NonJsonErrorBodyFallsBackToStatus) {
  FakeSessionFixture f(RetryConfig{.max_attempts = 1});
  f.push(response(502, "<html><body>Bad Gateway</body></html>"));
  AwsClient client = f.session->client(Service::kKinesis);
  auto result = client.call_json("Kinesis_20131202", "ListStreams", nlohmann::json::object());
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::kTransient);
  EXPECT_EQ(result.error().http_status, 502);
  EXPECT_NE(result.error().message.find("HTTP 502"), std::string::npos);
  EXPECT_NE(result.error().message.find("Bad Gateway"), std::string::npos);
}

class FailingProvider final : public CredentialsProvider {
 public:
  Result<Credentials> credentials() override { return Error::config("no credentials for this test"); }
};

TEST(CallJson, CredentialErrorsStopBeforeSending) {
  FakeSessionFixture f;
  FailingProvider failing;
  AwsClient client(*f.session, Service::kKinesis, f.session->endpoint(Service::kKinesis), &failing);
  auto result = client.call_json("Kinesis_20131202", "ListStreams", nlohmann::json::object());
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::kConfig);
  EXPECT_TRUE(f.requests().empty());
}

TEST(CallJson, EndpointPathAndDefaultPortHandling) {
  FakeSessionFixture f(RetryConfig{}, testing::test_credentials(),
                       std::string("https://proxy.example.com:443/kinesis/"));
  f.push(response(200, "{}"));
  AwsClient client = f.session->client(Service::kKinesis);
  ASSERT_TRUE(client.call_json("Kinesis_20131202", "ListStreams", nlohmann::json::object()));
  auto request = f.requests().at(0);
  EXPECT_EQ(request.url, "https://proxy.example.com:443/kinesis");
  EXPECT_EQ(find_header(request, "Host"), "proxy.example.com");
}

TEST(CallQuery, RequestShape) {
  FakeSessionFixture f;
  f.push(response(200, "<GetCallerIdentityResponse/>"));
  AwsClient client = f.session->client(Service::kSts);
  auto body = client.call_query("AssumeRole", "2011-06-15",
                                {{"RoleArn", "arn:aws:iam::123:role/a b"}, {"RoleSessionName", "kwb"}});
  ASSERT_TRUE(body) << body.error();
  EXPECT_EQ(*body, "<GetCallerIdentityResponse/>");
  auto request = f.requests().at(0);
  EXPECT_EQ(request.body,
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123%3Arole%2Fa%20b&RoleSessionName=kwb");
  EXPECT_EQ(find_header(request, "Content-Type"), "application/x-www-form-urlencoded; charset=utf-8");
  EXPECT_FALSE(find_header(request, "X-Amz-Target"));
  EXPECT_NE(find_header(request, "Authorization")->find("/us-east-1/sts/aws4_request"), std::string::npos);
  expect_valid_signature(request, "sts", testing::suite_time());
  expect_no_secret(request);
}

TEST(CallQuery, ParsesXmlErrorsAndRetriesThrottling) {
  FakeSessionFixture f;
  f.push(response(400, R"(<ErrorResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">
  <Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>
  <RequestId>1</RequestId></ErrorResponse>)"));
  f.push(response(403, R"(<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error>
  <RequestId>2</RequestId></ErrorResponse>)"));
  AwsClient client = f.session->client(Service::kSts);
  CallStats stats;
  auto result = client.call_query("GetCallerIdentity", "2011-06-15", {}, &stats);
  ASSERT_FALSE(result);
  EXPECT_EQ(stats.attempts, 2);
  EXPECT_EQ(result.error().kind, ErrorKind::kAuth);
  EXPECT_EQ(result.error().code, "InvalidClientTokenId");
  EXPECT_EQ(result.error().message, "The security token included in the request is invalid.");
  EXPECT_EQ(result.error().http_status, 403);
}

TEST(CallQuery, UnparseableErrorBodyUsesStatus) {
  FakeSessionFixture f;
  f.push(response(404, "not xml at all"));
  AwsClient client = f.session->client(Service::kCloudWatch);
  auto result = client.call_query("DescribeAlarms", "2010-08-01", {});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::kNotFound);
  EXPECT_NE(result.error().message.find("not xml at all"), std::string::npos);
}

}  // namespace
}  // namespace kwb::aws
