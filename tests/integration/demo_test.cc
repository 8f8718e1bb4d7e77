// The newcomer path end to end: `kwb demo` fills a real `kwb emulator --port 0` with its four
// streams, history and live traffic, then `kwb analyze --all` must tell each stream's story, and
// only that story: the healthy stream gets no warning or critical finding.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include "harness/kwb_emulator.h"
#include "harness/process.h"

#ifndef KWB_CLI_BINARY
#error "KWB_CLI_BINARY must name the built kwb executable"
#endif

namespace kwb {
namespace {

using nlohmann::json;
using testing::KwbEmulatorProcess;
using testing::EnvMap;
using testing::ProcessResult;
using testing::TempDir;
using namespace std::chrono_literals;

const std::string kKwb = KWB_CLI_BINARY;

class DemoTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(emulator_.start()) << emulator_.error(); }

  ProcessResult kwb(std::vector<std::string> args) const { return emulator_.run_kwb(std::move(args), 180s); }
  // The same client environment, pointed at another endpoint.
  ProcessResult kwb_at(std::vector<std::string> args, const std::string& endpoint) const {
    EnvMap env = emulator_.client_env();
    env["AWS_ENDPOINT_URL"] = endpoint;
    args.insert(args.begin(), kKwb);
    return testing::run_process(args, env, std::nullopt, 60s);
  }

  TempDir home_;
  KwbEmulatorProcess emulator_{kKwb, home_.path()};
};

const json* stream_of(const json& report, const std::string& name) {
  for (const auto& s : report["streams"]) {
    if (s["stream"] == name) return &s;
  }
  return nullptr;
}

const json* finding_of(const json& stream, const std::string& rule) {
  for (const auto& f : stream["findings"]) {
    if (f["id"].get<std::string>().rfind(rule + ":", 0) == 0) return &f;
  }
  return nullptr;
}

// The names of the stream's recommended alarms that the replay over the window says would have fired.
std::vector<std::string> alarms_that_would_fire(const json& stream) {
  std::vector<std::string> fired;
  for (const auto& alarm : stream["alarms"]) {
    EXPECT_TRUE(alarm["backtest"]["evaluated"].get<bool>()) << alarm.dump(2);
    if (alarm["backtest"]["would_fire"].get<bool>()) fired.push_back(alarm["metric_name"]);
  }
  return fired;
}

TEST_F(DemoTest, EveryDemoStreamTellsItsStory) {
  auto demo = kwb({"demo", "--duration", "15"});
  ASSERT_EQ(demo.exit_code, 0) << demo.describe();
  // Every record the demo sent was acked (the throttled clicks were retried, none dropped).
  EXPECT_NE(demo.out.find(" 0 failed"), std::string::npos) << demo.out;
  EXPECT_NE(demo.out.find("throttled and retried"), std::string::npos) << demo.out;

  auto analyzed = kwb({"analyze", "--all", "--window", "3h", "--output", "json", "--analyzer", "rules"});
  ASSERT_EQ(analyzed.exit_code, 0) << analyzed.describe();
  const json report = json::parse(analyzed.out, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << analyzed.out;

  const json* orders = stream_of(report, "demo-orders");
  const json* clicks = stream_of(report, "demo-clicks");
  const json* events = stream_of(report, "demo-events");
  const json* archive = stream_of(report, "demo-archive");
  ASSERT_TRUE(orders && clicks && events && archive) << report["streams"].dump(1);

  for (const auto& f : (*orders)["findings"]) {
    EXPECT_EQ(f["severity"], "info") << "healthy stream got: " << f.dump(2);
  }
  const json* throttled = finding_of(*clicks, "write-throttled");
  ASSERT_NE(throttled, nullptr) << (*clicks)["findings"].dump(2);
  EXPECT_EQ((*throttled)["category"], "throughput");
  EXPECT_GE((*clicks)["recommended_shard_count"].get<int>(), 2);

  const json* lag = finding_of(*events, "iterator-age-near-retention");
  ASSERT_NE(lag, nullptr) << (*events)["findings"].dump(2);
  EXPECT_EQ((*lag)["severity"], "critical");

  const json* idle = finding_of(*archive, "over-provisioned");
  ASSERT_NE(idle, nullptr) << (*archive)["findings"].dump(2);
  EXPECT_EQ((*idle)["category"], "cost");
  EXPECT_EQ((*archive)["recommended_shard_count"], 1);

  // The recommended alarms, replayed over the same 3 h, would have caught exactly the stories
  // with a problem: the throttling alarm on clicks, the iterator-age alarm on events, and nothing
  // on the healthy or the idle stream.
  using ::testing::Contains;
  EXPECT_THAT(alarms_that_would_fire(*clicks), Contains("WriteProvisionedThroughputExceeded")) << clicks->dump(1);
  EXPECT_THAT(alarms_that_would_fire(*events), Contains("GetRecords.IteratorAgeMilliseconds")) << events->dump(1);
  EXPECT_TRUE(alarms_that_would_fire(*orders).empty()) << (*orders)["alarms"].dump(1);
  EXPECT_TRUE(alarms_that_would_fire(*archive).empty()) << (*archive)["alarms"].dump(1);
}

TEST_F(DemoTest, RefusesAnEndpointThatIsNotAKwbEmulator) {
  // A closed port: nothing answers /_kwb/health, so the demo must not create anything.
  auto demo = kwb_at({"demo", "--no-traffic"}, "http://127.0.0.1:9");
  EXPECT_NE(demo.exit_code, 0);
  EXPECT_NE(demo.err.find("only runs against a kwb emulator"), std::string::npos) << demo.describe();
}

}  // namespace
}  // namespace kwb
