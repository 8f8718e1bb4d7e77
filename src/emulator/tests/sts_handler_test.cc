#include "emulator/sts_handler.h"

#include <gtest/gtest.h>

namespace kwb::emulator {
namespace {

ApiRequest sts_request(std::string_view body, std::string_view authorization, std::string_view service) {
  ApiRequest request;
  request.method = "POST";
  request.target = "/";
  request.content_type = "application/x-www-form-urlencoded; charset=utf-8";
  request.body = body;
  request.authorization = authorization;
  request.signing_service = service;
  return request;
}

constexpr std::string_view kAuthorization =
    "AWS4-HMAC-SHA256 Credential=AKIDEMULATOR/20261130/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00";

TEST(StsHandler, GetCallerIdentityNamesTheSigningKeyInTheEmulatorAccount) {
  StsHandler sts("123456789012");
  const ApiRequest request = sts_request("Action=GetCallerIdentity&Version=2011-06-15", kAuthorization, "sts");
  ASSERT_TRUE(sts.accepts(request));
  const ApiResponse response = sts.handle(request);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "text/xml");
  EXPECT_NE(response.body.find("<Account>123456789012</Account>"), std::string::npos) << response.body;
  EXPECT_NE(response.body.find("<Arn>arn:aws:iam::123456789012:user/AKIDEMULATOR</Arn>"), std::string::npos);
  EXPECT_NE(response.body.find("<UserId>AKIDEMULATOR</UserId>"), std::string::npos);
}

TEST(StsHandler, LeavesKinesisAndCloudWatchRequestsAlone) {
  StsHandler sts("000000000000");
  ApiRequest kinesis = sts_request("{}", "", "kinesis");
  kinesis.amz_target = "Kinesis_20131202.ListStreams";
  EXPECT_FALSE(sts.accepts(kinesis));
  EXPECT_FALSE(sts.accepts(sts_request("Action=GetMetricData&Version=2010-08-01", "", "monitoring")));
  EXPECT_FALSE(sts.accepts(sts_request("Action=ListMetrics&Version=2010-08-01", "", "")));
  // Unsigned, but plainly an STS call.
  EXPECT_TRUE(sts.accepts(sts_request("Version=2011-06-15&Action=GetCallerIdentity", "", "")));
}

TEST(StsHandler, OtherActionsGetInvalidActionWithTheNameEscaped) {
  StsHandler sts("000000000000");
  const ApiResponse response = sts.handle(sts_request("Action=AssumeRole<x>&Version=2011-06-15", kAuthorization, "sts"));
  EXPECT_EQ(response.status, 400);
  EXPECT_NE(response.body.find("<Code>InvalidAction</Code>"), std::string::npos) << response.body;
  EXPECT_NE(response.body.find("AssumeRole&lt;x&gt;"), std::string::npos) << response.body;
  EXPECT_EQ(response.body.find("<x>"), std::string::npos);
}

}  // namespace
}  // namespace kwb::emulator
