// AwsSession::create: configuration precedence and errors, and the default chain wired to a real
// STS AssumeRole call over the curl transport against a loopback responder.

#include "aws/session.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "aws/sts.h"
#include "aws/tests/loopback_server.h"

namespace kwb::aws {
namespace {

using testing::LoopbackServer;
using testing::ReceivedRequest;

class SessionCreate : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("kwb-session-test-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_ / ".aws");
    env_.set("HOME", dir_.string());
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  void write(const std::string& leaf, const std::string& text) { std::ofstream(dir_ / ".aws" / leaf) << text; }

  std::filesystem::path dir_;
  MapEnvironment env_;
  ManualClock clock_{std::chrono::system_clock::from_time_t(1440938160)};
  SeededRandom random_{5};
};

TEST_F(SessionCreate, ResolvesRegionAndEndpointsFromProfileAndEnvironment) {
  write("config", "[profile dev]\nregion = eu-west-1\nendpoint_url = http://127.0.0.1:4567\n");
  env_.set("AWS_PROFILE", "dev");
  env_.set("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9999");
  auto session = AwsSession::create({}, env_, clock_, random_);
  ASSERT_TRUE(session) << session.error();
  EXPECT_EQ((*session)->region().str(), "eu-west-1");
  EXPECT_EQ((*session)->endpoint(Service::kKinesis), "http://127.0.0.1:4567");
  EXPECT_EQ((*session)->endpoint(Service::kCloudWatch), "http://127.0.0.1:4567");
  EXPECT_EQ((*session)->endpoint(Service::kSts), "http://127.0.0.1:9999");
  EXPECT_EQ((*session)->retry().config().max_attempts, 3);

  SessionOptions options;
  options.region = "us-west-2";
  options.max_attempts = 6;
  auto flagged = AwsSession::create(options, env_, clock_, random_);
  ASSERT_TRUE(flagged) << flagged.error();
  EXPECT_EQ((*flagged)->region().str(), "us-west-2");
  EXPECT_EQ((*flagged)->retry().config().max_attempts, 6);
}

TEST_F(SessionCreate, DefaultEndpointsWithoutOverrides) {
  env_.set("AWS_REGION", "us-east-1");
  auto session = AwsSession::create({}, env_, clock_, random_);
  ASSERT_TRUE(session) << session.error();
  EXPECT_EQ((*session)->endpoint(Service::kKinesis), "https://kinesis.us-east-1.amazonaws.com");
  EXPECT_EQ((*session)->endpoint(Service::kCloudWatch), "https://monitoring.us-east-1.amazonaws.com");
  EXPECT_EQ((*session)->client(Service::kSts).endpoint(), "https://sts.us-east-1.amazonaws.com");
  // Credentials are resolved lazily: with none anywhere, only the first call fails.
  auto credentials = (*session)->credentials().credentials();
  ASSERT_FALSE(credentials);
  EXPECT_EQ(credentials.error().kind, ErrorKind::kAuth);
}

TEST_F(SessionCreate, ConfigurationErrors) {
  env_.set("AWS_REGION", "us-east-1");
  SessionOptions unknown;
  unknown.profile = "nope";
  auto session = AwsSession::create(unknown, env_, clock_, random_);
  ASSERT_FALSE(session);
  EXPECT_EQ(session.error().kind, ErrorKind::kConfig);
  EXPECT_NE(session.error().message.find("profile 'nope' not found in " + (dir_ / ".aws/credentials").string()),
            std::string::npos)
      << session.error().message;

  env_.set("AWS_REGION", "");
  session = AwsSession::create({}, env_, clock_, random_);
  ASSERT_FALSE(session);
  EXPECT_NE(session.error().message.find("region"), std::string::npos);

  env_.set("AWS_REGION", "us-east-1");
  env_.set("AWS_ENDPOINT_URL", "localhost:4567");
  session = AwsSession::create({}, env_, clock_, random_);
  ASSERT_FALSE(session);
  EXPECT_NE(session.error().message.find("AWS_ENDPOINT_URL"), std::string::npos);

  env_.set("AWS_ENDPOINT_URL", "");
  env_.set("AWS_CA_BUNDLE", (dir_ / "missing.pem").string());
  session = AwsSession::create({}, env_, clock_, random_);
  ASSERT_FALSE(session);
  EXPECT_NE(session.error().message.find("missing.pem"), std::string::npos);

  env_.set("AWS_CA_BUNDLE", "");
  write("credentials", "[default]\naws_access_key_id\n");
  session = AwsSession::create({}, env_, clock_, random_);
  ASSERT_FALSE(session);
  EXPECT_NE(session.error().message.find("credentials, line 2"), std::string::npos) << session.error().message;
}

TEST_F(SessionCreate, RoleProfileAssumesRoleThroughStsWithSourceCredentials) {
  LoopbackServer sts([](const ReceivedRequest& request) -> std::string {
    if (request.body.find("Action=AssumeRole") == std::string::npos)
      return "HTTP/1.1 400 Bad\r\nContent-Length: 0\r\n\r\n";
    return R"(<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
      <AssumedRoleUser><Arn>arn:aws:sts::1:assumed-role/admin/s</Arn></AssumedRoleUser>
      <Credentials><AccessKeyId>ASIAROLE</AccessKeyId><SecretAccessKey>rolesecret</SecretAccessKey>
      <SessionToken>roletoken</SessionToken><Expiration>2015-08-30T13:36:00Z</Expiration></Credentials>
      </AssumeRoleResult></AssumeRoleResponse>)";
  });
  write("credentials", "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = basesecret\n");
  write("config", "[profile admin]\nrole_arn = arn:aws:iam::1:role/admin\nsource_profile = base\nregion = us-east-1\n");
  env_.set("AWS_ENDPOINT_URL", sts.url());
  SessionOptions options;
  options.profile = "admin";
  auto session = AwsSession::create(options, env_, clock_, random_);
  ASSERT_TRUE(session) << session.error();

  auto credentials = (*session)->credentials().credentials();
  ASSERT_TRUE(credentials) << credentials.error();
  EXPECT_EQ(credentials->access_key_id, "ASIAROLE");
  EXPECT_EQ(credentials->session_token->reveal(), "roletoken");
  // Cached: a second resolution does not call STS again.
  ASSERT_TRUE((*session)->credentials().credentials());
  auto requests = sts.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_NE(requests[0].head.find("Credential=AKIDBASE/20150830/us-east-1/sts/aws4_request"), std::string::npos)
      << requests[0].head;
  EXPECT_NE(requests[0].body.find("RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fadmin"), std::string::npos);
  EXPECT_EQ(requests[0].head.find("basesecret"), std::string::npos);
}

}  // namespace
}  // namespace kwb::aws
