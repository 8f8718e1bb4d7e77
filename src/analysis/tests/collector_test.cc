// The collector end to end over a scripted HTTP transport that plays Kinesis (JSON 1.1) and
// CloudWatch (JSON 1.0): which calls it makes, how many GetMetricData requests 1,000 streams take
// (the issue's target: ⌈streams × metrics / 500⌉), tag filtering, shard-level metrics, and how
// results land in the snapshots. No sockets, no sleeping.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <cmath>
#include <mutex>

#include "analysis/collector.h"
#include "analysis/rules.h"
#include "analysis/tests/snapshot_builder.h"
#include "aws/session.h"

namespace kwb::analysis {
namespace {

using nlohmann::json;

class StaticCredentials final : public aws::CredentialsProvider {
 public:
  Result<aws::Credentials> credentials() override {
    aws::Credentials c;
    c.access_key_id = "AKIDTEST";
    c.secret_access_key = Secret("secret");
    c.source = "explicit";
    return c;
  }
};

// Answers by X-Amz-Target. Stream i has 2 open shards, tag team=(even|odd), and enhanced monitoring
// on for i < monitored.
class FakeAws final : public aws::HttpTransport {
 public:
  FakeAws(int streams, int monitored) : streams_(streams), monitored_(monitored) {}

  Result<aws::HttpResponse> send(const aws::HttpRequest& request) override {
    std::string target;
    for (const auto& h : request.headers) {
      if (h.name == "X-Amz-Target") target = h.value;
    }
    const json body = json::parse(request.body, nullptr, false);
    const auto op = target.substr(target.find('.') + 1);
    {
      std::lock_guard lock(mutex_);
      ++calls_[op];
      if (op == "GetMetricData") largest_ = std::max(largest_, body["MetricDataQueries"].size());
    }
    json out;
    if (op == "ListStreams") {
      json names = json::array();
      for (int i = 0; i < streams_; ++i) names.push_back(name(i));
      out = {{"StreamNames", names}, {"HasMoreStreams", false}};
    } else if (op == "DescribeStreamSummary") {
      const std::string stream = body["StreamName"];
      const int i = index(stream);
      json metrics = json::array();
      if (i < monitored_) metrics = json::array({"IncomingBytes", "IncomingRecords"});
      out = {{"StreamDescriptionSummary",
              {{"StreamName", stream},
               {"StreamARN", "arn:aws:kinesis:us-east-1:123456789012:stream/" + stream},
               {"StreamStatus", "ACTIVE"},
               {"StreamModeDetails", {{"StreamMode", "PROVISIONED"}}},
               {"RetentionPeriodHours", 24},
               {"StreamCreationTimestamp", 1.7e9},
               {"EnhancedMonitoring", json::array({{{"ShardLevelMetrics", metrics}}})},
               {"EncryptionType", "KMS"},
               {"OpenShardCount", 2},
               {"ConsumerCount", 1}}}};
    } else if (op == "ListTagsForStream") {
      const int i = index(body["StreamName"]);
      out = {{"Tags", json::array({{{"Key", "team"}, {"Value", i % 2 == 0 ? "even" : "odd"}}})}, {"HasMoreTags", false}};
    } else if (op == "ListShards") {
      json shards = json::array();
      for (int s = 0; s < 2; ++s) {
        shards.push_back({{"ShardId", "shardId-00000000000" + std::to_string(s)},
                          {"HashKeyRange", {{"StartingHashKey", "0"}, {"EndingHashKey", "1"}}},
                          {"SequenceNumberRange", {{"StartingSequenceNumber", "1"}}}});
      }
      out = {{"Shards", shards}};
    } else if (op == "GetMetricData") {
      // Every query gets two datapoints, newest first, value = the query's index in the request.
      json results = json::array();
      const double start = body["StartTime"].get<double>();
      for (const auto& q : body["MetricDataQueries"]) {
        const std::string metric_name = q["MetricStat"]["Metric"]["MetricName"];
        const double value = metric_name == "GetRecords.IteratorAgeMilliseconds" ? 90'000 : 1;
        results.push_back({{"Id", q["Id"]},
                           {"Label", metric_name},
                           {"Timestamps", json::array({start + 60, start})},
                           {"Values", json::array({value, value})},
                           {"StatusCode", "Complete"}});
      }
      out = {{"MetricDataResults", results}};
    } else {
      return aws::HttpResponse{400, {}, R"({"__type":"UnknownOperationException"})"};
    }
    return aws::HttpResponse{200, {{"Content-Type", "application/x-amz-json-1.1"}}, out.dump()};
  }

  int calls(const std::string& op) {
    std::lock_guard lock(mutex_);
    return calls_[op];
  }
  std::size_t largest() {
    std::lock_guard lock(mutex_);
    return largest_;
  }

  static std::string name(int i) { return "stream-" + std::to_string(i); }
  static int index(const std::string& name) { return std::stoi(name.substr(7)); }

 private:
  int streams_;
  int monitored_;
  std::mutex mutex_;
  std::map<std::string, int> calls_;  // GUARDED_BY(mutex_)
  std::size_t largest_ = 0;           // GUARDED_BY(mutex_)
};

class CollectorTest : public ::testing::Test {
 protected:
  void make(int streams, int monitored) {
    auto transport = std::make_unique<FakeAws>(streams, monitored);
    fake_ = transport.get();
    session_ = std::make_unique<aws::AwsSession>(Region("us-east-1"), std::make_unique<StaticCredentials>(),
                                                 std::move(transport), aws::RetryConfig{}, clock_, random_,
                                                 std::string("http://127.0.0.1:1"));
    kinesis_ = std::make_unique<kinesis::Client>(session_->client(aws::Service::kKinesis));
    cloudwatch::ClientOptions options;
    options.protocol = cloudwatch::Protocol::kJson10;
    cloudwatch_ = std::make_unique<cloudwatch::Client>(session_->client(aws::Service::kCloudWatch), options);
  }

  ManualClock clock_{testing::window_start() + std::chrono::hours(3) + std::chrono::seconds(17)};
  SeededRandom random_{1};
  FakeAws* fake_ = nullptr;
  std::unique_ptr<aws::AwsSession> session_;
  std::unique_ptr<kinesis::Client> kinesis_;
  std::unique_ptr<cloudwatch::Client> cloudwatch_;
};

TEST_F(CollectorTest, ThousandStreamsTakeCeilOfQueriesOver500Requests) {
  make(1000, 0);
  Collector collector(*kinesis_, *cloudwatch_, clock_);
  CollectStats stats;
  auto snapshots = collector.collect(StreamSelector::all(), std::chrono::hours(3), &stats);
  ASSERT_TRUE(snapshots.ok()) << snapshots.error().describe();
  ASSERT_EQ(snapshots->size(), 1000u);
  const int metrics = static_cast<int>(stream_metric_keys().size());
  const int target = static_cast<int>(std::ceil(1000.0 * metrics / 500.0));
  EXPECT_EQ(stats.metric_queries, 1000 * metrics);
  EXPECT_EQ(stats.cloudwatch_requests, target);
  EXPECT_EQ(fake_->calls("GetMetricData"), target);
  EXPECT_EQ(fake_->largest(), 500u);
  EXPECT_EQ(fake_->calls("DescribeStreamSummary"), 1000);
  EXPECT_EQ(fake_->calls("ListShards"), 0);  // enhanced monitoring is off everywhere
  EXPECT_EQ(stats.period_seconds, 60);

  const StreamSnapshot& s = (*snapshots)[7];
  EXPECT_EQ(s.stream_name, "stream-7");
  EXPECT_EQ(s.open_shard_count, 2);
  EXPECT_TRUE(s.encrypted);
  EXPECT_EQ(s.consumer_count, 1);
  EXPECT_EQ(s.tags.at("team"), "odd");
  EXPECT_EQ(s.window_end, testing::window_start() + std::chrono::hours(3));  // floored to the period
  const Series* age = s.series(metric::kIteratorAge, "Maximum");
  ASSERT_NE(age, nullptr);
  ASSERT_EQ(age->size(), 2u);
  EXPECT_LT(age->timestamps[0], age->timestamps[1]);  // sorted ascending
  // And the rules see it.
  auto findings = run_rules(s);
  EXPECT_TRUE(std::any_of(findings.begin(), findings.end(),
                          [](const Finding& f) { return f.id == "iterator-age-high:stream-7"; }));
}

TEST_F(CollectorTest, ProgressCountsStreamsDescribedThenBatchesFetched) {
  make(300, 0);
  Collector collector(*kinesis_, *cloudwatch_, clock_, CollectorOptions{4, std::nullopt, 500});
  std::vector<CollectProgress> seen;
  CollectStats stats;
  auto snapshots = collector.collect(StreamSelector::all(), std::chrono::hours(3), &stats,
                                     [&](const CollectProgress& p) { seen.push_back(p); });
  ASSERT_TRUE(snapshots.ok()) << snapshots.error().describe();
  const int batches = static_cast<int>(std::ceil(300.0 * static_cast<double>(stream_metric_keys().size()) / 500.0));
  // describe 0..300 (one call per stream, in order), then metrics 0..batches.
  ASSERT_EQ(seen.size(), static_cast<std::size_t>(301 + batches + 1));
  for (int i = 0; i <= 300; ++i) {
    EXPECT_EQ(seen[i].phase, "describe");
    EXPECT_EQ(seen[i].done, i);
    EXPECT_EQ(seen[i].total, 300);
  }
  for (int b = 0; b <= batches; ++b) {
    EXPECT_EQ(seen[301 + b].phase, "metrics");
    EXPECT_EQ(seen[301 + b].done, b);
    EXPECT_EQ(seen[301 + b].total, batches);
  }
  // Fetching batch by batch asks CloudWatch for the same data in the same number of requests.
  EXPECT_EQ(stats.cloudwatch_requests, batches);
  EXPECT_EQ(fake_->calls("GetMetricData"), batches);
  const Series* age = (*snapshots)[7].series(metric::kIteratorAge, "Maximum");
  ASSERT_NE(age, nullptr);
  EXPECT_EQ(age->size(), 2u);
}

TEST_F(CollectorTest, TagFilterAndShardLevelMetrics) {
  make(10, 4);
  Collector collector(*kinesis_, *cloudwatch_, clock_, CollectorOptions{2, std::nullopt, 500});
  CollectStats stats;
  auto snapshots = collector.collect(StreamSelector::by_tag("team", "even"), std::chrono::hours(3), &stats);
  ASSERT_TRUE(snapshots.ok()) << snapshots.error().describe();
  ASSERT_EQ(snapshots->size(), 5u);
  EXPECT_EQ((*snapshots)[0].stream_name, "stream-0");
  // Streams 0 and 2 are monitored: 2 streams × 2 shards × 2 shard-level metrics.
  EXPECT_EQ(fake_->calls("ListShards"), 2);
  EXPECT_EQ(stats.metric_queries, 5 * static_cast<int>(stream_metric_keys().size()) + 2 * 2 * 2);
  EXPECT_EQ((*snapshots)[0].shard_metrics.size(), 2u);
  EXPECT_TRUE((*snapshots)[2].shard_metrics.empty());  // stream-4 is not monitored
}

TEST_F(CollectorTest, NamedStreamsAndErrors) {
  make(3, 0);
  Collector collector(*kinesis_, *cloudwatch_, clock_);
  auto named = collector.collect(StreamSelector::by_names({"stream-2"}), std::chrono::hours(1));
  ASSERT_TRUE(named.ok()) << named.error().describe();
  EXPECT_EQ(named->size(), 1u);
  EXPECT_EQ(fake_->calls("ListStreams"), 0);
  auto bad = collector.collect(StreamSelector::by_names({"bad name!"}), std::chrono::hours(1));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::kInvalidInput);
}

}  // namespace
}  // namespace kwb::analysis
