#include "aws/sts.h"

#include <gtest/gtest.h>

#include "aws/session.h"
#include "aws/tests/fakes.h"

namespace kwb::aws {
namespace {

using testing::FakeSessionFixture;
using testing::response;

const char* kCallerIdentityXml = R"(<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::123456789012:user/alice</Arn>
    <UserId>AIDAEXAMPLEUSERID</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>)";

const char* kAssumeRoleXml = R"(<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/admin/kwb</Arn>
      <AssumedRoleId>AROAEXAMPLE:kwb</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAEXAMPLE</AccessKeyId>
      <SecretAccessKey>role/secret+key</SecretAccessKey>
      <SessionToken>FwoGZXIvYXdzEXAMPLE</SessionToken>
      <Expiration>2015-08-30T13:36:00.500Z</Expiration>
    </Credentials>
  </AssumeRoleResult>
</AssumeRoleResponse>)";

TEST(StsParse, CallerIdentity) {
  auto identity = parse_get_caller_identity_response(kCallerIdentityXml);
  ASSERT_TRUE(identity) << identity.error();
  EXPECT_EQ(identity->account, "123456789012");
  EXPECT_EQ(identity->arn, "arn:aws:iam::123456789012:user/alice");
  EXPECT_EQ(identity->user_id, "AIDAEXAMPLEUSERID");
}

TEST(StsParse, AssumeRole) {
  auto credentials = parse_assume_role_response(kAssumeRoleXml);
  ASSERT_TRUE(credentials) << credentials.error();
  EXPECT_EQ(credentials->access_key_id, "ASIAEXAMPLE");
  EXPECT_EQ(credentials->secret_access_key.reveal(), "role/secret+key");
  ASSERT_TRUE(credentials->session_token);
  EXPECT_EQ(credentials->session_token->reveal(), "FwoGZXIvYXdzEXAMPLE");
  ASSERT_TRUE(credentials->expiration);
  EXPECT_EQ(*credentials->expiration, testing::suite_time() + std::chrono::hours(1) + std::chrono::milliseconds(500));
  EXPECT_EQ(credentials->source, "assume-role:arn:aws:sts::123456789012:assumed-role/admin/kwb");
}

TEST(StsParse, MalformedResponsesAreParseErrors) {
  for (const std::string& xml : {std::string("not xml <"), std::string("<Other/>"),
                                 std::string("<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>a</Arn>"
                                             "</GetCallerIdentityResult></GetCallerIdentityResponse>")}) {
    auto identity = parse_get_caller_identity_response(xml);
    ASSERT_FALSE(identity) << xml;
    EXPECT_EQ(identity.error().kind, ErrorKind::kParse);
  }
  std::string bad_date = kAssumeRoleXml;
  bad_date.replace(bad_date.find("2015-08-30T13:36:00.500Z"), 24, "tomorrow");
  auto credentials = parse_assume_role_response(bad_date);
  ASSERT_FALSE(credentials);
  EXPECT_EQ(credentials.error().kind, ErrorKind::kParse);
  EXPECT_NE(credentials.error().message.find("tomorrow"), std::string::npos);
}

TEST(StsClient, CallsOverTheQueryProtocol) {
  FakeSessionFixture f;
  f.push(response(200, kCallerIdentityXml));
  f.push(response(200, kAssumeRoleXml));
  StsClient sts(f.session->client(Service::kSts));
  auto identity = sts.get_caller_identity();
  ASSERT_TRUE(identity) << identity.error();
  EXPECT_EQ(identity->account, "123456789012");
  auto credentials = sts.assume_role("arn:aws:iam::123456789012:role/admin", "kwb", std::chrono::seconds(900));
  ASSERT_TRUE(credentials) << credentials.error();
  EXPECT_EQ(credentials->access_key_id, "ASIAEXAMPLE");

  auto requests = f.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].body, "Action=GetCallerIdentity&Version=2011-06-15");
  EXPECT_EQ(requests[1].body,
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fadmin"
            "&RoleSessionName=kwb&DurationSeconds=900");
}

}  // namespace
}  // namespace kwb::aws
