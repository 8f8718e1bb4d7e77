#include "aws/endpoints.h"

#include <gtest/gtest.h>

namespace kwb::aws {
namespace {

TEST(ResolveRegion, Precedence) {
  MapEnvironment env({{"AWS_REGION", "eu-west-1"}, {"AWS_DEFAULT_REGION", "eu-west-2"}});
  EXPECT_EQ(resolve_region(std::string("ap-south-1"), env, std::string("us-west-2"))->str(), "ap-south-1");
  EXPECT_EQ(resolve_region(std::nullopt, env, std::string("us-west-2"))->str(), "eu-west-1");
  env.set("AWS_REGION", "");
  EXPECT_EQ(resolve_region(std::nullopt, env, std::string("us-west-2"))->str(), "eu-west-2");
  env.set("AWS_DEFAULT_REGION", "");
  EXPECT_EQ(resolve_region(std::nullopt, env, std::string("us-west-2"))->str(), "us-west-2");
}

TEST(ResolveRegion, MissingIsAConfigError) {
  MapEnvironment env;
  auto region = resolve_region(std::nullopt, env, std::nullopt);
  ASSERT_FALSE(region);
  EXPECT_EQ(region.error().kind, ErrorKind::kConfig);
  EXPECT_NE(region.error().message.find("AWS_REGION"), std::string::npos);
}

TEST(ResolveRegion, ValidatesShape) {
  MapEnvironment env;
  for (const char* good : {"us-east-1", "eu-central-2", "us-gov-west-1", "cn-north-1", "us-isob-east-1"}) {
    EXPECT_TRUE(resolve_region(std::string(good), env, std::nullopt)) << good;
  }
  for (const char* bad :
       {"us-east1", "US-EAST-1", "useast", "us-east-", "-us-east-1", "us--east-1", "us east 1", "u-east-1"}) {
    auto region = resolve_region(std::string(bad), env, std::nullopt);
    ASSERT_FALSE(region) << bad;
    EXPECT_EQ(region.error().kind, ErrorKind::kConfig);
    EXPECT_NE(region.error().message.find("--region"), std::string::npos) << region.error().message;
  }
}

TEST(ResolveEndpoint, DefaultsPerServiceAndPartition) {
  MapEnvironment env;
  EXPECT_EQ(*resolve_endpoint(Service::kKinesis, Region("us-east-1"), std::nullopt, env, std::nullopt),
            "https://kinesis.us-east-1.amazonaws.com");
  EXPECT_EQ(*resolve_endpoint(Service::kCloudWatch, Region("eu-west-1"), std::nullopt, env, std::nullopt),
            "https://monitoring.eu-west-1.amazonaws.com");
  EXPECT_EQ(*resolve_endpoint(Service::kSts, Region("cn-north-1"), std::nullopt, env, std::nullopt),
            "https://sts.cn-north-1.amazonaws.com.cn");
}

TEST(ResolveEndpoint, Precedence) {
  const Region region("us-east-1");
  MapEnvironment env(
      {{"AWS_ENDPOINT_URL_KINESIS", "http://127.0.0.1:1111"}, {"AWS_ENDPOINT_URL", "http://127.0.0.1:2222"}});
  const std::optional<std::string> profile = std::string("http://127.0.0.1:3333");
  EXPECT_EQ(*resolve_endpoint(Service::kKinesis, region, std::string("http://127.0.0.1:4567"), env, profile),
            "http://127.0.0.1:4567");
  EXPECT_EQ(*resolve_endpoint(Service::kKinesis, region, std::nullopt, env, profile), "http://127.0.0.1:1111");
  // The per-service variable applies to its service only.
  EXPECT_EQ(*resolve_endpoint(Service::kCloudWatch, region, std::nullopt, env, profile), "http://127.0.0.1:2222");
  env.set("AWS_ENDPOINT_URL", "");
  EXPECT_EQ(*resolve_endpoint(Service::kCloudWatch, region, std::nullopt, env, profile), "http://127.0.0.1:3333");
  EXPECT_EQ(*resolve_endpoint(Service::kCloudWatch, region, std::nullopt, env, std::nullopt),
            "https://monitoring.us-east-1.amazonaws.com");
  // The SDKs' switch turns off environment and profile endpoints, but not the flag.
  env.set("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true");
  EXPECT_EQ(*resolve_endpoint(Service::kKinesis, region, std::nullopt, env, profile),
            "https://kinesis.us-east-1.amazonaws.com");
  EXPECT_EQ(*resolve_endpoint(Service::kKinesis, region, std::string("http://localhost:9"), env, profile),
            "http://localhost:9");
}

TEST(ResolveEndpoint, AcceptsAndNormalisesValidUrls) {
  MapEnvironment env;
  const Region region("us-east-1");
  auto resolve = [&](const std::string& url) {
    return resolve_endpoint(Service::kKinesis, region, url, env, std::nullopt);
  };
  EXPECT_EQ(*resolve("http://localhost:4567/"), "http://localhost:4567");
  EXPECT_EQ(*resolve("https://vpce-1.kinesis.us-east-1.vpce.amazonaws.com"),
            "https://vpce-1.kinesis.us-east-1.vpce.amazonaws.com");
  EXPECT_EQ(*resolve("http://[::1]:4567"), "http://[::1]:4567");
  EXPECT_EQ(*resolve("http://proxy:8080/kinesis//"), "http://proxy:8080/kinesis");
}

TEST(ResolveEndpoint, RejectsMalformedUrlsNamingTheSource) {
  MapEnvironment env;
  const Region region("us-east-1");
  for (const char* bad : {"localhost:4567", "ftp://host", "http://", "http://host:0", "http://host:99999",
                          "http://host:abc", "http://host/?x=1", "http://user@host", "http://ho st", "http://[::1"}) {
    env.set("AWS_ENDPOINT_URL", bad);
    auto endpoint = resolve_endpoint(Service::kKinesis, region, std::nullopt, env, std::nullopt);
    ASSERT_FALSE(endpoint) << bad;
    EXPECT_EQ(endpoint.error().kind, ErrorKind::kConfig);
    EXPECT_NE(endpoint.error().message.find("AWS_ENDPOINT_URL"), std::string::npos) << endpoint.error().message;
  }
}

TEST(ServiceInfo, SigningNames) {
  EXPECT_STREQ(service_info(Service::kKinesis).signing_name, "kinesis");
  EXPECT_STREQ(service_info(Service::kCloudWatch).signing_name, "monitoring");
  EXPECT_STREQ(service_info(Service::kSts).signing_name, "sts");
  EXPECT_STREQ(service_info(Service::kCloudWatch).env_suffix, "CLOUDWATCH");
}

}  // namespace
}  // namespace kwb::aws
