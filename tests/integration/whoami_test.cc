// `kwb whoami` and Debian's `aws sts get-caller-identity` against a real `kwb emulator`: the
// emulator's STS GetCallerIdentity answers both clients the same way (issue 2's whoami success
// path; kinesis-local has no STS, so this is where it is tested end to end).

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>

#include "harness/kwb_emulator.h"
#include "harness/process.h"

#ifndef KWB_CLI_BINARY
#error "KWB_CLI_BINARY must name the built kwb executable"
#endif

namespace kwb {
namespace {

using nlohmann::json;
using testing::KwbEmulatorProcess;
using testing::TempDir;
using namespace std::chrono_literals;

constexpr const char* kAwsCli = "/usr/bin/aws";  // Debian's package, not a pyenv shim

TEST(WhoamiTest, KwbAndAwsCliSeeTheSameCaller) {
  TempDir home;
  KwbEmulatorProcess emulator(KWB_CLI_BINARY, home.path());
  ASSERT_TRUE(emulator.start()) << emulator.error();

  auto whoami = emulator.run_kwb({"--output", "json", "whoami"}, 30s);
  ASSERT_EQ(whoami.exit_code, 0) << whoami.describe();
  const json kwb_view = json::parse(whoami.out, nullptr, false);
  ASSERT_TRUE(kwb_view.is_object()) << whoami.out;
  EXPECT_EQ(kwb_view.value("account", ""), "000000000000") << whoami.out;
  EXPECT_NE(whoami.out.find("arn:aws:iam::000000000000:user/test"), std::string::npos) << whoami.out;

  ASSERT_TRUE(std::filesystem::exists(kAwsCli)) << "run scripts/bootstrap.sh (apt awscli)";
  auto aws = testing::run_process({kAwsCli, "--endpoint-url", emulator.endpoint(), "sts", "get-caller-identity",
                                   "--output", "json"},
                                  emulator.client_env(), std::nullopt, 60s);
  ASSERT_EQ(aws.exit_code, 0) << aws.describe();
  const json aws_view = json::parse(aws.out, nullptr, false);
  ASSERT_TRUE(aws_view.is_object()) << aws.out;
  EXPECT_EQ(aws_view.value("Account", ""), "000000000000");
  EXPECT_EQ(aws_view.value("Arn", ""), "arn:aws:iam::000000000000:user/test");
  EXPECT_EQ(aws_view.value("UserId", ""), "test");
}

}  // namespace
}  // namespace kwb
