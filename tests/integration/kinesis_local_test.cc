// kinesis::Client against kinesis-local (etspaceman/kinesis-mock), a third-party implementation of
// the Kinesis API: the full stream lifecycle, 1,000 records written and read back from every shard,
// tags, retention, resharding, and deletion. Our own emulator is deliberately not involved.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "aws/session.h"
#include "core/crypto.h"
#include "core/encoding.h"
#include "harness/kinesis_local_peer.h"
#include "harness/process.h"
#include "harness/streams.h"
#include "kinesis/client.h"
#include "kinesis/shard_map.h"
#include "kinesis/waiters.h"

namespace kwb::kinesis {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class KinesisLocalTest : public ::testing::Test {
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
    ASSERT_TRUE(started_) << peer_->error();
    env_.set("HOME", home_.path());  // no ~/.aws files: everything below is explicit
    aws::SessionOptions options;
    options.region = "us-east-1";
    options.endpoint_url = peer_->endpoint();
    aws::Credentials credentials;
    credentials.access_key_id = "AKIDINTEGRATION";
    credentials.secret_access_key = Secret("integration-secret");
    credentials.source = "explicit";
    options.explicit_credentials = credentials;
    auto session = aws::AwsSession::create(options, env_, SystemClock::instance(), random_);
    ASSERT_TRUE(session.ok()) << session.error();
    session_ = std::move(*session);
    client_ = std::make_unique<Client>(Client::from_session(*session_));
  }

  WaitOptions quick_wait() const { return WaitOptions{milliseconds(100), milliseconds(500), 1.5, seconds(30)}; }

  Status create_and_wait(const std::string& name, int shards) {
    return testing::create_stream_and_wait(*client_, name, shards, quick_wait());
  }

  static testing::KinesisLocalPeer* peer_;
  static bool started_;
  testing::TempDir home_;
  MapEnvironment env_;
  SeededRandom random_{7};
  std::unique_ptr<aws::AwsSession> session_;
  std::unique_ptr<Client> client_;
};

testing::KinesisLocalPeer* KinesisLocalTest::peer_ = nullptr;
bool KinesisLocalTest::started_ = false;

// Every record of one shard from TRIM_HORIZON, until `expected` records or the deadline.
std::vector<Record> read_shard(Client& client, const StreamRef& stream, const ShardId& shard,
                               std::size_t expected, std::chrono::steady_clock::time_point deadline) {
  std::vector<Record> records;
  auto iterator = client.get_shard_iterator({stream, shard, ShardIteratorType::kTrimHorizon, std::nullopt, std::nullopt});
  EXPECT_TRUE(iterator.ok()) << iterator.error();
  if (!iterator) return records;
  std::string next = iterator->shard_iterator;
  while (std::chrono::steady_clock::now() < deadline) {
    auto page = client.get_records({next, 1000, std::nullopt});
    EXPECT_TRUE(page.ok()) << page.error();
    if (!page) break;
    for (auto& record : page->records) records.push_back(std::move(record));
    if (!page->next_shard_iterator) break;
    next = *page->next_shard_iterator;
    if (records.size() >= expected && page->records.empty()) break;
    if (page->records.empty()) std::this_thread::sleep_for(milliseconds(100));
  }
  return records;
}

TEST_F(KinesisLocalTest, StreamLifecycleWithThousandRecords) {
  const std::string name = "kwb-lifecycle";
  const StreamRef stream = StreamName(name);
  ASSERT_TRUE(create_and_wait(name, 2).ok());

  auto summary = client_->describe_stream_summary(stream);
  ASSERT_TRUE(summary.ok()) << summary.error();
  EXPECT_EQ(summary->stream_status, StreamStatus::kActive);
  EXPECT_EQ(summary->open_shard_count, 2);
  EXPECT_EQ(summary->stream_name, name);

  auto listed = client_->list_all_streams();
  ASSERT_TRUE(listed.ok()) << listed.error();
  EXPECT_NE(std::find(listed->stream_names.begin(), listed->stream_names.end(), name), listed->stream_names.end());

  auto shards = client_->list_all_shards(stream);
  ASSERT_TRUE(shards.ok()) << shards.error();
  ASSERT_EQ(shards->size(), 2u);
  auto map = ShardMap::build(*shards);
  ASSERT_TRUE(map.ok()) << map.error();

  // DescribeStream one shard at a time must page through both.
  DescribeStreamRequest page_request{stream, 1, std::nullopt};
  auto first_page = client_->describe_stream(page_request);
  ASSERT_TRUE(first_page.ok()) << first_page.error();
  EXPECT_EQ(first_page->shards.size(), 1u);
  EXPECT_TRUE(first_page->has_more_shards);
  auto full = client_->describe_stream_all(stream);
  ASSERT_TRUE(full.ok()) << full.error();
  EXPECT_EQ(full->shards.size(), 2u);

  // 1,000 records with distinct keys and payloads that say which record they are (binary bytes
  // included, so base64 is exercised both ways).
  std::map<std::string, std::string> expected;  // partition key -> data
  std::map<std::string, std::string> predicted_shard;
  std::map<std::string, std::size_t> per_shard_count;
  for (int batch = 0; batch < 2; ++batch) {
    PutRecordsRequest request;
    request.stream = stream;
    for (int i = batch * 500; i < (batch + 1) * 500; ++i) {
      std::string key = "key-" + std::to_string(i);
      std::string data = "payload-" + std::to_string(i) + std::string("\0\xff", 2) + hex_encode(md5(key));
      expected[key] = data;
      predicted_shard[key] = map->shard_for(key)->str();
      request.records.push_back({data, key, std::nullopt});
    }
    auto response = client_->put_records(request);
    ASSERT_TRUE(response.ok()) << response.error();
    EXPECT_EQ(response->failed_record_count, 0);
    ASSERT_EQ(response->records.size(), 500u);
    for (std::size_t i = 0; i < 500; ++i) {
      const auto& key = request.records[i].partition_key;
      ASSERT_TRUE(response->records[i].ok()) << response->records[i].error_message.value_or("");
      // The peer's routing agrees with ours (MD5 -> hash key -> range).
      EXPECT_EQ(response->records[i].shard_id->str(), predicted_shard[key]) << key;
      ++per_shard_count[response->records[i].shard_id->str()];
    }
  }
  EXPECT_EQ(per_shard_count.size(), 2u) << "1,000 random keys should land on both shards";

  const auto deadline = std::chrono::steady_clock::now() + seconds(30);
  std::map<std::string, std::string> read_back;
  for (const auto& shard : *shards) {
    auto records = read_shard(*client_, stream, shard.shard_id, per_shard_count[shard.shard_id.str()], deadline);
    EXPECT_EQ(records.size(), per_shard_count[shard.shard_id.str()]) << shard.shard_id;
    for (const auto& record : records) {
      EXPECT_EQ(predicted_shard[record.partition_key], shard.shard_id.str());
      EXPECT_TRUE(record.approximate_arrival_timestamp.has_value());
      read_back[record.partition_key] = record.data;
    }
  }
  EXPECT_EQ(read_back.size(), 1000u);
  EXPECT_EQ(read_back, expected);

  // Tags.
  ASSERT_TRUE(client_->add_tags_to_stream({stream, {{"team", "data"}, {"env", "test"}, {"tier", "1"}}}).ok());
  auto tags = client_->list_all_tags(stream);
  ASSERT_TRUE(tags.ok()) << tags.error();
  std::map<std::string, std::string> tag_map;
  for (const auto& tag : *tags) tag_map[tag.key] = tag.value;
  EXPECT_EQ(tag_map, (std::map<std::string, std::string>{{"env", "test"}, {"team", "data"}, {"tier", "1"}}));
  ASSERT_TRUE(client_->remove_tags_from_stream({stream, {"env", "tier"}}).ok());
  tags = client_->list_all_tags(stream);
  ASSERT_TRUE(tags.ok());
  ASSERT_EQ(tags->size(), 1u);
  EXPECT_EQ((*tags)[0].key, "team");

  // Retention and enhanced monitoring.
  ASSERT_TRUE(client_->increase_stream_retention_period({stream, 48}).ok());
  summary = wait_for_stream_active(*client_, stream, SystemClock::instance(), quick_wait());
  ASSERT_TRUE(summary.ok()) << summary.error();
  EXPECT_EQ(summary->retention_period_hours, 48);
  ASSERT_TRUE(client_->decrease_stream_retention_period({stream, 24}).ok());
  summary = wait_for_stream_active(*client_, stream, SystemClock::instance(), quick_wait());
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->retention_period_hours, 24);
  auto monitoring = client_->enable_enhanced_monitoring({stream, {"IncomingBytes", "OutgoingRecords"}});
  ASSERT_TRUE(monitoring.ok()) << monitoring.error();
  EXPECT_EQ(monitoring->desired_shard_level_metrics.size(), 2u);

  // Scale 2 -> 4.
  summary = wait_for_stream_active(*client_, stream, SystemClock::instance(), quick_wait());
  ASSERT_TRUE(summary.ok());
  auto scaled = client_->update_shard_count({stream, 4});
  ASSERT_TRUE(scaled.ok()) << scaled.error();
  EXPECT_EQ(scaled->target_shard_count, 4);
  summary = wait_for_stream_active(*client_, stream, SystemClock::instance(), quick_wait());
  ASSERT_TRUE(summary.ok()) << summary.error();
  EXPECT_EQ(summary->open_shard_count, 4);
  auto after = client_->list_all_shards(stream);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(std::count_if(after->begin(), after->end(), [](const Shard& s) { return s.is_open(); }), 4);
  auto new_map = ShardMap::build(*after);
  ASSERT_TRUE(new_map.ok());
  EXPECT_EQ(new_map->size(), 4u);

  // Delete and wait until it is gone.
  ASSERT_TRUE(client_->delete_stream({stream, false}).ok());
  ASSERT_TRUE(wait_for_stream_deleted(*client_, stream, SystemClock::instance(), quick_wait()).ok());
  auto gone = client_->describe_stream_summary(stream);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(gone.error().code, "ResourceNotFoundException");
}

TEST_F(KinesisLocalTest, IteratorTypesAndPutRecord) {
  const std::string name = "kwb-iterators";
  const StreamRef stream = StreamName(name);
  ASSERT_TRUE(create_and_wait(name, 1).ok());
  const ShardId shard("shardId-000000000000");
  std::vector<std::string> sequences;
  for (int i = 0; i < 3; ++i) {
    auto put = client_->put_record({stream, "same-key", "record-" + std::to_string(i), std::nullopt, std::nullopt});
    ASSERT_TRUE(put.ok()) << put.error();
    EXPECT_EQ(put->shard_id, shard);
    sequences.push_back(put->sequence_number);
  }
  auto read_from = [&](GetShardIteratorRequest request) -> std::vector<std::string> {
    std::vector<std::string> data;
    auto iterator = client_->get_shard_iterator(request);
    EXPECT_TRUE(iterator.ok()) << iterator.error();
    if (!iterator) return data;
    auto page = client_->get_records({iterator->shard_iterator, 100, std::nullopt});
    EXPECT_TRUE(page.ok()) << page.error();
    if (!page) return data;
    EXPECT_TRUE(page->next_shard_iterator.has_value());
    for (const auto& record : page->records) data.push_back(record.data);
    return data;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(read_from({stream, shard, ShardIteratorType::kTrimHorizon, std::nullopt, std::nullopt}),
            (V{"record-0", "record-1", "record-2"}));
  EXPECT_EQ(read_from({stream, shard, ShardIteratorType::kAtSequenceNumber, sequences[1], std::nullopt}),
            (V{"record-1", "record-2"}));
  EXPECT_EQ(read_from({stream, shard, ShardIteratorType::kAfterSequenceNumber, sequences[1], std::nullopt}),
            (V{"record-2"}));
  EXPECT_EQ(read_from({stream, shard, ShardIteratorType::kLatest, std::nullopt, std::nullopt}), V{});
  EXPECT_EQ(read_from({stream, shard, ShardIteratorType::kAtTimestamp, std::nullopt,
                       SystemClock::instance().now() - std::chrono::minutes(5)}),
            (V{"record-0", "record-1", "record-2"}));

  // The stream's ARN addresses it just as well as its name.
  auto summary = client_->describe_stream_summary(stream);
  ASSERT_TRUE(summary.ok());
  ASSERT_FALSE(summary->stream_arn.empty());
  auto by_arn = client_->describe_stream_summary(StreamRef::parse(summary->stream_arn));
  ASSERT_TRUE(by_arn.ok()) << by_arn.error();
  EXPECT_EQ(by_arn->stream_name, name);

  ASSERT_TRUE(client_->delete_stream({stream, true}).ok());
  ASSERT_TRUE(wait_for_stream_deleted(*client_, stream, SystemClock::instance(), quick_wait()).ok());
}

TEST_F(KinesisLocalTest, ErrorsMapToKinds) {
  auto missing = client_->describe_stream_summary(StreamName("kwb-does-not-exist"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(missing.error().http_status, 400);

  ASSERT_TRUE(create_and_wait("kwb-duplicate", 1).ok());
  CreateStreamRequest again;
  again.stream_name = StreamName("kwb-duplicate");
  again.shard_count = 1;
  Status duplicate = client_->create_stream(again);
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().code, "ResourceInUseException");
  EXPECT_EQ(duplicate.error().kind, ErrorKind::kConflict);
  ASSERT_TRUE(client_->delete_stream({StreamName("kwb-duplicate"), false}).ok());
}

}  // namespace
}  // namespace kwb::kinesis
