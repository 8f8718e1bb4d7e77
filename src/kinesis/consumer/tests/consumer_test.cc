#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <unistd.h>

#include "kinesis/consumer/checkpoint.h"
#include "kinesis/consumer/consumer.h"
#include "kinesis/consumer/coordinator.h"
#include "kinesis/consumer/tests/fake_kinesis.h"

namespace kwb::kinesis::consumer {
namespace {

using namespace std::chrono_literals;
using testing::FakeKinesis;

const Instant kT0 = Instant(std::chrono::hours(1000));

ConsumerConfig config() {
  ConsumerConfig c;
  c.stream = StreamName("s");
  return c;
}

// Drives a ConsumerCore synchronously against the fake: every action is executed at once, and time
// jumps to the core's next wakeup. Deterministic: no threads, no wall clock.
struct CoreRun {
  CoreRun(ConsumerConfig config, std::map<ShardId, std::string> checkpoints = {}, CheckpointStore* store = nullptr)
      : random(3), fake([this] { return now; }), core(config, std::move(checkpoints), random, kT0), store(store),
        stream(config.stream.name()) {}

  void step() {
    while (auto action = core.next_action(now)) {
      switch (action->kind) {
        case Action::Kind::kListShards: core.on_shards(fake.list_shards(StreamName("s")), now); break;
        case Action::Kind::kGetShardIterator:
          core.on_iterator(action->shard_id, fake.get_shard_iterator(action->iterator_request), now);
          break;
        case Action::Kind::kGetRecords: {
          Delivery d = core.on_records(action->shard_id, fake.get_records(action->records_request), now);
          for (const Record& r : d.records) delivered.emplace_back(d.shard_id, r);
          if (store != nullptr && d.checkpoint) {
            EXPECT_TRUE(store->save(stream, d.shard_id, *d.checkpoint).ok());
          }
          core.delivered(d.shard_id, now);
          break;
        }
      }
    }
    auto wake = core.next_wakeup(now);
    now = wake ? std::max(*wake, now + 1ms) : now + 10ms;
  }
  // Steps until `n` records were delivered or the limit of simulated time passes.
  void until_delivered(std::size_t n, std::chrono::seconds limit = 120s) {
    const Instant end = now + limit;
    while (delivered.size() < n && now < end) step();
  }
  void for_a_while(std::chrono::milliseconds d) {
    const Instant end = now + d;
    while (now < end) step();
  }
  std::map<std::string, int> counts() const {
    std::map<std::string, int> out;
    for (const auto& [shard, r] : delivered) ++out[r.data];
    return out;
  }

  SeededRandom random;
  Instant now = kT0;
  FakeKinesis fake;
  ConsumerCore core;
  CheckpointStore* store;
  std::string stream;
  std::vector<std::pair<ShardId, Record>> delivered;
};

void expect_each_once(const CoreRun& run, std::size_t total) {
  auto counts = run.counts();
  EXPECT_EQ(counts.size(), total);
  for (const auto& [data, n] : counts) EXPECT_EQ(n, 1) << data << " delivered " << n << " times";
}

TEST(ConsumerConfigTest, Validates) {
  ConsumerConfig c = config();
  EXPECT_TRUE(validate(c).ok());
  c.start = StartPosition::kAtTimestamp;
  EXPECT_EQ(validate(c).error().field, "start_timestamp");
  c = config();
  c.get_records_per_second = 6;
  EXPECT_EQ(validate(c).error().field, "get_records_per_second");
}

TEST(ConsumerCoreTest, ReadsEveryShardInOrder) {
  CoreRun run(config());
  for (int i = 0; i < 4; ++i) run.fake.add_shard("shard-" + std::to_string(i), 10, false);
  run.until_delivered(40);
  expect_each_once(run, 40);
  // Each shard's records in shard order.
  std::map<ShardId, int> next;
  for (const auto& [shard, r] : run.delivered) {
    EXPECT_EQ(r.data, shard.str() + "#" + std::to_string(next[shard]++));
  }
}

TEST(ConsumerCoreTest, PacesGetRecordsUnderFivePerSecondPerShard) {
  CoreRun run(config());
  run.fake.set_page_size(1);
  run.fake.add_shard("shard-0", 30, false);
  run.fake.add_shard("shard-1", 30, false);
  run.until_delivered(60);
  expect_each_once(run, 60);
  std::map<ShardId, std::vector<Instant>> times;
  for (const auto& call : run.fake.calls()) {
    if (call.op == "GetRecords") times[call.shard].push_back(call.at);
  }
  for (const auto& [shard, t] : times) {
    ASSERT_GE(t.size(), 30u);
    for (std::size_t i = 5; i < t.size(); ++i) {
      EXPECT_GE(t[i] - t[i - 5], 1000ms) << "6 calls within a second on " << shard;
    }
  }
}

// 2 -> 4: shard-0 splits into shard-2 and shard-3, shard-1 into shard-4 and shard-5.
void add_split_stream(FakeKinesis& fake) {
  fake.add_shard("shard-0", 10, true);
  fake.add_shard("shard-1", 10, true);
  fake.add_shard("shard-2", 5, false, {"shard-0"});
  fake.add_shard("shard-3", 5, false, {"shard-0"});
  fake.add_shard("shard-4", 5, false, {"shard-1"});
  fake.add_shard("shard-5", 5, false, {"shard-1"});
}

void expect_parents_first(const CoreRun& run, const std::map<std::string, std::vector<std::string>>& parents) {
  std::map<std::string, std::size_t> first, last;
  for (std::size_t i = 0; i < run.delivered.size(); ++i) {
    const std::string& shard = run.delivered[i].first.str();
    if (!first.count(shard)) first[shard] = i;
    last[shard] = i;
  }
  for (const auto& [child, ps] : parents) {
    ASSERT_TRUE(first.count(child)) << child << " never read";
    for (const auto& p : ps) {
      ASSERT_TRUE(last.count(p)) << p << " never read";
      EXPECT_GT(first[child], last[p]) << child << " delivered before its parent " << p << " finished";
    }
  }
  // No iterator was even asked for a child before its parents' end was seen.
  std::map<std::string, Instant> end_seen;
  for (const auto& call : run.fake.calls()) {
    if (call.op != "GetShardIterator") continue;
    end_seen.emplace(call.shard.str(), call.at);
  }
  for (const auto& [child, ps] : parents) {
    for (const auto& p : ps) EXPECT_GT(end_seen[child], end_seen[p]);
  }
}

TEST(ConsumerCoreTest, ParentsBeforeChildrenAcrossASplit) {
  CoreRun run(config());
  add_split_stream(run.fake);
  run.until_delivered(40);
  expect_each_once(run, 40);
  expect_parents_first(run, {{"shard-2", {"shard-0"}}, {"shard-3", {"shard-0"}}, {"shard-4", {"shard-1"}},
                             {"shard-5", {"shard-1"}}});
  const auto finished = run.core.finished_shards();
  EXPECT_EQ(finished.size(), 2u);
  EXPECT_FALSE(run.core.finished());  // the children are open
}

TEST(ConsumerCoreTest, ReshardDiscoveredThroughChildShardsWhileReading) {
  CoreRun run(config());
  run.fake.add_shard("shard-0", 6, false);
  run.until_delivered(6);
  // Split after the consumer started: the children appear only through ChildShards (the periodic
  // listing is 30 s away).
  run.fake.add_shard("shard-1", 4, false, {"shard-0"});
  run.fake.add_shard("shard-2", 4, false, {"shard-0"});
  run.fake.close("shard-0");
  run.until_delivered(14, 10s);
  expect_each_once(run, 14);
  EXPECT_LT(run.now, kT0 + 30s);
}

TEST(ConsumerCoreTest, MergeWaitsForBothParents) {
  CoreRun run(config());
  run.fake.add_shard("shard-0", 3, true);
  run.fake.add_shard("shard-1", 30, true);  // the slow parent
  run.fake.add_shard("shard-2", 5, false, {"shard-0", "shard-1"});
  run.until_delivered(38);
  expect_each_once(run, 38);
  expect_parents_first(run, {{"shard-2", {"shard-0", "shard-1"}}});
}

TEST(ConsumerCoreTest, ExpiredIteratorIsRenewedWithoutLossOrDuplicates) {
  CoreRun run(config());
  run.fake.add_shard("shard-0", 12, false);
  run.until_delivered(6);
  run.fake.expire_next("shard-0");
  run.until_delivered(12);
  run.for_a_while(2s);
  expect_each_once(run, 12);
  EXPECT_EQ(run.core.stats().iterator_renewals, 1u);
  std::vector<std::string> iterator_calls;
  for (const auto& c : run.fake.calls()) {
    if (c.op == "GetShardIterator") iterator_calls.push_back(c.detail);
  }
  ASSERT_EQ(iterator_calls.size(), 2u);
  EXPECT_EQ(iterator_calls[0], "TRIM_HORIZON");
  EXPECT_EQ(iterator_calls[1].rfind("AFTER_SEQUENCE_NUMBER ", 0), 0u) << iterator_calls[1];
}

TEST(ConsumerCoreTest, IteratorExpiredBeforeAnyRecordRestartsAtTheStartPosition) {
  CoreRun run(config());
  run.fake.add_shard("shard-0", 5, false);
  run.fake.expire_next("shard-0");
  run.until_delivered(5);
  run.for_a_while(1s);
  expect_each_once(run, 5);
  std::vector<std::string> iterator_calls;
  for (const auto& c : run.fake.calls()) {
    if (c.op == "GetShardIterator") iterator_calls.push_back(c.detail);
  }
  EXPECT_EQ(iterator_calls, (std::vector<std::string>{"TRIM_HORIZON", "TRIM_HORIZON"}));
}

TEST(ConsumerCoreTest, ThrottlingBacksOff) {
  CoreRun run(config());
  run.fake.add_shard("shard-0", 6, false);
  run.fake.throttle_next("shard-0", 4);
  run.until_delivered(6);
  expect_each_once(run, 6);
  EXPECT_EQ(run.core.stats().throttled, 4u);
  std::vector<Instant> t;
  for (const auto& c : run.fake.calls()) {
    if (c.op == "GetRecords") t.push_back(c.at);
  }
  ASSERT_GE(t.size(), 5u);
  // Four throttled calls then the first good one: the gaps add up to more than plain pacing (4 x
  // 200 ms) because each retry also waits out a growing, jittered backoff.
  EXPECT_GT(t[4] - t[0], 800ms);
}

TEST(ConsumerCoreTest, LatestSkipsClosedShardsAndOldRecords) {
  ConsumerConfig c = config();
  c.start = StartPosition::kLatest;
  CoreRun run(c);
  run.fake.add_shard("shard-0", 10, true);
  run.fake.add_shard("shard-1", 10, false, {"shard-0"});
  run.for_a_while(2s);
  EXPECT_TRUE(run.delivered.empty());
  run.fake.append("shard-1", 3);
  run.until_delivered(3, 5s);
  ASSERT_EQ(run.delivered.size(), 3u);
  EXPECT_EQ(run.delivered[0].second.data, "shard-1#10");
}

TEST(ConsumerCoreTest, AtTimestampStartsAtTheFirstRecordAtOrAfterIt) {
  ConsumerConfig c = config();
  c.start = StartPosition::kAtTimestamp;
  c.start_timestamp = SystemTimePoint(std::chrono::seconds(1000 + 8));  // the fake's 8th record
  CoreRun run(c);
  run.fake.add_shard("shard-0", 10, false);
  run.until_delivered(3, 5s);
  run.for_a_while(1s);
  ASSERT_EQ(run.delivered.size(), 3u);
  EXPECT_EQ(run.delivered[0].second.data, "shard-0#7");
}

// ---- Checkpoints ----

std::filesystem::path temp_path(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("kwb_consumer_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = dir / name;
  std::filesystem::remove(path);
  return path;
}

void resume_from(const std::function<std::unique_ptr<CheckpointStore>()>& open_store) {
  std::vector<std::pair<std::string, int>> appended;
  {
    auto store = open_store();
    CoreRun run(config(), {}, store.get());
    add_split_stream(run.fake);
    run.until_delivered(40);
    expect_each_once(run, 40);
  }
  // A new consumer over the same store: parents are at SHARD_END, children resume after their
  // last record, so only records written since are delivered.
  auto store = open_store();
  auto checkpoints = store->load("s");
  ASSERT_TRUE(checkpoints.ok());
  EXPECT_EQ(checkpoints->at(ShardId("shard-0")), kShardEnd);
  EXPECT_EQ(checkpoints->size(), 6u);
  CoreRun run(config(), *checkpoints, store.get());
  add_split_stream(run.fake);
  run.fake.append("shard-3", 2);
  run.fake.append("shard-5", 1);
  run.until_delivered(3, 10s);
  run.for_a_while(2s);
  ASSERT_EQ(run.delivered.size(), 3u);
  auto counts = run.counts();
  EXPECT_EQ(counts.count("shard-3#5"), 1u);
  EXPECT_EQ(counts.count("shard-3#6"), 1u);
  EXPECT_EQ(counts.count("shard-5#5"), 1u);
  for (const auto& c : run.fake.calls()) {
    EXPECT_NE(c.shard.str(), "shard-0") << "a finished parent was read again";
  }
}

TEST(CheckpointTest, ResumeFromFile) {
  const auto path = temp_path("checkpoints.json");
  resume_from([&] { return std::unique_ptr<CheckpointStore>(std::move(*FileCheckpointStore::open(path))); });
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".tmp"));
}

TEST(CheckpointTest, ResumeFromSqlite) {
  const auto path = temp_path("checkpoints.db");
  resume_from([&] { return std::unique_ptr<CheckpointStore>(std::move(*SqliteCheckpointStore::open(path))); });
}

TEST(CheckpointTest, FileStoreRejectsForeignFiles) {
  const auto path = temp_path("foreign.json");
  std::ofstream(path) << "[1,2,3]";
  auto store = FileCheckpointStore::open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().kind, ErrorKind::kParse);
}

TEST(CheckpointTest, StoresKeepStreamsApart) {
  auto sqlite = std::move(*SqliteCheckpointStore::open(temp_path("apart.db")));
  auto file = std::move(*FileCheckpointStore::open(temp_path("apart.json")));
  for (CheckpointStore* store : {static_cast<CheckpointStore*>(sqlite.get()), static_cast<CheckpointStore*>(file.get())}) {
    ASSERT_TRUE(store->save("a", ShardId("shard-0"), "1").ok());
    ASSERT_TRUE(store->save("a", ShardId("shard-0"), "2").ok());
    ASSERT_TRUE(store->save("b", ShardId("shard-0"), "9").ok());
    EXPECT_EQ(store->load("a")->at(ShardId("shard-0")), "2");
    EXPECT_EQ(store->load("b")->at(ShardId("shard-0")), "9");
    EXPECT_TRUE(store->load("c")->empty());
  }
}

// ---- The threaded driver ----

TEST(ConsumerTest, ThreadedReadersDeliverEveryRecordOfAClosedStream) {
  ManualClock clock(SystemTimePoint(std::chrono::hours(1000)));
  // Each GetRecords "takes" 100 ms of simulated time, so pacing and backoff progress as the readers
  // work; nothing waits on the wall clock for time to pass.
  FakeKinesis fake([&] { return clock.steady_now(); }, [&] { clock.advance(100ms); });
  fake.add_shard("shard-0", 10, true);
  fake.add_shard("shard-1", 10, true);
  fake.add_shard("shard-2", 7, true, {"shard-0"});
  fake.add_shard("shard-3", 7, true, {"shard-0"});
  fake.add_shard("shard-4", 7, true, {"shard-1", "shard-0"});
  fake.throttle_next("shard-1", 2);
  fake.expire_next("shard-2", 1);
  std::mutex mutex;
  std::map<std::string, int> seen;
  SeededRandom random(5);
  auto store = std::move(*FileCheckpointStore::open(temp_path("threaded.json")));
  ConsumerConfig c = config();
  c.reader_threads = 3;
  c.backoff_base = 10ms;
  c.backoff_cap = 50ms;
  auto consumer = Consumer::start(
      c, fake,
      [&](const ShardId&, const Record& r) {
        std::lock_guard lock(mutex);
        ++seen[r.data];
      },
      clock, random, store.get());
  ASSERT_TRUE(consumer.ok());
  // A reader waiting only on backoff needs time to move: nudge the clock while waiting.
  std::atomic<bool> done{false};
  std::jthread nudger([&](std::stop_token stop) {
    while (!stop.stop_requested() && !done) {
      clock.advance(10ms);
      std::this_thread::yield();
    }
  });
  ASSERT_TRUE((*consumer)->wait_until_finished(600000ms).ok());
  done = true;
  (*consumer)->stop();
  EXPECT_EQ(seen.size(), 41u);
  for (const auto& [data, n] : seen) EXPECT_EQ(n, 1) << data;
  const auto stats = (*consumer)->stats();
  EXPECT_EQ(stats.throttled, 2u);
  EXPECT_EQ(stats.iterator_renewals, 1u);
  EXPECT_EQ(stats.shards_finished, 5u);
  EXPECT_TRUE((*consumer)->failed_shards().empty());
  EXPECT_EQ(store->load("s")->at(ShardId("shard-4")), kShardEnd);
}

}  // namespace
}  // namespace kwb::kinesis::consumer
