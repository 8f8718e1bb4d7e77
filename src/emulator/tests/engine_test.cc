// The engine on a ManualClock: lifecycle, routing, sequence numbers, resharding lineage, limits,
// retention and iterator expiry.

#include <gtest/gtest.h>

#include <string>

#include "core/clock.h"
#include "core/random.h"
#include "emulator/engine.h"

namespace kwb::emulator {
namespace {

using std::chrono::milliseconds;

class CollectSink final : public RecordSink {
 public:
  void record(const StoredRecord& record, const SequenceParts& sequence) override {
    keys.emplace_back(record.partition_key);
    data.emplace_back(record.data);
    sequences.push_back(format_sequence(sequence));
    arrivals.push_back(record.arrival_ms);
  }
  std::vector<std::string> keys, data, sequences;
  std::vector<std::int64_t> arrivals;
};

class EngineTest : public ::testing::Test {
 protected:
  EngineTest() : clock_(SystemTimePoint(std::chrono::seconds(1'700'000'000))), random_(1) {
    config_.create_delay_ms = 100;
    config_.update_delay_ms = 200;
    config_.delete_delay_ms = 100;
    config_.limits.control_plane_limits = false;
    engine_ = std::make_unique<Engine>("us-east-1", config_, clock_, random_);
  }

  void create(const std::string& name, std::uint32_t shards) {
    ASSERT_TRUE(engine_->create_stream(name, shards, StreamMode::kProvisioned).ok());
    clock_.advance(milliseconds(config_.create_delay_ms));
  }

  // Puts one record; returns the outcome.
  PutOutcome put(const std::string& name, std::string_view key, std::string_view data,
                 std::optional<HashKey> explicit_key = std::nullopt) {
    PutEntry entry{key, data, explicit_key};
    PutOutcome outcome;
    auto result = engine_->put_records(name, std::span(&entry, 1), std::span(&outcome, 1));
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().describe());
    return outcome;
  }

  std::string iterator(const std::string& name, const std::string& shard, IteratorType type,
                       std::string_view sequence = "", std::int64_t ts = 0) {
    auto it = engine_->get_shard_iterator(name, shard, type, sequence, ts);
    EXPECT_TRUE(it.ok()) << (it.ok() ? "" : it.error().describe());
    return it.ok() ? *it : "";
  }

  EmulatorConfig config_;
  ManualClock clock_;
  SeededRandom random_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineTest, StreamGoesFromCreatingToActiveOnTheClock) {
  ASSERT_TRUE(engine_->create_stream("s", 2, StreamMode::kProvisioned).ok());
  EXPECT_EQ(engine_->describe_stream("s", false)->status, StreamStatus::kCreating);
  // Writes are refused while CREATING, as AWS does.
  PutEntry entry{"k", "v", std::nullopt};
  PutOutcome outcome;
  EXPECT_EQ(engine_->put_records("s", std::span(&entry, 1), std::span(&outcome, 1)).error().code,
            "ResourceNotFoundException");
  clock_.advance(milliseconds(99));
  EXPECT_EQ(engine_->describe_stream("s", false)->status, StreamStatus::kCreating);
  clock_.advance(milliseconds(1));
  EXPECT_EQ(engine_->describe_stream("s", false)->status, StreamStatus::kActive);
  EXPECT_EQ(engine_->create_stream("s", 1, StreamMode::kProvisioned).error().code, "ResourceInUseException");

  ASSERT_TRUE(engine_->delete_stream("s", false).ok());
  EXPECT_EQ(engine_->describe_stream("s", false)->status, StreamStatus::kDeleting);
  clock_.advance(milliseconds(100));
  EXPECT_EQ(engine_->describe_stream("s", false).error().code, "ResourceNotFoundException");
}

TEST_F(EngineTest, RoutesByMd5AndExplicitHashKey) {
  create("s", 2);
  // md5("a") = 0cc175b9...: lower half; md5("b") = 92eb5ffe...: upper half.
  EXPECT_EQ(put("s", "a", "1").shard_index, 0u);
  EXPECT_EQ(put("s", "b", "2").shard_index, 1u);
  const HashKey top_of_first = (static_cast<HashKey>(1) << 127) - 1;
  EXPECT_EQ(put("s", "b", "3", top_of_first).shard_index, 0u);
  EXPECT_EQ(put("s", "a", "4", top_of_first + 1).shard_index, 1u);
}

TEST_F(EngineTest, SequenceNumbersRiseStrictlyPerShard) {
  create("s", 1);
  std::string previous;
  for (int i = 0; i < 50; ++i) {
    const PutOutcome o = put("s", "k" + std::to_string(i), "v");
    ASSERT_TRUE(o.accepted);
    const std::string seq = format_sequence({o.shard_index, o.shard_created_ms, o.counter});
    EXPECT_EQ(seq.size(), 56u);
    EXPECT_GT(seq, previous);
    previous = seq;
    if (i % 10 == 0) clock_.advance(milliseconds(3));
  }
}

TEST_F(EngineTest, ReadsBackInOrderWithAllIteratorTypes) {
  create("s", 1);
  std::vector<std::string> sequences;
  for (int i = 0; i < 5; ++i) {
    const PutOutcome o = put("s", "k", "d" + std::to_string(i));
    sequences.push_back(format_sequence({o.shard_index, o.shard_created_ms, o.counter}));
    clock_.advance(milliseconds(10));
  }
  CollectSink all;
  auto result = engine_->get_records(iterator("s", "shardId-000000000000", IteratorType::kTrimHorizon), 100, all);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(all.data, (std::vector<std::string>{"d0", "d1", "d2", "d3", "d4"}));
  EXPECT_EQ(all.sequences, sequences);
  ASSERT_TRUE(result->next_iterator.has_value());

  CollectSink at;
  ASSERT_TRUE(engine_->get_records(iterator("s", "shardId-000000000000", IteratorType::kAtSequenceNumber, sequences[2]), 100, at).ok());
  EXPECT_EQ(at.data.front(), "d2");
  CollectSink after;
  ASSERT_TRUE(engine_->get_records(iterator("s", "shardId-000000000000", IteratorType::kAfterSequenceNumber, sequences[2]), 100, after).ok());
  EXPECT_EQ(after.data.front(), "d3");
  CollectSink by_time;
  ASSERT_TRUE(engine_->get_records(iterator("s", "0", IteratorType::kAtTimestamp, "", all.arrivals[3]), 100, by_time).ok());
  EXPECT_EQ(by_time.data.front(), "d3");
  CollectSink latest;
  const std::string latest_iterator = iterator("s", "shardId-000000000000", IteratorType::kLatest);
  put("s", "k", "new");
  ASSERT_TRUE(engine_->get_records(latest_iterator, 100, latest).ok());
  EXPECT_EQ(latest.data, std::vector<std::string>{"new"});

  // GetShardIterator is limited to 5 calls per second per shard; let the bucket refill.
  clock_.advance(std::chrono::seconds(1));
  // A sequence number of another shard or another stream is refused.
  auto wrong = engine_->get_shard_iterator("s", "shardId-000000000000", IteratorType::kAtSequenceNumber,
                                           format_sequence({0, 1, 1}), 0);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, "InvalidArgumentException");
  EXPECT_NE(wrong.error().message.find("did not come from this stream"), std::string::npos);
}

TEST_F(EngineTest, MillisBehindLatestCountsFromTheNextUnreadRecord) {
  create("s", 1);
  put("s", "k", "a");
  put("s", "k", "b");
  clock_.advance(milliseconds(1500));
  CollectSink sink;
  auto result = engine_->get_records(iterator("s", "shardId-000000000000", IteratorType::kTrimHorizon), 1, sink);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->millis_behind_latest, 1500);
  CollectSink rest;
  auto caught_up = engine_->get_records(*result->next_iterator, 10, rest);
  ASSERT_TRUE(caught_up.ok());
  EXPECT_EQ(caught_up->millis_behind_latest, 0);
}

TEST_F(EngineTest, UpdateShardCountKeepsLineageAndClosesParents) {
  create("s", 2);
  for (int i = 0; i < 20; ++i) put("s", "key" + std::to_string(i), "v");
  auto up = engine_->update_shard_count("s", 4);
  ASSERT_TRUE(up.ok()) << up.error().describe();
  EXPECT_EQ(up->current, 2u);
  EXPECT_EQ(engine_->describe_stream("s", false)->status, StreamStatus::kUpdating);
  // Writes still go to the old shards while UPDATING.
  EXPECT_LT(put("s", "late", "v").shard_index, 2u);
  clock_.advance(milliseconds(200));
  auto info = engine_->describe_stream("s", true);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->status, StreamStatus::kActive);
  ASSERT_EQ(info->shards.size(), 6u);
  EXPECT_TRUE(info->shards[0].ending_sequence.has_value());
  EXPECT_TRUE(info->shards[1].ending_sequence.has_value());
  EXPECT_EQ(info->open_shard_count, 4u);
  EXPECT_EQ(info->shards[2].parent, "shardId-000000000000");
  EXPECT_EQ(info->shards[3].parent, "shardId-000000000000");
  EXPECT_EQ(info->shards[4].parent, "shardId-000000000001");
  EXPECT_EQ(info->shards[5].parent, "shardId-000000000001");
  EXPECT_EQ(info->shards[2].range.start, 0u);
  EXPECT_EQ(info->shards[5].range.end, kMaxHashKey);

  // Reading a closed parent to its end yields no next iterator and the children.
  CollectSink sink;
  auto end = engine_->get_records(iterator("s", "shardId-000000000000", IteratorType::kTrimHorizon), 10000, sink);
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(end->next_iterator.has_value());
  ASSERT_EQ(end->child_shards.size(), 2u);
  EXPECT_EQ(end->child_shards[0].shard_id, "shardId-000000000002");

  // Merge two adjacent children: parent and adjacent parent as named.
  ASSERT_TRUE(engine_->merge_shards("s", "shardId-000000000004", "shardId-000000000003").ok());
  clock_.advance(milliseconds(200));
  info = engine_->describe_stream("s", true);
  ASSERT_EQ(info->shards.size(), 7u);
  EXPECT_EQ(info->shards[6].parent, "shardId-000000000004");
  EXPECT_EQ(info->shards[6].adjacent_parent, "shardId-000000000003");
  EXPECT_EQ(info->open_shard_count, 3u);
  // Non-adjacent shards cannot merge.
  EXPECT_EQ(engine_->merge_shards("s", "shardId-000000000002", "shardId-000000000005").error().code,
            "InvalidArgumentException");
}

TEST_F(EngineTest, SplitShardMakesTwoChildren) {
  create("s", 1);
  const HashKey middle = static_cast<HashKey>(1) << 100;
  EXPECT_EQ(engine_->split_shard("s", "shardId-000000000000", 0).error().code, "InvalidArgumentException");
  ASSERT_TRUE(engine_->split_shard("s", "shardId-000000000000", middle).ok());
  EXPECT_EQ(engine_->split_shard("s", "shardId-000000000000", middle).error().code, "ResourceInUseException");
  clock_.advance(milliseconds(200));
  auto info = engine_->describe_stream("s", true);
  ASSERT_EQ(info->shards.size(), 3u);
  EXPECT_EQ(info->shards[1].range.end, middle - 1);
  EXPECT_EQ(info->shards[2].range.start, middle);
  EXPECT_EQ(put("s", "x", "v", middle).shard_index, 2u);
}

TEST_F(EngineTest, UpdateShardCountEnforcesAwsRules) {
  config_.update_delay_ms = 0;
  create("s", 2);
  EXPECT_EQ(engine_->update_shard_count("s", 5).error().code, "InvalidArgumentException");
  EXPECT_EQ(engine_->update_shard_count("s", 2).error().code, "InvalidArgumentException");
  ASSERT_TRUE(engine_->update_shard_count("s", 4).ok());
  clock_.advance(milliseconds(1));
  EXPECT_EQ(engine_->update_shard_count("s", 1).error().code, "InvalidArgumentException");  // below half
  // Ten updates per rolling 24 hours; the 11th is refused until the first ages out.
  std::uint32_t count = 4;
  for (int i = 1; i < 10; ++i) {
    count = count == 4 ? 3 : 4;
    ASSERT_TRUE(engine_->update_shard_count("s", count).ok()) << i;
    clock_.advance(milliseconds(1));
  }
  auto eleventh = engine_->update_shard_count("s", count == 4 ? 3 : 4);
  ASSERT_FALSE(eleventh.ok());
  EXPECT_EQ(eleventh.error().code, "LimitExceededException");
  clock_.advance(std::chrono::hours(24));
  EXPECT_TRUE(engine_->update_shard_count("s", count == 4 ? 3 : 4).ok());
}

TEST_F(EngineTest, AccountShardLimitIsEnforced) {
  config_.limits.shard_limit = 5;
  create("a", 4);
  auto too_many = engine_->create_stream("b", 2, StreamMode::kProvisioned);
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error().code, "LimitExceededException");
  EXPECT_TRUE(engine_->create_stream("b", 1, StreamMode::kProvisioned).ok());
}

TEST_F(EngineTest, WriteRecordsPerSecondIsATokenBucket) {
  create("s", 1);
  int accepted = 0, throttled = 0;
  for (int i = 0; i < 1200; ++i) {
    const PutOutcome o = put("s", "k" + std::to_string(i), "v");
    o.accepted ? ++accepted : ++throttled;
    if (!o.accepted) {
      EXPECT_TRUE(o.throttled);
    }
  }
  EXPECT_EQ(accepted, 1000);  // a full bucket holds one second
  EXPECT_EQ(throttled, 200);
  clock_.advance(milliseconds(100));  // refills 100 records
  accepted = 0;
  for (int i = 0; i < 150; ++i) accepted += put("s", "k", "v").accepted ? 1 : 0;
  EXPECT_EQ(accepted, 100);
}

TEST_F(EngineTest, WriteBytesPerSecondIsATokenBucket) {
  create("s", 1);
  const std::string big(600 * 1024, 'x');
  EXPECT_TRUE(put("s", "k", big).accepted);
  EXPECT_FALSE(put("s", "k", big).accepted);  // 1.2 MB in the same second
  clock_.advance(milliseconds(600));
  EXPECT_TRUE(put("s", "k", big).accepted);
}

TEST_F(EngineTest, ReadCallsPerSecondAreLimited) {
  create("s", 1);
  put("s", "k", "v");
  const std::string it = iterator("s", "shardId-000000000000", IteratorType::kTrimHorizon);
  CollectSink sink;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(engine_->get_records(it, 10, sink).ok()) << i;
  auto sixth = engine_->get_records(it, 10, sink);
  ASSERT_FALSE(sixth.ok());
  EXPECT_EQ(sixth.error().code, "ProvisionedThroughputExceededException");
  clock_.advance(milliseconds(200));
  EXPECT_TRUE(engine_->get_records(it, 10, sink).ok());
}

TEST_F(EngineTest, NoLimitsTurnsThrottlingOff) {
  config_.limits.disable_data_plane_limits();
  engine_ = std::make_unique<Engine>("us-east-1", config_, clock_, random_);
  create("s", 1);
  int accepted = 0;
  for (int i = 0; i < 3000; ++i) accepted += put("s", "k", "v").accepted ? 1 : 0;
  EXPECT_EQ(accepted, 3000);
}

TEST_F(EngineTest, RecordsPastRetentionDisappear) {
  create("s", 1);
  put("s", "k", "old");
  clock_.advance(std::chrono::hours(23));
  put("s", "k", "newer");
  clock_.advance(std::chrono::hours(1) + milliseconds(1));
  CollectSink sink;
  ASSERT_TRUE(engine_->get_records(iterator("s", "shardId-000000000000", IteratorType::kTrimHorizon), 100, sink).ok());
  EXPECT_EQ(sink.data, std::vector<std::string>{"newer"});
  EXPECT_EQ(engine_->state().records, 1u);
  // Longer retention keeps records longer.
  ASSERT_TRUE(engine_->set_retention("s", 48, true).ok());
  EXPECT_EQ(engine_->set_retention("s", 30, true).error().code, "InvalidArgumentException");
  clock_.advance(std::chrono::hours(20));
  CollectSink kept;
  ASSERT_TRUE(engine_->get_records(iterator("s", "shardId-000000000000", IteratorType::kTrimHorizon), 100, kept).ok());
  EXPECT_EQ(kept.data, std::vector<std::string>{"newer"});
}

TEST_F(EngineTest, IteratorsExpireAfterFiveMinutesAndResistTampering) {
  create("s", 1);
  const std::string it = iterator("s", "shardId-000000000000", IteratorType::kTrimHorizon);
  clock_.advance(std::chrono::minutes(5));
  CollectSink sink;
  EXPECT_TRUE(engine_->get_records(it, 1, sink).ok());
  clock_.advance(milliseconds(1));
  auto expired = engine_->get_records(it, 1, sink);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().code, "ExpiredIteratorException");
  std::string edited = iterator("s", "shardId-000000000000", IteratorType::kTrimHorizon);
  edited[20] = edited[20] == 'Q' ? 'R' : 'Q';
  auto tampered = engine_->get_records(edited, 1, sink);
  ASSERT_FALSE(tampered.ok());
  EXPECT_EQ(tampered.error().code, "InvalidArgumentException");
}

TEST_F(EngineTest, IteratorOfADeletedAndRecreatedStreamIsRefused) {
  create("s", 1);
  const std::string it = iterator("s", "shardId-000000000000", IteratorType::kTrimHorizon);
  ASSERT_TRUE(engine_->delete_stream("s", false).ok());
  clock_.advance(milliseconds(100));
  create("s", 1);
  CollectSink sink;
  EXPECT_EQ(engine_->get_records(it, 1, sink).error().code, "ResourceNotFoundException");
}

TEST_F(EngineTest, ConsumersBlockDeletionUnlessEnforced) {
  create("s", 1);
  auto consumer = engine_->register_consumer("s", "c1");
  ASSERT_TRUE(consumer.ok());
  EXPECT_EQ(consumer->status, "CREATING");
  EXPECT_EQ(consumer->arn.rfind("arn:aws:kinesis:us-east-1:000000000000:stream/s/consumer/c1:", 0), 0u);
  clock_.advance(milliseconds(config_.consumer_delay_ms));
  EXPECT_EQ(engine_->describe_consumer("s", "c1")->status, "ACTIVE");
  EXPECT_EQ(engine_->delete_stream("s", false).error().code, "ResourceInUseException");
  EXPECT_TRUE(engine_->delete_stream("s", true).ok());
}

TEST_F(EngineTest, ListShardsFilters) {
  create("s", 2);
  ASSERT_TRUE(engine_->update_shard_count("s", 4).ok());
  clock_.advance(milliseconds(200));
  auto latest = engine_->list_shards("s", ShardFilter{ShardFilter::Type::kAtLatest, "", 0});
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->shards.size(), 4u);
  auto horizon = engine_->list_shards("s", ShardFilter{ShardFilter::Type::kAtTrimHorizon, "", 0});
  EXPECT_EQ(horizon->shards.size(), 2u);
  auto after = engine_->list_shards("s", ShardFilter{ShardFilter::Type::kAfterShardId, "shardId-000000000003", 0});
  EXPECT_EQ(after->shards.size(), 2u);
  auto all = engine_->list_shards("s", ShardFilter{});
  EXPECT_EQ(all->shards.size(), 6u);
}

TEST_F(EngineTest, ControlPlaneRateLimitGivesLimitExceeded) {
  config_.limits.control_plane_limits = true;
  create("s", 1);
  int refused = 0;
  for (int i = 0; i < 15; ++i) {
    auto r = engine_->describe_stream("s", false);
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, "LimitExceededException");
      ++refused;
    }
  }
  EXPECT_EQ(refused, 5);  // 10 per second
  clock_.advance(std::chrono::seconds(1));
  EXPECT_TRUE(engine_->describe_stream("s", false).ok());
}

}  // namespace
}  // namespace kwb::emulator
