// The built `kwb` binary against kinesis-local: every `streams` subcommand, put, tail and whoami,
// reached through --endpoint-url and through AWS_ENDPOINT_URL; and bad input of every kind, each
// of which must end in one line on stderr and a documented non-zero exit code, never a crash.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>
#include <sstream>

#include "harness/kinesis_local_peer.h"
#include "harness/net.h"
#include "harness/process.h"

#ifndef KWB_CLI_BINARY
#error "KWB_CLI_BINARY must name the built kwb executable"
#endif

namespace kwb {
namespace {

using nlohmann::json;
using testing::EnvMap;
using testing::ProcessResult;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

// The contract for every failure: exactly one line on stderr, starting "kwb: ", nothing that
// looks like a crash, and the expected exit code.
void expect_one_line_failure(const ProcessResult& result, int exit_code, const std::string& must_contain) {
  EXPECT_EQ(result.exit_code, exit_code) << result.describe();
  EXPECT_FALSE(result.timed_out) << result.describe();
  auto lines = lines_of(result.err);
  ASSERT_EQ(lines.size(), 1u) << result.describe();
  EXPECT_EQ(lines[0].rfind("kwb: ", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find(must_contain), std::string::npos) << "wanted '" << must_contain << "' in: " << lines[0];
  EXPECT_EQ(result.err.back(), '\n');
  for (const char* crash : {"terminate called", "Aborted", "Segmentation", "what():"}) {
    EXPECT_EQ(result.err.find(crash), std::string::npos) << result.describe();
  }
}

class CliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    peer_ = new testing::KinesisLocalPeer();
    started_ = peer_->start();
  }
  static void TearDownTestSuite() {
    delete peer_;
    peer_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(started_) << peer_->error(); }

  // Dummy credentials and a region; no endpoint (each test chooses how to give it).
  EnvMap base_env() const {
    return {{"PATH", "/usr/bin:/bin"},
            {"HOME", home_.path()},
            {"AWS_ACCESS_KEY_ID", "AKIDCLITEST"},
            {"AWS_SECRET_ACCESS_KEY", "cli-test-secret"},
            {"AWS_DEFAULT_REGION", "us-east-1"}};
  }

  static ProcessResult kwb(std::vector<std::string> args, const EnvMap& env,
                           std::optional<std::string> stdin_data = std::nullopt,
                           std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
    args.insert(args.begin(), KWB_CLI_BINARY);
    return testing::run_process(args, env, std::move(stdin_data), timeout);
  }
  // With --endpoint-url pointing at the peer.
  ProcessResult kwb_at(std::vector<std::string> args, std::optional<std::string> stdin_data = std::nullopt) const {
    args.insert(args.begin(), {"--endpoint-url", peer_->endpoint()});
    return kwb(std::move(args), base_env(), std::move(stdin_data));
  }

  static testing::KinesisLocalPeer* peer_;
  static bool started_;
  testing::TempDir home_;
};

testing::KinesisLocalPeer* CliTest::peer_ = nullptr;
bool CliTest::started_ = false;

TEST_F(CliTest, StreamsSubcommandsViaEndpointFlag) {
  const std::string name = "cli-streams";
  auto created = kwb_at({"streams", "create", name, "--shards", "2", "--wait", "--tag", "owner=cli"});
  ASSERT_EQ(created.exit_code, 0) << created.describe();
  EXPECT_NE(created.out.find("ACTIVE"), std::string::npos) << created.out;
  EXPECT_EQ(created.err, "");

  auto listed = kwb_at({"streams", "list"});
  ASSERT_EQ(listed.exit_code, 0) << listed.describe();
  EXPECT_NE(listed.out.find(name), std::string::npos);
  auto listed_json = kwb_at({"--output", "json", "streams", "list"});
  ASSERT_EQ(listed_json.exit_code, 0) << listed_json.describe();
  json streams = json::parse(listed_json.out)["streams"];
  EXPECT_TRUE(std::any_of(streams.begin(), streams.end(), [&](const json& s) { return s["stream_name"] == name; }));

  auto described = kwb_at({"streams", "describe", name});
  ASSERT_EQ(described.exit_code, 0) << described.describe();
  EXPECT_NE(described.out.find("shardId-000000000001"), std::string::npos) << described.out;

  ASSERT_EQ(kwb_at({"streams", "tag", name, "a=1", "b=two"}).exit_code, 0);
  ASSERT_EQ(kwb_at({"streams", "untag", name, "a"}).exit_code, 0);
  auto tagged = kwb_at({"streams", "describe", name, "--output", "json"});  // global option after the command
  ASSERT_EQ(tagged.exit_code, 0) << tagged.describe();
  json description = json::parse(tagged.out);
  EXPECT_EQ(description["open_shard_count"], 2);
  EXPECT_EQ(description["shards"].size(), 2u);
  EXPECT_EQ(description["tags"], json({{"b", "two"}, {"owner", "cli"}}));

  auto scaled = kwb_at({"streams", "scale", name, "--shards", "4"});
  ASSERT_EQ(scaled.exit_code, 0) << scaled.describe();
  EXPECT_NE(scaled.out.find("4 open shards"), std::string::npos) << scaled.out;
  auto after = kwb_at({"--output", "json", "streams", "describe", name});
  ASSERT_EQ(after.exit_code, 0);
  EXPECT_EQ(json::parse(after.out)["open_shard_count"], 4);

  auto deleted = kwb_at({"streams", "delete", name, "--wait"});
  ASSERT_EQ(deleted.exit_code, 0) << deleted.describe();
  auto missing = kwb_at({"streams", "describe", name});
  expect_one_line_failure(missing, 4, "stream '" + name + "' not found in us-east-1 (ResourceNotFoundException)");
}

TEST_F(CliTest, PutAndTailViaEnvironmentEndpoint) {
  EnvMap env = base_env();
  env["AWS_ENDPOINT_URL"] = peer_->endpoint();
  const std::string name = "cli-put-tail";
  ASSERT_EQ(kwb({"streams", "create", name, "--shards", "2", "--wait"}, env).exit_code, 0);

  std::string input;
  std::set<std::string> expected;
  for (int i = 0; i < 300; ++i) {
    std::string line = "line-" + std::to_string(i) + " with spaces";
    input += line + "\n";
    expected.insert(line);
  }
  input += "\n";  // blank lines are skipped
  auto put = kwb({"put", name}, env, input);
  ASSERT_EQ(put.exit_code, 0) << put.describe();
  EXPECT_NE(put.out.find("put 300 records"), std::string::npos) << put.out;

  auto single = kwb({"put", name, "--data", "the single one", "--partition-key", "pk-1"}, env);
  ASSERT_EQ(single.exit_code, 0) << single.describe();
  EXPECT_EQ(single.out.rfind("shardId-", 0), 0u) << single.out;
  expected.insert("the single one");

  auto tail = kwb({"tail", name, "--from", "trim-horizon", "--max-records", "301", "--timeout", "30"}, env);
  ASSERT_EQ(tail.exit_code, 0) << tail.describe();
  auto lines = lines_of(tail.out);
  EXPECT_EQ(lines.size(), 301u);
  EXPECT_EQ(std::set<std::string>(lines.begin(), lines.end()), expected);

  auto tail_json = kwb({"--output", "json", "tail", name, "--from", "trim-horizon", "--max-records", "5",
                        "--timeout", "30"},
                       env);
  ASSERT_EQ(tail_json.exit_code, 0) << tail_json.describe();
  auto json_lines = lines_of(tail_json.out);
  ASSERT_EQ(json_lines.size(), 5u);
  for (const auto& line : json_lines) {
    json record = json::parse(line);
    EXPECT_TRUE(expected.contains(record["data"].get<std::string>())) << line;
    EXPECT_EQ(record["shard_id"].get<std::string>().rfind("shardId-", 0), 0u);
    EXPECT_FALSE(record["sequence_number"].get<std::string>().empty());
  }

  // Nothing new arrives after LATEST: the timeout ends the run, cleanly and on time.
  const auto started = std::chrono::steady_clock::now();
  auto idle = kwb({"tail", name, "--from", "latest", "--timeout", "1.5"}, env);
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(idle.exit_code, 0) << idle.describe();
  EXPECT_EQ(idle.out, "");
  EXPECT_LT(took, std::chrono::seconds(10));

  // A timestamp start: everything written in the last hour.
  auto since = kwb({"tail", name, "--from", "2000-01-01T00:00:00Z", "--max-records", "301", "--timeout", "30"}, env);
  ASSERT_EQ(since.exit_code, 0) << since.describe();
  EXPECT_EQ(lines_of(since.out).size(), 301u);

  ASSERT_EQ(kwb({"streams", "delete", name}, env).exit_code, 0);
}

TEST_F(CliTest, TailFollowsChildShardsAfterResharding) {
  const std::string name = "cli-reshard";
  ASSERT_EQ(kwb_at({"streams", "create", name, "--shards", "1", "--wait"}).exit_code, 0);
  ASSERT_EQ(kwb_at({"put", name, "--partition-key", "k"}, std::string("before-1\nbefore-2\n")).exit_code, 0);
  ASSERT_EQ(kwb_at({"streams", "scale", name, "--shards", "2"}).exit_code, 0);
  ASSERT_EQ(kwb_at({"put", name, "--partition-key", "k"}, std::string("after-1\nafter-2\n")).exit_code, 0);
  auto tail = kwb_at({"tail", name, "--from", "trim-horizon", "--max-records", "4", "--timeout", "30"});
  ASSERT_EQ(tail.exit_code, 0) << tail.describe();
  // Same partition key: the parent's records come first, then the child's, each in order.
  EXPECT_EQ(lines_of(tail.out), (std::vector<std::string>{"before-1", "before-2", "after-1", "after-2"}));
  ASSERT_EQ(kwb_at({"streams", "delete", name}).exit_code, 0);
}

TEST_F(CliTest, WhoamiAgainstKinesisOnlyEndpointFailsInOneLine) {
  // kinesis-local serves no STS, so GetCallerIdentity cannot succeed there; what matters is a clear
  // single-line error naming the call and the endpoint.
  auto whoami = kwb_at({"whoami"});
  expect_one_line_failure(whoami, 1, "STS GetCallerIdentity at " + peer_->endpoint());
}

TEST_F(CliTest, HelpListsExitCodes) {
  auto help = kwb({"--help"}, base_env());
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("Exit codes"), std::string::npos);
  auto sub_help = kwb({"streams", "create", "--help"}, base_env());
  EXPECT_EQ(sub_help.exit_code, 0);
  EXPECT_NE(sub_help.out.find("--on-demand"), std::string::npos);
  EXPECT_NE(sub_help.out.find("Exit codes"), std::string::npos);
}

TEST_F(CliTest, UsageErrorsExitTwo) {
  expect_one_line_failure(kwb({"streams", "create"}, base_env()), 2, "name");
  expect_one_line_failure(kwb({"--output", "xml", "streams", "list"}, base_env()), 2, "xml");
  expect_one_line_failure(kwb({"frobnicate"}, base_env()), 2, "frobnicate");
  expect_one_line_failure(kwb({"streams", "frobnicate"}, base_env()), 2, "frobnicate");
  expect_one_line_failure(kwb({"streams"}, base_env()), 2, "'kwb streams' needs a command");
  expect_one_line_failure(kwb({}, base_env()), 2, "needs a command");
  expect_one_line_failure(kwb({"streams", "create", "x", "--shards", "2", "--on-demand"}, base_env()), 2, "excludes");
  expect_one_line_failure(kwb_at({"tail", "s", "--from", "yesterday"}), 2, "--from");
  expect_one_line_failure(kwb_at({"streams", "tag", "s", "novalue"}), 2, "KEY=VALUE");
}

TEST_F(CliTest, InvalidStreamNameIsRejectedBeforeSending) {
  // A closed port proves nothing was sent: had it been, the error would be a network one.
  const int closed = testing::pick_free_port();
  auto result = kwb({"--endpoint-url", "http://127.0.0.1:" + std::to_string(closed), "streams", "create",
                     "bad name!", "--shards", "1"},
                    base_env());
  expect_one_line_failure(result, 2, "invalid stream name 'bad name!'");
  expect_one_line_failure(kwb_at({"streams", "describe", std::string(129, 'x')}), 2, "1 to 128 characters");
}

TEST_F(CliTest, OversizedRecordIsRejected) {
  std::string big(1024 * 1024 + 100, 'x');
  auto result = kwb_at({"put", "any-stream"}, big + "\n");
  expect_one_line_failure(result, 2, "1 MiB");
  EXPECT_NE(result.err.find("line 1"), std::string::npos);
}

TEST_F(CliTest, MalformedCredentialsFileIsAConfigError) {
  EnvMap env = base_env();
  env.erase("AWS_ACCESS_KEY_ID");
  env.erase("AWS_SECRET_ACCESS_KEY");
  env["AWS_SHARED_CREDENTIALS_FILE"] = home_.write("broken-credentials", "aws_access_key_id = floating\n[default\n");
  auto result = kwb({"--endpoint-url", peer_->endpoint(), "streams", "list"}, env);
  expect_one_line_failure(result, 3, "broken-credentials");
}

TEST_F(CliTest, UnknownProfileIsAConfigError) {
  auto result = kwb({"--profile", "no-such-profile", "--endpoint-url", peer_->endpoint(), "streams", "list"},
                    base_env());
  expect_one_line_failure(result, 3, "profile 'no-such-profile' not found");
}

TEST_F(CliTest, MissingCredentialsIsAConfigError) {
  testing::TempDir empty_home;
  EnvMap env = {{"PATH", "/usr/bin:/bin"}, {"HOME", empty_home.path()}, {"AWS_DEFAULT_REGION", "us-east-1"}};
  auto result = kwb({"--endpoint-url", peer_->endpoint(), "streams", "list"}, env);
  expect_one_line_failure(result, 3, "no AWS credentials found");
  auto whoami = kwb({"--endpoint-url", peer_->endpoint(), "whoami"}, env);
  expect_one_line_failure(whoami, 3, "no AWS credentials found");
}

TEST_F(CliTest, MissingRegionIsAConfigError) {
  EnvMap env = base_env();
  env.erase("AWS_DEFAULT_REGION");
  auto result = kwb({"--endpoint-url", peer_->endpoint(), "streams", "list"}, env);
  expect_one_line_failure(result, 3, "region");
}

TEST_F(CliTest, UnreachableEndpointIsANetworkError) {
  const int closed = testing::pick_free_port();
  ASSERT_TRUE(testing::port_is_closed(closed));
  EnvMap env = base_env();
  env["AWS_MAX_ATTEMPTS"] = "2";
  auto result = kwb({"--endpoint-url", "http://127.0.0.1:" + std::to_string(closed), "streams", "list"}, env);
  expect_one_line_failure(result, 5, "127.0.0.1:" + std::to_string(closed));
}

TEST_F(CliTest, MalformedEndpointIsAConfigError) {
  auto result = kwb({"--endpoint-url", "ftp://nowhere", "streams", "list"}, base_env());
  expect_one_line_failure(result, 3, "ftp://nowhere");
}

}  // namespace
}  // namespace kwb
