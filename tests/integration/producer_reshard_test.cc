// The producer's ordering mode across a resharding, against real servers on 127.0.0.1:
//   - `kwb emulator` (a child process): UpdateShardCount 2 -> 4 while records are in flight, with
//     jittered PutRecords latency and 5% of records failing (InternalFailure) to be retried;
//   - kinesalite (npm, tests/peers, started through the loopback.js preload): it has no
//     UpdateShardCount, so the same run splits one of its two shards with SplitShard instead.
//
// Each run produces kKeys keys x kPerKey records in ordering mode (record n of a key carries n),
// reshards once a quarter of the records are acked and the rest are still queued or in flight,
// then reads every shard back in lineage order — a shard only after its ParentShardId and
// AdjacentParentShardId were read to their end — and checks that each key reads exactly
// 0, 1, ..., kPerKey - 1: in produce order, nothing lost, nothing twice.
//
// Bounded: 2,560 records, a few seconds per server; every wait has a deadline.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "aws/session.h"
#include "core/clock.h"
#include "core/environment.h"
#include "core/random.h"
#include "harness/kwb_emulator.h"
#include "harness/net.h"
#include "harness/process.h"
#include "kinesis/client.h"
#include "kinesis/producer/producer.h"
#include "kinesis/waiters.h"

namespace kwb::kinesis {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::EnvMap;
using testing::TempDir;

constexpr const char* kKwb = KWB_CLI_BINARY;
constexpr int kKeys = 64;
constexpr int kPerKey = 40;
constexpr const char* kStream = "ordered";

// A client of one endpoint with dummy credentials (the servers do not check signatures here).
class Endpoint {
 public:
  explicit Endpoint(const std::string& url)
      : env_({{"AWS_ACCESS_KEY_ID", "test"},
              {"AWS_SECRET_ACCESS_KEY", "test"},
              {"AWS_REGION", "us-east-1"},
              {"HOME", home_.path()}}) {
    aws::SessionOptions options;
    options.endpoint_url = url;
    auto session = aws::AwsSession::create(options, env_, SystemClock::instance(), process_random());
    if (session) {
      session_ = std::move(*session);
      client_ = std::make_unique<Client>(Client::from_session(*session_));
    } else {
      error_ = session.error().describe();
    }
  }
  [[nodiscard]] bool ok() const { return client_ != nullptr; }
  [[nodiscard]] const std::string& error() const { return error_; }
  Client& client() { return *client_; }
  // Operations our Client has no method for (SplitShard), straight through the signed JSON call.
  Result<nlohmann::json> raw(const std::string& operation, const nlohmann::json& body) {
    return session_->client(aws::Service::kKinesis).call_json("Kinesis_20131202", operation, body);
  }

 private:
  TempDir home_;
  MapEnvironment env_;
  std::unique_ptr<aws::AwsSession> session_;
  std::unique_ptr<Client> client_;
  std::string error_;
};

WaitOptions quick_wait() { return WaitOptions{20ms, 200ms, 1.5, 30s}; }

// Every record of one shard from TRIM_HORIZON: to its end when closed, until caught up when open.
Result<std::vector<Record>> read_shard(Client& client, const StreamRef& stream, const Shard& shard) {
  std::vector<Record> records;
  auto iterator = client.get_shard_iterator({stream, shard.shard_id, ShardIteratorType::kTrimHorizon, {}, {}});
  if (!iterator) return iterator.error();
  std::string next = iterator->shard_iterator;
  for (int page_count = 0; page_count < 10000; ++page_count) {
    auto page = client.get_records({next, 10000, std::nullopt});
    if (!page) return page.error();
    for (auto& record : page->records) records.push_back(std::move(record));
    if (!page->next_shard_iterator) return records;  // closed and read to its end
    if (shard.is_open() && page->records.empty() && page->millis_behind_latest.value_or(0) == 0) return records;
    next = *page->next_shard_iterator;
  }
  return Error::timeout("shard " + shard.shard_id.str() + " did not end within 10,000 pages");
}

// Reads every shard, parents (as far as the listing has them) before children; each key's
// payload numbers in the order a lineage-following consumer sees them.
Result<std::map<std::string, std::vector<int>>> read_in_lineage_order(Client& client, const StreamRef& stream,
                                                                      std::string* lineage_log) {
  auto shards = client.list_all_shards(stream);
  if (!shards) return shards.error();
  std::set<std::string> listed;
  for (const Shard& shard : *shards) listed.insert(shard.shard_id.str());
  std::set<std::string> done;
  std::map<std::string, std::vector<int>> per_key;
  while (done.size() < shards->size()) {
    bool progressed = false;
    for (const Shard& shard : *shards) {
      if (done.count(shard.shard_id.str()) > 0) continue;
      auto waiting_on = [&](const std::optional<ShardId>& parent) {
        return parent && listed.count(parent->str()) > 0 && done.count(parent->str()) == 0;
      };
      if (waiting_on(shard.parent_shard_id) || waiting_on(shard.adjacent_parent_shard_id)) continue;
      auto records = read_shard(client, stream, shard);
      if (!records) return records.error();
      *lineage_log += shard.shard_id.str() + " (parent " +
                      (shard.parent_shard_id ? shard.parent_shard_id->str() : std::string("-")) + ", " +
                      std::to_string(records->size()) + " records" + (shard.is_open() ? ", open" : ", closed") + ")\n";
      for (const Record& record : *records) {
        const auto slash = record.data.find('/');
        if (slash == std::string::npos) return Error::parse("unexpected payload " + record.data);
        per_key[record.partition_key].push_back(std::stoi(record.data.substr(slash + 1)));
      }
      done.insert(shard.shard_id.str());
      progressed = true;
    }
    if (!progressed) return Error::parse("the shard lineage has a cycle");
  }
  return per_key;
}

// One run: produce in ordering mode, call `reshard` mid-run, read back, check every key.
void produce_across_reshard(Endpoint& endpoint, const std::function<Status(Endpoint&)>& reshard) {
  Client& client = endpoint.client();
  const StreamRef stream{StreamName(kStream)};
  CreateStreamRequest create;
  create.stream_name = StreamName(kStream);
  create.shard_count = 2;
  ASSERT_TRUE(client.create_stream(create).ok());
  auto active = wait_for_stream_active(client, stream, SystemClock::instance(), quick_wait());
  ASSERT_TRUE(active.ok()) << active.error();

  producer::ClientSender sender(client);
  producer::ProducerConfig config;
  config.stream = stream;
  config.per_key_ordering = true;
  config.linger = 5ms;
  config.retry_base = 20ms;
  config.retry_cap = 400ms;
  config.record_ttl = 60s;
  config.shard_map_min_refresh_gap = 100ms;  // react to the resharding quickly
  auto started = producer::Producer::start(config, sender, SystemClock::instance(), process_random());
  ASSERT_TRUE(started.ok()) << started.error();
  producer::Producer& out = **started;

  std::atomic<int> acked{0};
  std::atomic<int> failed{0};
  std::mutex failures_mutex;
  std::string failures;
  auto submit = [&](int n, int key) {
    producer::UserRecord record{"key-" + std::to_string(key), "key-" + std::to_string(key) + "/" + std::to_string(n),
                                std::nullopt};
    auto accepted = out.put(std::move(record), [&](const producer::RecordOutcome& outcome) {
      if (outcome.acked) {
        acked.fetch_add(1);
        return;
      }
      failed.fetch_add(1);
      std::lock_guard lock(failures_mutex);
      failures += outcome.error.describe() + "\n";
    });
    ASSERT_TRUE(accepted.ok()) << accepted.error();
  };
  // The first half, keys interleaved (record n of every key before record n + 1 of any).
  for (int n = 0; n < kPerKey / 2; ++n) {
    for (int key = 0; key < kKeys; ++key) submit(n, key);
  }
  // Reshard while the rest of the first half is queued or in flight.
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (acked.load() < kKeys * kPerKey / 4 && failed.load() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);  // waiting on a real server, not on logic under test
  }
  ASSERT_LT(acked.load(), kKeys * kPerKey / 2) << "the first half settled before the resharding: no overlap tested";
  Status resharded = reshard(endpoint);
  ASSERT_TRUE(resharded.ok()) << resharded.error();
  for (int n = kPerKey / 2; n < kPerKey; ++n) {
    for (int key = 0; key < kKeys; ++key) submit(n, key);
  }
  Status closed = out.close(90s);
  ASSERT_TRUE(closed.ok()) << closed.error();
  EXPECT_EQ(failed.load(), 0) << failures;
  EXPECT_EQ(acked.load(), kKeys * kPerKey);
  EXPECT_GE(out.counters().shard_map_refreshes, 2u) << "the producer never noticed the resharding";

  std::string lineage;
  auto per_key = read_in_lineage_order(client, stream, &lineage);
  ASSERT_TRUE(per_key.ok()) << per_key.error();
  EXPECT_EQ(per_key->size(), static_cast<std::size_t>(kKeys)) << lineage;
  std::vector<int> expected(kPerKey);
  for (int n = 0; n < kPerKey; ++n) expected[n] = n;
  int bad_keys = 0;
  for (const auto& [key, numbers] : *per_key) {
    if (numbers != expected && ++bad_keys <= 5) {
      std::string seen;
      for (int n : numbers) seen += std::to_string(n) + " ";
      ADD_FAILURE() << key << " read as: " << seen << "\nshards:\n" << lineage;
    }
  }
  EXPECT_EQ(bad_keys, 0);
  auto shards = client.list_all_shards(stream);
  ASSERT_TRUE(shards.ok());
  EXPECT_GT(shards->size(), 2u) << "no resharding happened";
}

TEST(ProducerReshardTest, KwbEmulatorUpdateShardCountKeepsEveryKeyInOrder) {
  TempDir home;
  // Jittered latency lets two requests in flight at once be written in either order, and partial
  // failures send records back for another attempt: both are how a child shard's request could
  // overtake its parent's last one. Seeded, so the same faults repeat.
  testing::KwbEmulatorProcess emulator(
      kKwb, home.path(),
      {"--seed", "11", "--fault", "operation=PutRecords,partial_failure_rate=0.05,latency_ms=1,jitter_ms=25"});
  ASSERT_TRUE(emulator.start()) << emulator.error();
  Endpoint endpoint(emulator.endpoint());
  ASSERT_TRUE(endpoint.ok()) << endpoint.error();
  produce_across_reshard(endpoint, [](Endpoint& e) -> Status {
    UpdateShardCountRequest request;
    request.stream = StreamRef{StreamName(kStream)};
    request.target_shard_count = 4;
    auto updated = e.client().update_shard_count(request);
    if (!updated) return updated.error();
    auto active =
        wait_for_stream_active(e.client(), StreamRef{StreamName(kStream)}, SystemClock::instance(), quick_wait());
    if (!active) return active.error();
    return ok_status();
  });
}

// kinesalite 3.3.3 implements SplitShard and MergeShards but not UpdateShardCount.
TEST(ProducerReshardTest, KinesaliteSplitShardKeepsEveryKeyInOrder) {
  const std::string peers = std::string(KWB_SOURCE_DIR) + "/tests/peers";
  const std::string cli = peers + "/node_modules/kinesalite/cli.js";
  ASSERT_TRUE(std::filesystem::exists(cli)) << cli << " is missing: run scripts/bootstrap.sh (npm ci in tests/peers)";
  const int port = testing::pick_free_port();
  ASSERT_GT(port, 0);
  ChildProcess kinesalite({KWB_NODE_BINARY, "-r", peers + "/loopback.js", cli, "--port", std::to_string(port),
                           "--createStreamMs", "0", "--updateStreamMs", "0", "--deleteStreamMs", "0"},
                          EnvMap{{"PATH", "/usr/local/bin:/usr/bin:/bin"}, {"HOME", "/tmp"}});
  ASSERT_TRUE(testing::wait_for_port(port, 30s)) << kinesalite.stdout_text() << kinesalite.stderr_text();
  Endpoint endpoint("http://127.0.0.1:" + std::to_string(port));
  ASSERT_TRUE(endpoint.ok()) << endpoint.error();
  produce_across_reshard(endpoint, [](Endpoint& e) -> Status {
    // Split the first shard at the middle of its range.
    auto shards = e.client().list_all_shards(StreamRef{StreamName(kStream)});
    if (!shards) return shards.error();
    const Shard& first = shards->front();
    // The first of two uniform shards covers [0, 2^127): split it at 2^126.
    auto split = e.raw("SplitShard", {{"StreamName", kStream},
                                      {"ShardToSplit", first.shard_id.str()},
                                      {"NewStartingHashKey", "85070591730234615865843651857942052864"}});
    if (!split) return split.error();
    auto active =
        wait_for_stream_active(e.client(), StreamRef{StreamName(kStream)}, SystemClock::instance(), quick_wait());
    if (!active) return active.error();
    return ok_status();
  });
}

}  // namespace
}  // namespace kwb::kinesis
