// `kwb analyze` against a real `kwb emulator --port 0` on 127.0.0.1, with seeded CloudWatch
// metrics (POST /_kwb/metrics/seed) for two scenarios of issue 7: an under-provisioned stream that
// is throttled, and a consumer lagging towards its retention period. Also creates the recommended
// alarms with --apply-alarms and reads them back.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <regex>
#include <thread>

#include "aws/http_client.h"
#include "core/clock.h"
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
constexpr double kMiB = 1024.0 * 1024.0;

class AnalyzeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(emulator_.start()) << emulator_.error();
    endpoint_ = emulator_.endpoint();
  }

  ProcessResult kwb(std::vector<std::string> args) const { return emulator_.run_kwb(std::move(args), 90s); }

  // One seeded series: `values` one per minute, ending one minute before the current minute.
  json series(const std::string& stream, const std::string& metric, const std::vector<double>& values) const {
    const auto now = std::chrono::time_point_cast<std::chrono::minutes>(std::chrono::system_clock::now());
    const auto start = now - std::chrono::minutes(values.size());
    return {{"namespace", "AWS/Kinesis"},
            {"metric", metric},
            {"dimensions", {{"StreamName", stream}}},
            {"start", format_iso8601_millis(start)},
            {"period", 60},
            {"values", values}};
  }

  void seed(const json& all_series) const {
    auto transport = aws::make_curl_transport({});
    aws::HttpRequest request;
    request.url = endpoint_ + "/_kwb/metrics/seed";
    request.headers.push_back({"Content-Type", "application/json"});
    request.body = json{{"series", all_series}}.dump();
    auto response = transport->send(request);
    ASSERT_TRUE(response.ok()) << response.error().message;
    ASSERT_EQ(response->status, 200) << response->body;
  }

  TempDir home_;
  KwbEmulatorProcess emulator_{kKwb, home_.path()};
  std::string endpoint_;
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

TEST_F(AnalyzeTest, UnderProvisionedAndLaggingStreams) {
  ASSERT_EQ(kwb({"streams", "create", "under", "--shards", "2", "--wait"}).exit_code, 0);
  ASSERT_EQ(kwb({"streams", "create", "lagging", "--shards", "1", "--wait"}).exit_code, 0);
  const std::size_t n = 170;
  std::vector<double> lag(n);
  for (std::size_t i = 0; i < n; ++i) lag[i] = (1.0 + 12.0 * i / (n - 1)) * 3600 * 1000;  // 1 h → 13 h
  seed(json::array({series("under", "IncomingBytes", std::vector<double>(n, 2.0 * kMiB * 60)),
                    series("under", "IncomingRecords", std::vector<double>(n, 2000.0 * 60)),
                    series("under", "WriteProvisionedThroughputExceeded", std::vector<double>(n, 1000.0 * 60)),
                    series("under", "PutRecords.ThrottledRecords", std::vector<double>(n, 1000.0 * 60)),
                    series("lagging", "GetRecords.IteratorAgeMilliseconds", lag)}));

  auto result = kwb({"analyze", "--streams", "under,lagging", "--window", "3h", "--output", "json", "--analyzer", "rules"});
  ASSERT_EQ(result.exit_code, 0) << result.describe();
  json report = json::parse(result.out, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << result.out;
  EXPECT_EQ(report["analyzer"], "rules");
  EXPECT_EQ(report["collection"]["period"], 60);
  // 2 streams × 14 metrics (+ no shard-level: enhanced monitoring is off) in one request.
  EXPECT_EQ(report["collection"]["cloudwatch_requests"], 1) << report["collection"];

  const json* under = stream_of(report, "under");
  ASSERT_NE(under, nullptr);
  const json* throttled = finding_of(*under, "write-throttled");
  ASSERT_NE(throttled, nullptr) << (*under)["findings"].dump(2);
  EXPECT_EQ((*throttled)["category"], "throughput");
  ASSERT_NE(finding_of(*under, "write-utilisation-high"), nullptr);
  EXPECT_GE((*under)["recommended_shard_count"].get<int>(), 3);  // 3 MiB/s of demand needs 3 shards

  const json* lagging = stream_of(report, "lagging");
  ASSERT_NE(lagging, nullptr);
  const json* near = finding_of(*lagging, "iterator-age-near-retention");
  ASSERT_NE(near, nullptr) << (*lagging)["findings"].dump(2);
  EXPECT_EQ((*near)["severity"], "critical");
  EXPECT_EQ((*near)["category"], "latency");

  // Markdown and table render the same analysis.
  auto markdown = kwb({"analyze", "--streams", "under", "--output", "markdown", "--analyzer", "rules"});
  ASSERT_EQ(markdown.exit_code, 0) << markdown.describe();
  EXPECT_NE(markdown.out.find("## under"), std::string::npos) << markdown.out;

  // Alarms: applied under their idempotent names, twice without error.
  for (int round = 0; round < 2; ++round) {
    auto applied = kwb({"analyze", "--streams", "lagging", "--output", "json", "--apply-alarms"});
    ASSERT_EQ(applied.exit_code, 0) << applied.describe();
    json doc = json::parse(applied.out);
    EXPECT_EQ(doc["applied_alarms"]["created"].size(), 5u) << doc["applied_alarms"];
    EXPECT_EQ(doc["applied_alarms"]["failed"].size(), 0u);
  }
}

TEST_F(AnalyzeTest, UsageErrors) {
  auto none = kwb({"analyze"});
  EXPECT_EQ(none.exit_code, 2) << none.describe();
  auto window = kwb({"analyze", "--all", "--window", "soon"});
  EXPECT_EQ(window.exit_code, 2) << window.describe();
  EXPECT_NE(window.err.find("--window"), std::string::npos);
  auto missing = kwb({"analyze", "--streams", "does-not-exist"});
  EXPECT_EQ(missing.exit_code, 4) << missing.describe();
}

// The other three scenarios of issue 7's table, on the emulator with seeded metrics: records that
// expired unread (iterator age past the 24 h retention) are a critical data-loss finding, an idle
// 4-shard stream is a cost finding, and a healthy stream gets nothing above info.
TEST_F(AnalyzeTest, ExpiredIdleAndHealthyStreams) {
  ASSERT_EQ(kwb({"streams", "create", "expired", "--shards", "1", "--wait"}).exit_code, 0);
  ASSERT_EQ(kwb({"streams", "create", "idle", "--shards", "4", "--wait"}).exit_code, 0);
  ASSERT_EQ(kwb({"streams", "create", "healthy", "--shards", "2", "--wait"}).exit_code, 0);
  const std::size_t n = 170;
  std::vector<double> expired_age(n), healthy_records(n), healthy_age(n);
  for (std::size_t i = 0; i < n; ++i) {
    expired_age[i] = (20.0 + 6.0 * i / (n - 1)) * 3600 * 1000;  // 20 h -> 26 h, past the 24 h retention
    healthy_records[i] = (800.0 + 100.0 * (i % 7)) * 60;        // ~45% of 2 shards' record limit
    healthy_age[i] = 300.0 + 50.0 * (i % 5);                    // consumers a fraction of a second behind
  }
  seed(json::array({series("expired", "GetRecords.IteratorAgeMilliseconds", expired_age),
                    series("expired", "IncomingRecords", std::vector<double>(n, 100.0 * 60)),
                    series("idle", "IncomingRecords", std::vector<double>(n, 1.0)),
                    series("idle", "IncomingBytes", std::vector<double>(n, 100.0)),
                    series("healthy", "IncomingRecords", healthy_records),
                    series("healthy", "IncomingBytes", std::vector<double>(n, 0.3 * kMiB * 60)),
                    series("healthy", "GetRecords.IteratorAgeMilliseconds", healthy_age)}));

  auto result = kwb({"analyze", "--streams", "expired,idle,healthy", "--window", "3h", "--output", "json",
                     "--analyzer", "rules"});
  ASSERT_EQ(result.exit_code, 0) << result.describe();
  const json report = json::parse(result.out, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << result.out;

  const json* expired = stream_of(report, "expired");
  ASSERT_NE(expired, nullptr);
  const json* lost = finding_of(*expired, "records-expired");
  ASSERT_NE(lost, nullptr) << (*expired)["findings"].dump(2);
  EXPECT_EQ((*lost)["severity"], "critical");
  EXPECT_EQ((*lost)["category"], "data_loss");
  ASSERT_FALSE((*lost)["evidence"].empty());
  EXPECT_GE((*lost)["evidence"][0]["value"].get<double>(), 24.0 * 3600 * 1000);

  const json* idle = stream_of(report, "idle");
  ASSERT_NE(idle, nullptr);
  const json* over = finding_of(*idle, "over-provisioned");
  ASSERT_NE(over, nullptr) << (*idle)["findings"].dump(2);
  EXPECT_EQ((*over)["category"], "cost");
  EXPECT_EQ((*idle)["recommended_shard_count"], 1);

  const json* healthy = stream_of(report, "healthy");
  ASSERT_NE(healthy, nullptr);
  for (const auto& f : (*healthy)["findings"]) {
    EXPECT_EQ(f["severity"], "info") << "false positive on a healthy stream: " << f.dump(2);
  }
}

}  // namespace
}  // namespace kwb
