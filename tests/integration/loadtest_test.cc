// `kwb loadtest` against the real `kwb emulator --port 0` process, both on 127.0.0.1.
//
// Each case runs the CLI as a child process and reads its JSON report:
//   - a short run into a 4-shard stream: every acked record read back, a p99 reported;
//   - under-provisioning: a 1-shard stream offered 3,000 records/s throttles and achieves about
//     1,000 records/s, and the --min-throughput gate turns that into exit code 6;
//   - resharding 2 -> 4 (kwb streams scale) in the middle of an --ordered run loses nothing and
//     breaks no key's order;
//   - faults: an emulator that throttles 10% of PutRecords calls, fails 2% of records with
//     InternalFailure and resets 1% of connections: still 0 lost.
// Runs are a few seconds each, at bounded rates.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <thread>

#include "harness/process.h"

namespace {

using kwb::testing::ChildProcess;
using kwb::testing::EnvMap;
using kwb::testing::ProcessResult;
using kwb::testing::TempDir;
using nlohmann::json;
using namespace std::chrono_literals;

const std::string kKwb = KWB_CLI_BINARY;

// One emulator process for a test; stopped by the destructor.
class Emulator {
 public:
  explicit Emulator(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {kKwb, "emulator", "--port", "0", "--create-delay-ms", "0", "--update-delay-ms",
                                     "0"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process_ = std::make_unique<ChildProcess>(argv, EnvMap{{"PATH", "/usr/bin:/bin"}, {"HOME", home_.path()}});
    const std::regex listening(R"(listening on (http://127\.0\.0\.1:\d+))");
    for (int i = 0; i < 200 && process_->running(); ++i) {
      std::smatch m;
      const std::string out = process_->stdout_text();
      if (std::regex_search(out, m, listening)) {
        endpoint_ = m[1];
        return;
      }
      std::this_thread::sleep_for(50ms);  // waiting on a real child process, not on logic under test
    }
  }
  [[nodiscard]] bool ok() const { return !endpoint_.empty(); }
  [[nodiscard]] const std::string& endpoint() const { return endpoint_; }
  [[nodiscard]] std::string logs() const { return process_->stdout_text() + process_->stderr_text(); }

  EnvMap env() const {
    return {{"PATH", "/usr/bin:/bin"},
            {"HOME", home_.path()},
            {"AWS_ACCESS_KEY_ID", "test"},
            {"AWS_SECRET_ACCESS_KEY", "test"},
            {"AWS_REGION", "us-east-1"},
            {"AWS_ENDPOINT_URL", endpoint_}};
  }

 private:
  TempDir home_;
  std::unique_ptr<ChildProcess> process_;
  std::string endpoint_;
};

ProcessResult kwb(const Emulator& emulator, std::vector<std::string> args, std::chrono::milliseconds timeout = 90s) {
  args.insert(args.begin(), kKwb);
  return kwb::testing::run_process(args, emulator.env(), std::nullopt, timeout);
}

json read_json(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
}

class LoadtestTest : public ::testing::Test {
 protected:
  TempDir dir_;
  std::string path(const std::string& name) const { return dir_.path() + "/" + name; }
};

TEST_F(LoadtestTest, ShortRunReadsBackEveryAckedRecord) {
  Emulator emulator;
  ASSERT_TRUE(emulator.ok()) << emulator.logs();
  ProcessResult run = kwb(emulator, {"loadtest", "--create", "--shards", "4", "--rate", "2000", "--duration", "5s",
                                     "--verify", "--json", path("r.json"), "--report", path("r.html"), "--max-loss",
                                     "0", "--min-throughput", "1800", "--max-p99-latency", "5000", "--progress"});
  ASSERT_EQ(run.exit_code, 0) << run.describe();
  json r = read_json(path("r.json"));
  ASSERT_TRUE(r.is_object()) << run.describe();
  EXPECT_EQ(r["lost"], 0);
  EXPECT_EQ(r["shards"], 4);
  EXPECT_EQ(r["sent"], 10000);
  EXPECT_EQ(r["acked"], 10000);
  EXPECT_EQ(r["read"], 10000);
  EXPECT_EQ(r["failed"], 0);
  EXPECT_GT(r["latency_ms"]["p99"].get<double>(), 0);
  EXPECT_GE(r["latency_ms"]["p999"].get<double>(), r["latency_ms"]["p99"].get<double>());
  EXPECT_NEAR(r["throughput"]["target"].get<double>(), 2000, 1);
  EXPECT_NEAR(r["throughput"]["achieved"].get<double>(), 2000, 300);
  EXPECT_GE(r["series"].size(), 5u);
  EXPECT_TRUE(r["slo"]["passed"].get<bool>());
  // The progress line went to stderr (forced with --progress), the summary to stdout.
  EXPECT_NE(run.err.find("running"), std::string::npos) << run.err;
  EXPECT_NE(run.out.find("0 lost"), std::string::npos) << run.out;
  std::ifstream html(path("r.html"));
  EXPECT_TRUE(html.good());
}

TEST_F(LoadtestTest, UnderProvisionedStreamThrottlesAndFailsTheThroughputGate) {
  Emulator emulator;
  ASSERT_TRUE(emulator.ok()) << emulator.logs();
  ProcessResult run = kwb(emulator, {"loadtest", "--create", "--shards", "1", "--rate", "3000", "--duration", "6s",
                                     "--verify", "--drain-timeout", "2s", "--grace", "10s", "--json", path("r.json"),
                                     "--min-throughput", "2500", "--no-progress"});
  EXPECT_EQ(run.exit_code, 6) << run.describe();  // the gate failed, and only that
  EXPECT_NE(run.err.find("SLO failed: min_throughput_rps"), std::string::npos) << run.err;
  json r = read_json(path("r.json"));
  ASSERT_TRUE(r.is_object()) << run.describe();
  EXPECT_GT(r["throttled"].get<int>(), 0);
  EXPECT_GT(r["retried"].get<int>(), 0);
  // 1,000 records/s per shard, plus at most one second's burst spread over the 6 s run.
  const double achieved = r["throughput"]["achieved"].get<double>();
  EXPECT_GT(achieved, 800);
  EXPECT_LT(achieved, 1400);
  EXPECT_EQ(r["lost"], 0);
  EXPECT_FALSE(r["slo"]["passed"].get<bool>());
}

TEST_F(LoadtestTest, ReshardingMidRunLosesNothing) {
  Emulator emulator;
  ASSERT_TRUE(emulator.ok()) << emulator.logs();
  ProcessResult created = kwb(emulator, {"streams", "create", "reshard", "--shards", "2", "--wait"});
  ASSERT_EQ(created.exit_code, 0) << created.describe();

  // --ordered: the producers keep each key in order across the resharding, and the verifier judges
  // that order by shard lineage (parents before children), not by when the reader got each record.
  std::vector<std::string> argv = {kKwb, "loadtest", "--stream", "reshard", "--rate", "1000", "--duration", "8s",
                                   "--ordered", "--verify", "--json", path("r.json"), "--max-loss", "0",
                                   "--no-progress"};
  ChildProcess load(argv, emulator.env());
  ASSERT_TRUE(load.started()) << load.start_error();
  std::this_thread::sleep_for(3s);  // let the run get going on two shards
  ProcessResult scaled = kwb(emulator, {"streams", "scale", "reshard", "--shards", "4"});
  ASSERT_EQ(scaled.exit_code, 0) << scaled.describe();
  ProcessResult run = load.wait(90s);
  ASSERT_EQ(run.exit_code, 0) << run.describe();
  json r = read_json(path("r.json"));
  ASSERT_TRUE(r.is_object()) << run.describe();
  EXPECT_EQ(r["lost"], 0);
  EXPECT_EQ(r["acked"], 8000);
  EXPECT_EQ(r["read"], 8000);
  EXPECT_EQ(r["order_violations"], 0);
  EXPECT_EQ(r["duplicates"], 0);

  ProcessResult described = kwb(emulator, {"--output", "json", "streams", "describe", "reshard"});
  ASSERT_EQ(described.exit_code, 0) << described.describe();
  EXPECT_EQ(json::parse(described.out)["open_shard_count"], 4);
}

TEST_F(LoadtestTest, FaultsCauseRetriesButNoLoss) {
  Emulator emulator({"--seed", "7", "--fault",
                     "operation=PutRecords,error_rate=0.1,error=ProvisionedThroughputExceededException,"
                     "partial_failure_rate=0.02,reset_rate=0.01"});
  ASSERT_TRUE(emulator.ok()) << emulator.logs();
  ProcessResult run = kwb(emulator, {"loadtest", "--create", "--shards", "4", "--rate", "1000", "--duration", "5s",
                                     "--verify", "--json", path("r.json"), "--max-loss", "0", "--no-progress"});
  ASSERT_EQ(run.exit_code, 0) << run.describe();
  json r = read_json(path("r.json"));
  ASSERT_TRUE(r.is_object()) << run.describe();
  EXPECT_EQ(r["lost"], 0);
  EXPECT_EQ(r["failed"], 0);
  EXPECT_EQ(r["acked"], 5000);
  EXPECT_GE(r["read"].get<int>(), 5000);  // every acked record at least once (duplicates allowed)
  EXPECT_GT(r["retried"].get<int>(), 0);
}

}  // namespace
