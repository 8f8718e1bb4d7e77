// Cross-checks `kwb` against Debian's AWS CLI (/usr/bin/aws, awscli v2) on one kinesis-local:
// what kwb creates and tags, aws sees; what aws writes, kwb tail reads; and the reverse.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <set>
#include <sstream>

#include "harness/kinesis_local_peer.h"
#include "harness/process.h"

#ifndef KWB_CLI_BINARY
#error "KWB_CLI_BINARY must name the built kwb executable"
#endif

namespace kwb {
namespace {

using nlohmann::json;
using testing::EnvMap;
using testing::ProcessResult;

// Debian's package, not whatever `aws` comes first on PATH (a pyenv shim, say).
constexpr const char* kAwsCli = "/usr/bin/aws";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

class AwsCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    peer_ = new testing::KinesisLocalPeer();
    started_ = peer_->start();
  }
  static void TearDownTestSuite() {
    delete peer_;
    peer_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(kAwsCli)) << kAwsCli << " is missing: run scripts/bootstrap.sh (apt awscli)";
    ASSERT_TRUE(started_) << peer_->error();
  }

  EnvMap env() const {
    return {{"PATH", "/usr/bin:/bin"},
            {"HOME", home_.path()},
            {"AWS_ACCESS_KEY_ID", "AKIDAWSCLITEST"},
            {"AWS_SECRET_ACCESS_KEY", "awscli-test-secret"},
            {"AWS_DEFAULT_REGION", "us-east-1"},
            {"AWS_PAGER", ""},
            {"AWS_CLI_AUTO_PROMPT", "off"},
            {"AWS_EC2_METADATA_DISABLED", "true"}};
  }

  ProcessResult kwb(std::vector<std::string> args) const {
    args.insert(args.begin(), {KWB_CLI_BINARY, "--endpoint-url", peer_->endpoint()});
    return testing::run_process(args, env(), std::nullopt, std::chrono::seconds(60));
  }
  ProcessResult kwb_with_stdin(std::vector<std::string> args, std::string input) const {
    args.insert(args.begin(), {KWB_CLI_BINARY, "--endpoint-url", peer_->endpoint()});
    return testing::run_process(args, env(), std::move(input), std::chrono::seconds(60));
  }
  ProcessResult aws(std::vector<std::string> args) const {
    args.insert(args.begin(), {kAwsCli, "--endpoint-url", peer_->endpoint(), "--output", "json"});
    return testing::run_process(args, env(), std::nullopt, std::chrono::seconds(60));
  }

  static testing::KinesisLocalPeer* peer_;
  static bool started_;
  testing::TempDir home_;
};

testing::KinesisLocalPeer* AwsCliTest::peer_ = nullptr;
bool AwsCliTest::started_ = false;

TEST_F(AwsCliTest, StreamCreatedByKwbIsSeenByAwsCli) {
  const std::string name = "awscli-sees-kwb";
  auto created = kwb({"streams", "create", name, "--shards", "3", "--wait"});
  ASSERT_EQ(created.exit_code, 0) << created.describe();
  ASSERT_EQ(kwb({"streams", "tag", name, "made-by=kwb"}).exit_code, 0);

  auto summary = aws({"kinesis", "describe-stream-summary", "--stream-name", name});
  ASSERT_EQ(summary.exit_code, 0) << summary.describe();
  json description = json::parse(summary.out)["StreamDescriptionSummary"];
  EXPECT_EQ(description["OpenShardCount"], 3);
  EXPECT_EQ(description["StreamStatus"], "ACTIVE");
  EXPECT_EQ(description["StreamName"], name);

  auto tags = aws({"kinesis", "list-tags-for-stream", "--stream-name", name});
  ASSERT_EQ(tags.exit_code, 0) << tags.describe();
  json tag_list = json::parse(tags.out)["Tags"];
  ASSERT_EQ(tag_list.size(), 1u);
  EXPECT_EQ(tag_list[0]["Key"], "made-by");
  EXPECT_EQ(tag_list[0]["Value"], "kwb");
}

TEST_F(AwsCliTest, RecordsPutByAwsCliAreReadByKwbTail) {
  const std::string name = "awscli-writes";
  ASSERT_EQ(kwb({"streams", "create", name, "--shards", "2", "--wait"}).exit_code, 0);
  std::set<std::string> expected;
  for (int i = 0; i < 3; ++i) {
    std::string data = "from awscli #" + std::to_string(i);
    auto put = aws({"kinesis", "put-record", "--stream-name", name, "--partition-key", "key-" + std::to_string(i),
                    "--data", data, "--cli-binary-format", "raw-in-base64-out"});
    ASSERT_EQ(put.exit_code, 0) << put.describe();
    EXPECT_FALSE(json::parse(put.out)["SequenceNumber"].get<std::string>().empty());
    expected.insert(data);
  }
  auto tail = kwb({"tail", name, "--from", "trim-horizon", "--max-records", "3", "--timeout", "30"});
  ASSERT_EQ(tail.exit_code, 0) << tail.describe();
  auto lines = lines_of(tail.out);
  EXPECT_EQ(std::set<std::string>(lines.begin(), lines.end()), expected);
  EXPECT_EQ(lines.size(), 3u);
}

TEST_F(AwsCliTest, RecordsPutByKwbAreReadByAwsCli) {
  const std::string name = "awscli-reads";
  ASSERT_EQ(kwb({"streams", "create", name, "--shards", "1", "--wait"}).exit_code, 0);
  auto put = kwb_with_stdin({"put", name}, "alpha\nbeta\n");
  ASSERT_EQ(put.exit_code, 0) << put.describe();
  auto iterator = aws({"kinesis", "get-shard-iterator", "--stream-name", name, "--shard-id", "shardId-000000000000",
                       "--shard-iterator-type", "TRIM_HORIZON"});
  ASSERT_EQ(iterator.exit_code, 0) << iterator.describe();
  // As with real Kinesis, a GetRecords call may come back empty; follow NextShardIterator a
  // bounded number of times. The CLI prints Data base64-encoded, as it came over the wire.
  std::vector<std::string> data;
  std::string next = json::parse(iterator.out)["ShardIterator"].get<std::string>();
  for (int call = 0; call < 5 && data.size() < 2; ++call) {
    auto records = aws({"kinesis", "get-records", "--shard-iterator", next});
    ASSERT_EQ(records.exit_code, 0) << records.describe();
    json page = json::parse(records.out);
    for (const auto& record : page["Records"]) data.push_back(record["Data"]);
    if (!page["NextShardIterator"].is_string()) break;
    next = page["NextShardIterator"].get<std::string>();
  }
  EXPECT_EQ(data, (std::vector<std::string>{"YWxwaGE=", "YmV0YQ=="}));
}

}  // namespace
}  // namespace kwb
