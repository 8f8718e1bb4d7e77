// The compatibility scenario through our own client (src/kinesis) against the real `kwb emulator`
// process: create, put, read every shard, reshard 2 -> 4, merge to 3, read in lineage order (every
// record exactly once), tags, retention, throttle, delete.
//
// The emulator runs with --verify-signatures and one key, so every call of the scenario also
// proves that our signer (src/sigv4 through src/aws) and the emulator's verifier agree; a second
// test checks that a wrong secret and an unknown key are refused with AWS's codes.

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "aws/session.h"
#include "harness/process.h"
#include "harness/streams.h"
#include "kinesis/client.h"
#include "kinesis/waiters.h"

namespace kwb::kinesis {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::ChildProcess;
using testing::EnvMap;

constexpr const char* kKwb = KWB_CLI_BINARY;
constexpr const char* kKeyId = "AKIDKWBSCENARIO";
constexpr const char* kSecret = "kwb-scenario-secret";

class EmulatorScenarioTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    process_ = new ChildProcess({kKwb, "emulator", "--port", "0", "--create-delay-ms", "0", "--update-delay-ms", "0",
                                 "--delete-delay-ms", "0", "--verify-signatures", "--access-key",
                                 std::string(kKeyId) + ":" + kSecret},
                                EnvMap{{"PATH", "/usr/bin:/bin"}});
    const std::regex listening(R"(listening on (http://127\.0\.0\.1:\d+))");
    for (int i = 0; i < 200 && process_->running() && endpoint_.empty(); ++i) {
      std::smatch match;
      const std::string out = process_->stdout_text();
      if (std::regex_search(out, match, listening)) {
        endpoint_ = match[1];
      } else {
        std::this_thread::sleep_for(milliseconds(50));  // waiting on a real child process
      }
    }
  }
  static void TearDownTestSuite() {
    delete process_;
    process_ = nullptr;
  }

  void SetUp() override {
    ASSERT_FALSE(endpoint_.empty()) << "kwb emulator did not start: " << process_->stdout_text() << process_->stderr_text();
    client_ = make_client(kKeyId, kSecret);
    ASSERT_NE(client_, nullptr);
  }

  std::unique_ptr<Client> make_client(const std::string& key_id, const std::string& secret) {
    env_.set("HOME", home_.path());  // no ~/.aws files
    aws::SessionOptions options;
    options.region = "us-east-1";
    options.endpoint_url = endpoint_;
    aws::Credentials credentials;
    credentials.access_key_id = key_id;
    credentials.secret_access_key = Secret(secret);
    credentials.source = "explicit";
    options.explicit_credentials = credentials;
    auto session = aws::AwsSession::create(options, env_, SystemClock::instance(), random_);
    EXPECT_TRUE(session.ok()) << session.error();
    if (!session) return nullptr;
    sessions_.push_back(std::move(*session));
    return std::make_unique<Client>(Client::from_session(*sessions_.back()));
  }

  WaitOptions quick_wait() const { return WaitOptions{milliseconds(20), milliseconds(200), 1.5, seconds(30)}; }

  Status create_and_wait(const std::string& name, int shards) {
    return testing::create_stream_and_wait(*client_, name, shards, quick_wait());
  }

  // Every record of one shard from TRIM_HORIZON: to its end (closed) or until caught up (open).
  std::vector<Record> read_shard(const StreamRef& stream, const ShardId& shard) {
    std::vector<Record> records;
    auto iterator = client_->get_shard_iterator({stream, shard, ShardIteratorType::kTrimHorizon, std::nullopt, std::nullopt});
    EXPECT_TRUE(iterator.ok()) << iterator.error();
    if (!iterator) return records;
    std::string next = iterator->shard_iterator;
    for (int page_count = 0; page_count < 1000; ++page_count) {
      auto page = client_->get_records({next, 1000, std::nullopt});
      EXPECT_TRUE(page.ok()) << page.error();
      if (!page) break;
      for (auto& record : page->records) records.push_back(std::move(record));
      if (!page->next_shard_iterator) break;
      if (page->records.empty() && page->millis_behind_latest.value_or(0) == 0) break;
      next = *page->next_shard_iterator;
    }
    return records;
  }

  std::vector<std::string> put_batch(const StreamRef& stream, int start, int count) {
    PutRecordsRequest request;
    request.stream = stream;
    std::vector<std::string> sent;
    for (int i = start; i < start + count; ++i) {
      sent.push_back("record-" + std::to_string(i));
      request.records.push_back({sent.back(), "key-" + std::to_string(i % 37), std::nullopt});
    }
    auto response = client_->put_records(request);
    EXPECT_TRUE(response.ok()) << response.error();
    if (response) {
      EXPECT_EQ(response->failed_record_count, 0);
    }
    return sent;
  }

  static ChildProcess* process_;
  static std::string endpoint_;
  testing::TempDir home_;
  MapEnvironment env_;
  SeededRandom random_{11};
  std::vector<std::unique_ptr<aws::AwsSession>> sessions_;
  std::unique_ptr<Client> client_;
};

ChildProcess* EmulatorScenarioTest::process_ = nullptr;
std::string EmulatorScenarioTest::endpoint_;

TEST_F(EmulatorScenarioTest, FullScenario) {
  const StreamRef stream = StreamName("kwb-client-scenario");
  ASSERT_TRUE(create_and_wait("kwb-client-scenario", 2).ok());
  std::vector<std::string> sent;
  for (int start = 0; start < 200; start += 100) {
    auto batch = put_batch(stream, start, 100);
    sent.insert(sent.end(), batch.begin(), batch.end());
  }

  // Read every shard.
  auto shards = client_->list_all_shards(stream);
  ASSERT_TRUE(shards.ok()) << shards.error();
  ASSERT_EQ(shards->size(), 2u);
  std::multiset<std::string> seen;
  for (const auto& shard : *shards) {
    for (const auto& record : read_shard(stream, shard.shard_id)) seen.insert(record.data);
  }
  EXPECT_EQ(seen, std::multiset<std::string>(sent.begin(), sent.end()));

  // Reshard 2 -> 4.
  auto scaled = client_->update_shard_count({stream, 4});
  ASSERT_TRUE(scaled.ok()) << scaled.error();
  ASSERT_TRUE(wait_for_stream_active(*client_, stream, SystemClock::instance(), quick_wait()).ok());
  auto after = client_->list_all_shards(stream);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 6u);
  std::vector<Shard> open;
  std::copy_if(after->begin(), after->end(), std::back_inserter(open), [](const Shard& s) { return s.is_open(); });
  ASSERT_EQ(open.size(), 4u);
  auto batch = put_batch(stream, 200, 100);
  sent.insert(sent.end(), batch.begin(), batch.end());

  // Merge two adjacent children: 3 open shards. Our client has no MergeShards call, so this one
  // request goes through the generic signed JSON call.
  std::sort(open.begin(), open.end(), [](const Shard& a, const Shard& b) {
    return a.hash_key_range.starting_hash_key.size() != b.hash_key_range.starting_hash_key.size()
               ? a.hash_key_range.starting_hash_key.size() < b.hash_key_range.starting_hash_key.size()
               : a.hash_key_range.starting_hash_key < b.hash_key_range.starting_hash_key;
  });
  auto merged = sessions_.front()->client(aws::Service::kKinesis).call_json(
      "Kinesis_20131202", "MergeShards",
      {{"StreamName", "kwb-client-scenario"}, {"ShardToMerge", open[1].shard_id.str()},
       {"AdjacentShardToMerge", open[2].shard_id.str()}},
      "1.1");
  ASSERT_TRUE(merged.ok()) << merged.error();
  auto summary = wait_for_stream_active(*client_, stream, SystemClock::instance(), quick_wait());
  ASSERT_TRUE(summary.ok()) << summary.error();
  EXPECT_EQ(summary->open_shard_count, 3);
  batch = put_batch(stream, 300, 100);
  sent.insert(sent.end(), batch.begin(), batch.end());

  // Parents before children: every record exactly once.
  auto lineage = client_->list_all_shards(stream);
  ASSERT_TRUE(lineage.ok());
  std::set<std::string> done;
  std::vector<std::string> everything;
  while (done.size() < lineage->size()) {
    bool progressed = false;
    for (const auto& shard : *lineage) {
      if (done.count(shard.shard_id.str()) != 0) continue;
      bool parents_done = true;
      for (const auto& parent : {shard.parent_shard_id, shard.adjacent_parent_shard_id}) {
        if (parent && done.count(parent->str()) == 0) parents_done = false;
      }
      if (!parents_done) continue;
      for (const auto& record : read_shard(stream, shard.shard_id)) everything.push_back(record.data);
      done.insert(shard.shard_id.str());
      progressed = true;
    }
    ASSERT_TRUE(progressed) << "lineage has a cycle";
  }
  EXPECT_EQ(std::set<std::string>(everything.begin(), everything.end()).size(), everything.size()) << "duplicates";
  EXPECT_EQ(std::multiset<std::string>(everything.begin(), everything.end()),
            std::multiset<std::string>(sent.begin(), sent.end()));

  // Tags and retention.
  ASSERT_TRUE(client_->add_tags_to_stream({stream, {{"team", "data"}, {"env", "test"}}}).ok());
  ASSERT_TRUE(client_->remove_tags_from_stream({stream, {"env"}}).ok());
  auto tags = client_->list_all_tags(stream);
  ASSERT_TRUE(tags.ok());
  ASSERT_EQ(tags->size(), 1u);
  EXPECT_EQ((*tags)[0].key, "team");
  ASSERT_TRUE(client_->increase_stream_retention_period({stream, 48}).ok());
  summary = wait_for_stream_active(*client_, stream, SystemClock::instance(), quick_wait());
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->retention_period_hours, 48);
  Status shorter = client_->increase_stream_retention_period({stream, 30});
  ASSERT_FALSE(shorter.ok());
  EXPECT_EQ(shorter.error().code, "InvalidArgumentException");

  // Throttle: far more than 1,000 records/s into one shard.
  const StreamRef throttled = StreamName("kwb-client-throttled");
  ASSERT_TRUE(create_and_wait("kwb-client-throttled", 1).ok());
  int accepted = 0;
  int failed = 0;
  std::set<std::string> codes;
  const auto started = std::chrono::steady_clock::now();
  for (int call = 0; call < 4; ++call) {
    PutRecordsRequest request;
    request.stream = throttled;
    for (int i = 0; i < 500; ++i) request.records.push_back({"t", "k", std::nullopt});
    auto response = client_->put_records(request);
    ASSERT_TRUE(response.ok()) << response.error();
    failed += response->failed_record_count;
    accepted += 500 - response->failed_record_count;
    for (const auto& entry : response->records) {
      if (entry.error_code) codes.insert(*entry.error_code);
    }
  }
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_LE(accepted, 1000 + 1000 * elapsed + 10) << elapsed;
  if (elapsed < 0.9) {
    EXPECT_GT(failed, 0) << elapsed;
    EXPECT_EQ(codes, std::set<std::string>{"ProvisionedThroughputExceededException"});
  }

  // Delete both.
  ASSERT_TRUE(client_->delete_stream({stream, false}).ok());
  ASSERT_TRUE(client_->delete_stream({throttled, false}).ok());
  ASSERT_TRUE(wait_for_stream_deleted(*client_, stream, SystemClock::instance(), quick_wait()).ok());
  auto gone = client_->describe_stream_summary(stream);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, "ResourceNotFoundException");
}

TEST_F(EmulatorScenarioTest, WrongCredentialsAreRefused) {
  auto wrong_secret = make_client(kKeyId, "not-the-secret");
  ASSERT_NE(wrong_secret, nullptr);
  auto refused = wrong_secret->list_all_streams();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "InvalidSignatureException");
  EXPECT_EQ(refused.error().http_status, 400);
  EXPECT_EQ(refused.error().kind, ErrorKind::kAuth);

  auto unknown = make_client("AKIDNOBODY", kSecret);
  ASSERT_NE(unknown, nullptr);
  refused = unknown->list_all_streams();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "UnrecognizedClientException");
  EXPECT_EQ(refused.error().kind, ErrorKind::kAuth);
}

// Enhanced fan-out through our client (libcurl streaming + core/event_stream.h) against the emulator,
// whose wire format efo_boto3.py pins with botocore: every record put arrives pushed, in order, with
// its data, key and sequence number; a quick re-subscribe is refused; put-to-push latency is printed.
TEST_F(EmulatorScenarioTest, EnhancedFanOutPushesEveryRecordInOrder) {
  const std::string name = "kwb-client-efo";
  ASSERT_TRUE(create_and_wait(name, 1).ok());
  auto summary = client_->describe_stream_summary(StreamName(name));
  ASSERT_TRUE(summary.ok()) << summary.error();
  auto registered = client_->register_stream_consumer(summary->stream_arn, "kwb-efo");
  ASSERT_TRUE(registered.ok()) << registered.error();
  for (int i = 0; i < 200; ++i) {
    auto consumer = client_->describe_stream_consumer(summary->stream_arn, "kwb-efo");
    ASSERT_TRUE(consumer.ok()) << consumer.error();
    if (consumer->consumer_status == "ACTIVE") break;
    std::this_thread::sleep_for(milliseconds(20));  // the emulator's consumer delay, on its real clock
  }

  constexpr int kRecords = 100;
  std::mutex mutex;
  std::condition_variable changed;
  bool subscribed = false;
  std::vector<std::pair<Record, std::chrono::steady_clock::time_point>> received;
  SubscribeToShardRequest request;
  request.consumer_arn = registered->consumer_arn;
  request.shard_id = ShardId("shardId-000000000000");
  request.starting_position.type = ShardIteratorType::kLatest;
  Status subscription;
  std::thread reader([&] {
    subscription = client_->subscribe_to_shard(request, [&](const SubscribeToShardEvent& event) {
      const auto now = std::chrono::steady_clock::now();
      std::lock_guard lock(mutex);
      subscribed = true;
      for (const auto& record : event.records) received.emplace_back(record, now);
      changed.notify_all();
      return received.size() < kRecords;
    });
    std::lock_guard lock(mutex);
    subscribed = true;  // also when it failed, so the test does not wait forever
    changed.notify_all();
  });
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, seconds(10), [&] { return subscribed; }));
  }

  // Within 5 s of the subscription, the same consumer and shard are refused.
  Status again = client_->subscribe_to_shard(request, [](const SubscribeToShardEvent&) { return false; });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "ResourceInUseException");

  std::vector<PutRecordResponse> sent;
  std::vector<std::chrono::steady_clock::time_point> put_at;
  for (int i = 0; i < kRecords; ++i) {
    put_at.push_back(std::chrono::steady_clock::now());
    auto put = client_->put_record({StreamName(name), "key-" + std::to_string(i % 5), "efo-" + std::to_string(i), std::nullopt, std::nullopt});
    ASSERT_TRUE(put.ok()) << put.error();
    sent.push_back(*put);
    std::unique_lock lock(mutex);
    // One at a time, so each record's latency is its own and not a batch's.
    ASSERT_TRUE(changed.wait_for(lock, seconds(10), [&] { return received.size() > static_cast<std::size_t>(i); }));
  }
  reader.join();
  ASSERT_TRUE(subscription.ok()) << subscription.error();
  ASSERT_EQ(received.size(), static_cast<std::size_t>(kRecords));
  std::vector<double> latencies_ms;
  for (int i = 0; i < kRecords; ++i) {
    EXPECT_EQ(received[i].first.sequence_number, sent[i].sequence_number) << i;
    EXPECT_EQ(received[i].first.data, "efo-" + std::to_string(i));
    EXPECT_EQ(received[i].first.partition_key, "key-" + std::to_string(i % 5));
    latencies_ms.push_back(std::chrono::duration<double, std::milli>(received[i].second - put_at[i]).count());
  }
  std::sort(latencies_ms.begin(), latencies_ms.end());
  std::printf("EFO put-to-push latency (kwb client, %d records): p50 %.2f ms, p99 %.2f ms\n", kRecords,
              latencies_ms[kRecords / 2], latencies_ms[kRecords * 99 / 100]);
}

// `kwb tail --enhanced-fan-out` end to end: it registers its consumer, subscribes to both shards and
// prints every record (a second run reuses the consumer).
TEST_F(EmulatorScenarioTest, TailWithEnhancedFanOutPrintsEveryRecord) {
  const std::string name = "kwb-tail-efo";
  ASSERT_TRUE(create_and_wait(name, 2).ok());
  const std::vector<std::string> sent = put_batch(StreamName(name), 0, 20);
  const EnvMap env{{"PATH", "/usr/bin:/bin"},        {"HOME", home_.path()},
                   {"AWS_ACCESS_KEY_ID", kKeyId},     {"AWS_SECRET_ACCESS_KEY", kSecret},
                   {"AWS_REGION", "us-east-1"},       {"AWS_ENDPOINT_URL", endpoint_}};
  for (int run = 0; run < 2; ++run) {
    auto tail = testing::run_process({kKwb, "tail", name, "--enhanced-fan-out", "--consumer-name", "tail-test", "--from",
                                      "trim-horizon", "--max-records", "20", "--timeout", "30"},
                                     env, std::nullopt, seconds(60));
    ASSERT_EQ(tail.exit_code, 0) << tail.out << tail.err;
    std::vector<std::string> lines;
    std::string line;
    for (char c : tail.out) {
      if (c == '\n') {
        lines.push_back(line);
        line.clear();
      } else {
        line.push_back(c);
      }
    }
    std::vector<std::string> expected = sent;
    std::sort(lines.begin(), lines.end());
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(lines, expected) << "run " << run;
  }
}

}  // namespace
}  // namespace kwb::kinesis
