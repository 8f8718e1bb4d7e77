#include "kinesis/producer/pipeline.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "aws/error_table.h"
#include "kinesis/producer/tests/fake_stream.h"

namespace kwb::kinesis::producer {
namespace {

using namespace std::chrono_literals;
using testing::even_shards;
using testing::FakeStream;
using testing::map_of;

const Instant kT0 = Instant(std::chrono::hours(1000));

ProducerConfig base_config() {
  ProducerConfig config;
  config.stream = StreamName("s");
  config.shard_records_per_second = 0;  // unlimited unless a test is about limits
  config.shard_bytes_per_second = 0;
  return config;
}

UserRecord rec(const std::string& key, std::size_t size = 10) { return UserRecord{key, std::string(size, 'x'), {}}; }

struct Harness {
  explicit Harness(ProducerConfig config, int shards = 2, std::uint64_t seed = 1)
      : random(seed), stream(even_shards(shards)) {
    pipeline = std::move(*ProducerPipeline::create(std::move(config), random, now));
    pipeline->set_shard_map(map_of(stream.shards()), now);
  }
  RecordId submit(const std::string& key, std::size_t size = 10) {
    auto id = pipeline->submit(rec(key, size), now);
    EXPECT_TRUE(id.ok());
    submitted.insert(*id);
    return *id;
  }
  // Sends everything ready, answers it at once, collects outcomes.
  std::size_t pump(const testing::FailRule& fail = nullptr) {
    auto batches = pipeline->next_batches(now, 100);
    for (const auto& batch : batches) {
      sent_sizes.push_back(batch.request.records.size());
      pipeline->on_response(batch.batch_id, stream.answer(batch, fail), now);
    }
    collect();
    return batches.size();
  }
  void collect() {
    for (auto& outcome : pipeline->take_outcomes()) {
      EXPECT_TRUE(outcomes.emplace(outcome.id, outcome).second) << "record " << outcome.id << " settled twice";
    }
  }
  // Runs until nothing is left, stepping time by `step`.
  void run_to_end(const testing::FailRule& fail, std::chrono::milliseconds step = 10ms, int max_steps = 100000) {
    for (int i = 0; i < max_steps && pipeline->live_records() > 0; ++i) {
      pump(fail);
      now += step;
    }
    collect();
  }
  void expect_all_settled() {
    EXPECT_EQ(pipeline->live_records(), 0u);
    EXPECT_EQ(pipeline->buffered_bytes(), 0u);
    EXPECT_EQ(outcomes.size(), submitted.size());
    for (RecordId id : submitted) {
      auto it = outcomes.find(id);
      ASSERT_NE(it, outcomes.end()) << "record " << id << " silently dropped";
      if (!it->second.acked) {
        EXPECT_FALSE(it->second.error.code.empty()) << "failure without a reason";
      }
    }
    const auto& c = pipeline->counters();
    EXPECT_EQ(c.acked + c.failed, c.submitted);
  }

  SeededRandom random;
  Instant now = kT0;
  FakeStream stream;
  std::unique_ptr<ProducerPipeline> pipeline;
  std::set<RecordId> submitted;
  std::map<RecordId, RecordOutcome> outcomes;
  std::vector<std::size_t> sent_sizes;
};

TEST(ProducerPipelineTest, RejectsInvalidConfigAndRecords) {
  SeededRandom random(1);
  ProducerConfig config = base_config();
  config.max_batch_records = 501;
  auto bad = ProducerPipeline::create(config, random, kT0);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::kConfig);
  EXPECT_EQ(bad.error().field, "max_batch_records");

  Harness h(base_config());
  auto empty_key = h.pipeline->submit(UserRecord{"", "x", {}}, h.now);
  ASSERT_FALSE(empty_key.ok());
  EXPECT_EQ(empty_key.error().kind, ErrorKind::kInvalidInput);
  auto too_big = h.pipeline->submit(rec("k", kMaxRecordBytes), h.now);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(h.pipeline->counters().submitted, 0u);
}

TEST(ProducerPipelineTest, BatchesByCount) {
  ProducerConfig config = base_config();
  config.linger = 1000ms;
  Harness h(config);
  for (int i = 0; i < 1200; ++i) h.submit("key-" + std::to_string(i));
  // Two full requests go at once; the remaining 200 wait for their linger.
  auto batches = h.pipeline->next_batches(h.now, 10);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].request.records.size(), 500u);
  EXPECT_EQ(batches[1].request.records.size(), 500u);
  for (auto& b : batches) h.pipeline->on_response(b.batch_id, h.stream.answer(b), h.now);
  EXPECT_TRUE(h.pipeline->next_batches(h.now + 999ms, 10).empty());
  h.now += 1000ms;
  auto rest = h.pipeline->next_batches(h.now, 10);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].request.records.size(), 200u);
  h.pipeline->on_response(rest[0].batch_id, h.stream.answer(rest[0]), h.now);
  h.collect();
  h.expect_all_settled();
  EXPECT_EQ(h.pipeline->counters().acked, 1200u);
}

TEST(ProducerPipelineTest, BatchesBySize) {
  ProducerConfig config = base_config();
  config.linger = 0ms;
  Harness h(config);
  const std::size_t size = 300 * 1024;  // 17 fit in 5 MiB
  for (int i = 0; i < 40; ++i) h.submit("k" + std::to_string(i), size);
  auto batches = h.pipeline->next_batches(h.now, 10);
  ASSERT_EQ(batches.size(), 3u);
  for (const auto& b : batches) {
    std::size_t bytes = 0;
    for (const auto& e : b.request.records) bytes += e.data.size() + e.partition_key.size();
    EXPECT_LE(bytes, kMaxPutRecordsBytes);
  }
  EXPECT_EQ(batches[0].request.records.size(), 17u);
  EXPECT_EQ(batches[1].request.records.size(), 17u);
  EXPECT_EQ(batches[2].request.records.size(), 6u);
}

TEST(ProducerPipelineTest, LingerAndWakeup) {
  ProducerConfig config = base_config();
  config.linger = 100ms;
  Harness h(config);
  for (int i = 0; i < 10; ++i) h.submit("k" + std::to_string(i));
  EXPECT_TRUE(h.pipeline->next_batches(h.now, 10).empty());
  auto wake = h.pipeline->next_wakeup(h.now);
  ASSERT_TRUE(wake.has_value());
  EXPECT_EQ(*wake, kT0 + 100ms);
  EXPECT_TRUE(h.pipeline->next_batches(kT0 + 99ms, 10).empty());
  h.now = kT0 + 100ms;
  auto batches = h.pipeline->next_batches(h.now, 10);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].request.records.size(), 10u);
}

TEST(ProducerPipelineTest, FlushIgnoresLinger) {
  ProducerConfig config = base_config();
  config.linger = 10000ms;
  Harness h(config);
  h.submit("a");
  EXPECT_TRUE(h.pipeline->next_batches(h.now, 10).empty());
  h.pipeline->flush_all();
  auto batches = h.pipeline->next_batches(h.now, 10);
  ASSERT_EQ(batches.size(), 1u);
  ASSERT_EQ(batches[0].request.records.size(), 1u);
  EXPECT_EQ(batches[0].request.records[0].partition_key, "a");
  h.submit("b");  // after the flush: waits for its linger again
  EXPECT_TRUE(h.pipeline->next_batches(h.now, 10).empty());
}

TEST(ProducerPipelineTest, PerShardRecordRateLimit) {
  ProducerConfig config = base_config();
  config.linger = 0ms;
  config.shard_records_per_second = 1000;
  Harness h(config, /*shards=*/1);
  for (int i = 0; i < 3000; ++i) h.submit("k" + std::to_string(i));
  // A full bucket lets one second's worth through at once ...
  h.pump();
  EXPECT_EQ(h.pipeline->counters().acked, 1000u);
  // ... then the shard gets 1,000 records per second, never more.
  std::vector<std::pair<Instant, std::uint64_t>> acked_at;
  while (h.pipeline->live_records() > 0) {
    h.now += 10ms;
    h.pump();
    acked_at.emplace_back(h.now, h.pipeline->counters().acked);
  }
  h.expect_all_settled();
  const double seconds = std::chrono::duration<double>(h.now - kT0).count();
  EXPECT_GE(seconds, 1.95);  // 2,000 records beyond the burst at 1,000/s
  EXPECT_LE(seconds, 2.3);
  // Any one-second window after the burst carries at most 1,000 records (+ one linger's rounding).
  for (const auto& [t, n] : acked_at) {
    for (const auto& [t2, n2] : acked_at) {
      if (t2 > t && t2 - t <= 1000ms) {
        EXPECT_LE(n2 - n, 1000u);
      }
    }
  }
}

TEST(ProducerPipelineTest, RateLimitFactorAndByteLimit) {
  ProducerConfig config = base_config();
  config.linger = 0ms;
  config.shard_records_per_second = 1000;
  config.shard_bytes_per_second = 1024 * 1024;
  config.rate_limit_factor = 0.5;
  Harness h(config, 1);
  for (int i = 0; i < 20; ++i) h.submit("k" + std::to_string(i), 100 * 1024);
  h.pump();
  // 512 KiB of burst: five 100 KiB records (each counts its key too).
  EXPECT_EQ(h.pipeline->counters().acked, 5u);
  h.run_to_end(nullptr);
  h.expect_all_settled();
  // 20 records of ~100 KiB at 512 KiB/s: about 3 more seconds after the burst.
  EXPECT_GE(h.now - kT0, 2900ms);
}

TEST(ProducerPipelineTest, ShardsAreLimitedIndependently) {
  ProducerConfig config = base_config();
  config.linger = 0ms;
  config.shard_records_per_second = 100;
  Harness h(config, 4);
  for (int i = 0; i < 2000; ++i) h.submit("k" + std::to_string(i));
  h.pump();
  // Four shards, 100 each, in the first instant.
  EXPECT_EQ(h.pipeline->counters().acked, 400u);
}

TEST(ProducerPipelineTest, PartialFailuresAreRetriedUntilEveryRecordIsAckedOnce) {
  ProducerConfig config = base_config();
  config.linger = 0ms;
  Harness h(config, 3);
  for (int i = 0; i < 1000; ++i) h.submit("key-" + std::to_string(i));
  // First attempt: every 3rd record throttled, every 5th InternalFailure; second attempt of every
  // 7th also throttled; then all succeed.
  auto rule = [](RecordId id, int attempt, const PutRecordsEntry&) -> std::optional<std::string> {
    if (attempt == 1 && id % 3 == 0) return "ProvisionedThroughputExceededException";
    if (attempt == 1 && id % 5 == 0) return "InternalFailure";
    if (attempt == 2 && id % 7 == 0) return "ProvisionedThroughputExceededException";
    return std::nullopt;
  };
  h.run_to_end(rule);
  h.expect_all_settled();
  const auto& c = h.pipeline->counters();
  EXPECT_EQ(c.acked, 1000u);
  EXPECT_EQ(c.failed, 0u);
  EXPECT_GT(c.retried, 0u);
  EXPECT_GT(c.throttled, 0u);
  for (RecordId id : h.submitted) {
    EXPECT_EQ(h.stream.writes(id), 1) << id;
    const RecordOutcome& o = h.outcomes.at(id);
    EXPECT_TRUE(o.acked);
    EXPECT_FALSE(o.sequence_number.empty());
    EXPECT_FALSE(o.shard_id.empty());
    if (id % 3 == 0) {
      ASSERT_GE(o.attempts.size(), 2u);
      EXPECT_EQ(o.attempts[0].error_code, "ProvisionedThroughputExceededException");
    } else if (id % 5 == 0) {
      ASSERT_GE(o.attempts.size(), 2u);
      EXPECT_EQ(o.attempts[0].error_code, "InternalFailure");
    } else {
      EXPECT_EQ(o.attempts.size(), 1u);
    }
    EXPECT_TRUE(o.attempts.back().error_code.empty());
  }
}

TEST(ProducerPipelineTest, RetriesBackOffWithJitter) {
  ProducerConfig config = base_config();
  config.linger = 0ms;
  config.retry_base = 100ms;
  config.retry_cap = 100ms;
  Harness h(config, 1);
  RecordId id = h.submit("k");
  auto always = [](RecordId, int, const PutRecordsEntry&) -> std::optional<std::string> { return "InternalFailure"; };
  h.pump(always);
  // The retry is not sent before its backoff is over, and is sent within the cap.
  auto wake = h.pipeline->next_wakeup(h.now);
  ASSERT_TRUE(wake.has_value());
  EXPECT_GT(*wake, h.now);
  EXPECT_LE(*wake, h.now + 100ms);
  EXPECT_TRUE(h.pipeline->next_batches(*wake - 1ns, 10).empty());
  EXPECT_EQ(h.pipeline->next_batches(*wake, 10).size(), 1u);
  (void)id;
}

TEST(ProducerPipelineTest, TtlExpiryReportsAttemptHistory) {
  ProducerConfig config = base_config();
  config.linger = 0ms;
  config.record_ttl = 1000ms;
  config.retry_base = 50ms;
  config.retry_cap = 200ms;
  Harness h(config, 2);
  for (int i = 0; i < 20; ++i) h.submit("k" + std::to_string(i));
  auto throttle = [](RecordId, int, const PutRecordsEntry&) -> std::optional<std::string> {
    return "ProvisionedThroughputExceededException";
  };
  h.run_to_end(throttle, 10ms);
  h.expect_all_settled();
  const auto& c = h.pipeline->counters();
  EXPECT_EQ(c.expired, 20u);
  EXPECT_EQ(c.failed, 20u);
  EXPECT_EQ(c.acked, 0u);
  for (const auto& [id, o] : h.outcomes) {
    EXPECT_FALSE(o.acked);
    EXPECT_EQ(o.error.code, "RecordExpired");
    EXPECT_NE(o.error.message.find("ProvisionedThroughputExceededException"), std::string::npos) << o.error.message;
    ASSERT_GE(o.attempts.size(), 3u);
    Instant previous{};
    for (const Attempt& a : o.attempts) {
      EXPECT_EQ(a.error_code, "ProvisionedThroughputExceededException");
      EXPECT_GE(a.started, previous);
      previous = a.started;
      ASSERT_TRUE(a.shard_id.has_value());
    }
    // Expired close to the deadline: not before it, not long after.
    EXPECT_GE(o.completed_at, o.submitted_at + 1000ms);
    EXPECT_LE(o.completed_at, o.submitted_at + 1000ms + 20ms);
  }
}

TEST(ProducerPipelineTest, RecordsThatCannotBeRoutedExpireWithTheMapError) {
  SeededRandom random(1);
  ProducerConfig config = base_config();
  config.record_ttl = 500ms;
  auto pipeline = std::move(*ProducerPipeline::create(config, random, kT0));
  ASSERT_TRUE(pipeline->needs_shard_map(kT0));
  ASSERT_TRUE(pipeline->submit(rec("k"), kT0).ok());
  pipeline->shard_map_requested(kT0);
  EXPECT_FALSE(pipeline->needs_shard_map(kT0));
  pipeline->shard_map_failed(Error::network("connection refused"), kT0);
  EXPECT_TRUE(pipeline->next_batches(kT0 + 100ms, 10).empty());
  EXPECT_TRUE(pipeline->next_batches(kT0 + 500ms, 10).empty());
  auto outcomes = pipeline->take_outcomes();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].error.code, "RecordExpired");
  EXPECT_NE(outcomes[0].error.message.find("connection refused"), std::string::npos) << outcomes[0].error.message;
}

TEST(ProducerPipelineTest, NonRetryableErrorsFailAtOnce) {
  ProducerConfig config = base_config();
  config.linger = 0ms;
  Harness h(config, 1);
  h.submit("a");
  h.submit("b");
  auto batches = h.pipeline->next_batches(h.now, 10);
  ASSERT_EQ(batches.size(), 1u);
  Error gone = aws::make_aws_error("ResourceNotFoundException", "Stream s not found", 400);
  h.pipeline->on_response(batches[0].batch_id, gone, h.now);
  h.collect();
  h.expect_all_settled();
  for (const auto& [id, o] : h.outcomes) {
    EXPECT_FALSE(o.acked);
    EXPECT_EQ(o.error.kind, ErrorKind::kNotFound);
    ASSERT_EQ(o.attempts.size(), 1u);
    EXPECT_EQ(o.attempts[0].error_code, "ResourceNotFoundException");
  }
}

TEST(ProducerPipelineTest, WholeRequestRetryableFailuresAreRetried) {
  ProducerConfig config = base_config();
  config.linger = 0ms;
  Harness h(config, 1);
  for (int i = 0; i < 10; ++i) h.submit("k" + std::to_string(i));
  auto batches = h.pipeline->next_batches(h.now, 10);
  ASSERT_EQ(batches.size(), 1u);
  h.pipeline->on_response(batches[0].batch_id, Error::network("connection reset"), h.now);
  h.run_to_end(nullptr);
  h.expect_all_settled();
  EXPECT_EQ(h.pipeline->counters().acked, 10u);
  EXPECT_EQ(h.pipeline->counters().request_failures, 1u);
  for (const auto& [id, o] : h.outcomes) {
    ASSERT_EQ(o.attempts.size(), 2u);
    EXPECT_EQ(o.attempts[0].error_code, "network") << "no wire code: the kind names it";
  }
}

// Per-key ordering under retries: the fake fails random entries, requests are answered out of
// order, and yet each key's records are written in submission order, with at most one request per
// shard in flight.
TEST(ProducerPipelineTest, PerKeyOrderingHoldsUnderRetries) {
  ProducerConfig config = base_config();
  config.linger = 0ms;
  config.per_key_ordering = true;
  config.max_in_flight_requests = 8;
  Harness h(config, 3, /*seed=*/7);
  std::map<RecordId, std::pair<std::string, int>> what;  // id -> (key, index within key)
  for (int i = 0; i < 600; ++i) {
    const std::string key = "key-" + std::to_string(i % 12);
    RecordId id = h.submit(key);
    what[id] = {key, i / 12};
  }
  SeededRandom chaos(99);
  auto rule = [&](RecordId, int, const PutRecordsEntry&) -> std::optional<std::string> {
    const auto roll = chaos.below(100);
    if (roll < 20) return "ProvisionedThroughputExceededException";
    if (roll < 25) return "InternalFailure";
    return std::nullopt;
  };
  std::vector<Batch> out;
  for (int step = 0; step < 100000 && h.pipeline->live_records() > 0; ++step) {
    for (auto& b : h.pipeline->next_batches(h.now, 8)) out.push_back(std::move(b));
    // At most one request in flight per shard.
    std::map<ShardId, int> per_shard;
    for (const auto& b : out) {
      std::set<ShardId> shards;
      for (RecordId id : b.record_ids) shards.insert(*h.pipeline->shard_map()->shard_for(what[id].first));
      for (const auto& s : shards) EXPECT_LE(++per_shard[s], 1) << "two requests in flight on " << s;
    }
    if (!out.empty()) {
      // Answer a random one of the outstanding requests.
      const auto pick = chaos.below(out.size());
      Batch b = std::move(out[pick]);
      out.erase(out.begin() + static_cast<std::ptrdiff_t>(pick));
      h.pipeline->on_response(b.batch_id, h.stream.answer(b, rule), h.now);
    }
    h.collect();
    h.now += 5ms;
  }
  h.expect_all_settled();
  EXPECT_EQ(h.pipeline->counters().acked, 600u);
  // Written order per key is submission order.
  std::map<std::string, int> last;
  std::vector<std::pair<std::uint64_t, RecordId>> by_sequence;
  for (const auto& [id, o] : h.outcomes) by_sequence.emplace_back(std::stoull(o.sequence_number), id);
  std::sort(by_sequence.begin(), by_sequence.end());
  for (const auto& [seq, id] : by_sequence) {
    const auto& [key, index] = what[id];
    auto it = last.find(key);
    if (it != last.end()) {
      EXPECT_EQ(index, it->second + 1) << "key " << key << " out of order";
    }
    last[key] = index;
  }
}

// The resharding gap: key k's record is in flight on the parent shard when the map changes to two
// children. The child's queue knows nothing of the parent's request, so only the per-key barrier
// keeps k's next record back until the first is answered — and, when the first fails, until it is
// retried and answered too.
TEST(ProducerPipelineTest, PerKeyOrderingHoldsAcrossAReshardWithTheParentInFlight) {
  ProducerConfig config = base_config();
  config.linger = 0ms;
  config.per_key_ordering = true;
  config.max_in_flight_requests = 8;
  Harness h(config, 1);
  auto submit = [&](const std::string& key, const std::string& data) {
    auto id = h.pipeline->submit(UserRecord{key, data, {}}, h.now);
    EXPECT_TRUE(id.ok());
    h.submitted.insert(*id);
    return *id;
  };
  auto ids_of = [](const std::vector<Batch>& batches) {
    std::set<RecordId> ids;
    for (const auto& b : batches) ids.insert(b.record_ids.begin(), b.record_ids.end());
    return ids;
  };
  const RecordId first = submit("k", "k-0");
  auto parent_batches = h.pipeline->next_batches(h.now, 8);
  ASSERT_EQ(ids_of(parent_batches), std::set<RecordId>{first});

  // Split 1 -> 2 while the parent's request is out; the producer learns the new map.
  h.stream.reshard(even_shards(2, 1));
  h.pipeline->set_shard_map(map_of(h.stream.shards()), h.now);
  const RecordId second = submit("k", "k-1");
  const RecordId other = submit("other-key", "o-0");
  auto child_batches = h.pipeline->next_batches(h.now, 8);
  EXPECT_EQ(ids_of(child_batches).count(second), 0u) << "k's next record overtook the one in flight on the parent";
  EXPECT_EQ(ids_of(child_batches).count(other), 1u) << "the barrier is per key: other keys still flow";
  for (const auto& b : child_batches) h.pipeline->on_response(b.batch_id, h.stream.answer(b), h.now);

  // The parent's request comes back with k's record failed: it is retried before k-1 is sent.
  auto fail_first = [&](RecordId id, int, const PutRecordsEntry&) -> std::optional<std::string> {
    return id == first ? std::optional<std::string>("InternalFailure") : std::nullopt;
  };
  h.pipeline->on_response(parent_batches[0].batch_id, h.stream.answer(parent_batches[0], fail_first), h.now);
  for (int step = 0; step < 1000 && h.pipeline->live_records() > 0; ++step) {
    auto batches = h.pipeline->next_batches(h.now, 8);
    const auto ids = ids_of(batches);
    EXPECT_FALSE(ids.count(first) > 0 && ids.count(second) > 0) << "both of k's records in flight at once";
    for (const auto& b : batches) h.pipeline->on_response(b.batch_id, h.stream.answer(b), h.now);
    h.now += 10ms;
  }
  h.collect();
  h.expect_all_settled();
  // Written order of key k, over every shard: k-0 then k-1, each once.
  std::vector<std::string> k_written;
  for (const auto& [shard, entries] : h.stream.written()) {
    for (const auto& entry : entries) {
      if (entry.partition_key == "k") k_written.push_back(entry.data);
    }
  }
  EXPECT_EQ(k_written, (std::vector<std::string>{"k-0", "k-1"}));
  EXPECT_LT(std::stoull(h.outcomes.at(first).sequence_number), std::stoull(h.outcomes.at(second).sequence_number));
}

TEST(ProducerPipelineTest, BufferFailsFastWhenFull) {
  ProducerConfig config = base_config();
  config.linger = 0ms;
  config.max_record_bytes = 1000;
  config.max_buffered_bytes = 3000;
  Harness h(config, 1);
  h.submit("k", 999);
  h.submit("k", 999);
  h.submit("k", 999);
  EXPECT_FALSE(h.pipeline->has_room(1000));
  auto full = h.pipeline->submit(rec("k", 999), h.now);
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().kind, ErrorKind::kLimitExceeded);
  EXPECT_EQ(full.error().code, "BufferFull");
  h.pump();
  EXPECT_TRUE(h.pipeline->has_room(3000));
  EXPECT_TRUE(h.pipeline->submit(rec("k", 999), h.now).ok());
}

TEST(ProducerPipelineTest, StaleRoutingAsksForANewShardMap) {
  ProducerConfig config = base_config();
  config.linger = 0ms;
  config.shard_map_min_refresh_gap = 1000ms;
  Harness h(config, 2);
  EXPECT_FALSE(h.pipeline->needs_shard_map(h.now));
  // The stream is split to 4 shards behind the producer's back.
  h.stream.reshard(even_shards(4, 2));
  h.submit("k1");
  h.pump();
  EXPECT_EQ(h.pipeline->counters().acked, 1u);
  EXPECT_FALSE(h.pipeline->needs_shard_map(h.now + 999ms)) << "refreshes are spaced";
  EXPECT_TRUE(h.pipeline->needs_shard_map(h.now + 1000ms));
  h.now += 1000ms;
  h.pipeline->set_shard_map(map_of(h.stream.shards()), h.now);
  EXPECT_FALSE(h.pipeline->needs_shard_map(h.now));
  // Periodic refresh.
  EXPECT_TRUE(h.pipeline->needs_shard_map(h.now + config.shard_map_refresh_interval));
}

TEST(ProducerPipelineTest, ClosedShardErrorRefreshesAndRetries) {
  ProducerConfig config = base_config();
  config.linger = 0ms;
  Harness h(config, 1);
  h.submit("k");
  auto batches = h.pipeline->next_batches(h.now, 1);
  ASSERT_EQ(batches.size(), 1u);
  PutRecordsResponse response;
  response.failed_record_count = 1;
  response.records.push_back(
      PutRecordsResultEntry{{}, {}, "InvalidArgumentException", "Shard shardId-000000000000 is closed"});
  h.pipeline->on_response(batches[0].batch_id, response, h.now);
  EXPECT_TRUE(h.pipeline->needs_shard_map(h.now + 1000ms));
  h.run_to_end(nullptr);
  h.expect_all_settled();
  EXPECT_EQ(h.pipeline->counters().acked, 1u);
}

// The invariant over a long randomized run: random per-record and whole-request failures (retryable
// and not), answers out of order and late, reshardings, TTL expiry, flushes. Every submitted record
// ends exactly once, acked or failed with a reason.
TEST(ProducerPipelineTest, NoSilentDropUnderRandomFaults) {
  for (std::uint64_t seed : {1u, 2u, 3u, 4u, 5u}) {
    ProducerConfig config = base_config();
    config.linger = 20ms;
    config.shard_records_per_second = 1000;
    config.shard_bytes_per_second = 1024 * 1024;
    config.record_ttl = 2000ms;
    config.max_in_flight_requests = 6;
    config.per_key_ordering = seed % 2 == 0;
    config.max_buffered_bytes = 2 * 1024 * 1024;
    Harness h(config, 2, seed);
    SeededRandom chaos(seed * 1000 + 17);
    auto rule = [&](RecordId, int, const PutRecordsEntry&) -> std::optional<std::string> {
      const auto roll = chaos.below(1000);
      if (roll < 100) return "ProvisionedThroughputExceededException";
      if (roll < 120) return "InternalFailure";
      if (roll < 122) return "ValidationException";  // non-retryable: fails the record
      return std::nullopt;
    };
    std::vector<Batch> out;
    std::uint64_t rejected = 0;
    int next_shard = 2;
    for (int step = 0; step < 3000; ++step) {
      if (step < 2000) {
        const auto n = chaos.below(20);
        for (std::uint64_t i = 0; i < n; ++i) {
          auto id = h.pipeline->submit(rec("key-" + std::to_string(chaos.below(50)), 1 + chaos.below(4000)), h.now);
          if (id) h.submitted.insert(*id);
          else ++rejected;
        }
      }
      if (chaos.below(500) == 0) {
        const int n = 1 + static_cast<int>(chaos.below(4));
        h.stream.reshard(even_shards(n, next_shard));
        next_shard += n;
      }
      if (h.pipeline->needs_shard_map(h.now)) {
        h.pipeline->shard_map_requested(h.now);
        if (chaos.below(10) == 0) h.pipeline->shard_map_failed(Error::network("reset"), h.now);
        else h.pipeline->set_shard_map(map_of(h.stream.shards()), h.now);
      }
      if (chaos.below(200) == 0) h.pipeline->flush_all();
      for (auto& b : h.pipeline->next_batches(h.now, 6)) out.push_back(std::move(b));
      while (!out.empty() && chaos.below(3) != 0) {
        const auto pick = chaos.below(out.size());
        Batch b = std::move(out[pick]);
        out.erase(out.begin() + static_cast<std::ptrdiff_t>(pick));
        const auto roll = chaos.below(100);
        if (roll < 5) {
          h.pipeline->on_response(b.batch_id, Error::network("connection reset by peer"), h.now);
        } else if (roll < 6) {
          h.pipeline->on_response(b.batch_id, aws::make_aws_error("AccessDeniedException", "no", 400), h.now);
        } else {
          h.pipeline->on_response(b.batch_id, h.stream.answer(b, rule), h.now);
        }
      }
      h.collect();
      h.now += std::chrono::milliseconds(1 + chaos.below(10));
    }
    // Drain: answer everything still out, then let the rest finish or expire.
    for (auto& b : out) h.pipeline->on_response(b.batch_id, h.stream.answer(b), h.now);
    h.run_to_end(nullptr, 10ms);
    SCOPED_TRACE("seed " + std::to_string(seed));
    h.expect_all_settled();
    const auto& c = h.pipeline->counters();
    EXPECT_GT(c.acked, 0u);
    EXPECT_GT(c.retried, 0u);
    EXPECT_GT(c.failed, 0u);
    EXPECT_GT(c.shard_map_refreshes, 1u);
    for (const auto& [id, o] : h.outcomes) {
      EXPECT_FALSE(o.attempts.empty() && o.error.code != "RecordExpired") << "record " << id;
      if (o.acked) {
        EXPECT_EQ(h.stream.writes(id), 1) << "acked record " << id << " written more than once";
      }
    }
  }
}

TEST(LatencyHistogramTest, PercentilesWithinBucketPrecision) {
  LatencyHistogram hist;
  for (int i = 1; i <= 1000; ++i) hist.record(std::chrono::milliseconds(i));
  EXPECT_EQ(hist.count(), 1000u);
  const auto p50 = hist.percentile(0.5).count();
  const auto p99 = hist.percentile(0.99).count();
  EXPECT_NEAR(static_cast<double>(p50), 500000.0, 500000.0 * 0.07);
  EXPECT_NEAR(static_cast<double>(p99), 990000.0, 990000.0 * 0.07);
  EXPECT_EQ(hist.max().count(), 1000000);
  EXPECT_EQ(hist.percentile(1.0).count(), 1000000);
}

}  // namespace
}  // namespace kwb::kinesis::producer
