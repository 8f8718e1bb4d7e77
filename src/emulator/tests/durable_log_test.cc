// The durable record log and the stream store behind --data-dir: frames written and read back,
// torn tails truncated on recovery, corruption refused, segments rolled and trimmed without losing
// the next counter, and a whole engine (streams, lineage, tags, records, iterators) restarted.

#include "emulator/durable_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/clock.h"
#include "core/random.h"
#include "emulator/backend.h"
#include "emulator/crc32c.h"
#include "emulator/engine.h"

namespace kwb::emulator {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    path_ = fs::path(::testing::TempDir()) / ("kwb_durable_" + std::to_string(::getpid()) + "_" +
                                              ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::unique_ptr<FileRecordLog> reopen(const fs::path& dir, LogRecovery* recovery = nullptr,
                                      std::uint64_t segment_bytes = FileRecordLog::kDefaultSegmentBytes) {
  auto log = FileRecordLog::open(dir, FsyncMode::kAlways, 100, recovery, segment_bytes);
  EXPECT_TRUE(log.ok()) << (log.ok() ? "" : log.error().describe());
  return log.ok() ? std::move(*log) : nullptr;
}

std::vector<StoredRecord> read_all(const RecordLog& log) {
  std::vector<StoredRecord> out;
  log.read(0, 1'000'000, SIZE_MAX, out);
  return out;
}

TEST(Crc32c, MatchesTheStandardCheckValue) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c(""), 0u);
  // Extending in pieces equals one pass, including across the 8-byte hardware stride.
  const std::string text = "The quick brown fox jumps over the lazy dog";
  EXPECT_EQ(crc32c(text.substr(13), crc32c(text.substr(0, 13))), crc32c(text));
}

TEST(FileRecordLog, WritesNothingUntilCommitThenReopensEveryRecord) {
  TempDir tmp;
  const fs::path dir = tmp.path() / "shard-0";
  {
    FileRecordLog log(dir, FsyncMode::kAlways, 100);
    EXPECT_EQ(log.append(1000, "k1", "first"), 1u);
    EXPECT_EQ(log.append(1001, "k2", std::string(5000, 'x')), 2u);
    EXPECT_FALSE(fs::exists(dir));  // staged only
    ASSERT_TRUE(log.commit(0).ok());
    EXPECT_TRUE(fs::exists(dir / segment_file_name(1)));
    EXPECT_EQ(log.append(1002, "", "no key"), 3u);
    ASSERT_TRUE(log.commit(0).ok());
  }
  LogRecovery recovery;
  auto log = reopen(dir, &recovery);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(recovery.records, 3u);
  EXPECT_EQ(recovery.truncated_bytes, 0u);
  EXPECT_EQ(log->first_counter(), 1u);
  EXPECT_EQ(log->next_counter(), 4u);
  const auto records = read_all(*log);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].partition_key, "k1");
  EXPECT_EQ(records[0].data, "first");
  EXPECT_EQ(records[0].arrival_ms, 1000);
  EXPECT_EQ(records[1].data, std::string(5000, 'x'));
  EXPECT_EQ(records[2].partition_key, "");
  EXPECT_EQ(records[2].data, "no key");
  // Appending after a reopen continues the same file and the same counters.
  EXPECT_EQ(log->append(1003, "k4", "fourth"), 4u);
  ASSERT_TRUE(log->commit(0).ok());
  log.reset();
  log = reopen(dir);
  EXPECT_EQ(read_all(*log).size(), 4u);
  EXPECT_EQ(log->segment_files(), 1u);
}

TEST(FileRecordLog, MissingDirectoryIsAnEmptyLog) {
  TempDir tmp;
  auto log = reopen(tmp.path() / "nothing");
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->first_counter(), 1u);
  EXPECT_EQ(log->next_counter(), 1u);
}

TEST(FileRecordLog, TruncatesATornTailAndKeepsEverythingBeforeIt) {
  TempDir tmp;
  const fs::path dir = tmp.path() / "shard-0";
  {
    FileRecordLog log(dir, FsyncMode::kAlways, 100);
    for (int i = 0; i < 10; ++i) log.append(1000 + i, "key", "value-" + std::to_string(i));
    ASSERT_TRUE(log.commit(0).ok());
  }
  const fs::path file = dir / segment_file_name(1);
  const auto intact = fs::file_size(file);
  // A crash mid-write: half of an eleventh frame reached the disk.
  {
    std::ofstream out(file, std::ios::binary | std::ios::app);
    out.write("\x40\x00\x00\x00\x12\x34", 6);
  }
  LogRecovery recovery;
  auto log = reopen(dir, &recovery);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(recovery.records, 10u);
  EXPECT_EQ(recovery.truncated_bytes, 6u);
  EXPECT_EQ(fs::file_size(file), intact);
  EXPECT_EQ(log->next_counter(), 11u);
  EXPECT_EQ(log->append(2000, "key", "after"), 11u);
  ASSERT_TRUE(log->commit(0).ok());
  log.reset();
  log = reopen(dir, &recovery);
  EXPECT_EQ(recovery.records, 11u);
  EXPECT_EQ(recovery.truncated_bytes, 0u);
  EXPECT_EQ(read_all(*log).back().data, "after");
}

TEST(FileRecordLog, TruncatesAFullLengthFrameWithABadChecksum) {
  TempDir tmp;
  const fs::path dir = tmp.path() / "shard-0";
  {
    FileRecordLog log(dir, FsyncMode::kAlways, 100);
    for (int i = 0; i < 3; ++i) log.append(1000, "key", "value-" + std::to_string(i));
    ASSERT_TRUE(log.commit(0).ok());
  }
  const fs::path file = dir / segment_file_name(1);
  const auto size = fs::file_size(file);
  {
    // Flip the last data byte of the last record: its length is whole, its checksum is not.
    std::fstream io(file, std::ios::binary | std::ios::in | std::ios::out);
    io.seekp(static_cast<std::streamoff>(size - 1));
    io.put('Z');
  }
  LogRecovery recovery;
  auto log = reopen(dir, &recovery);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(recovery.records, 2u);
  EXPECT_GT(recovery.truncated_bytes, 0u);
  EXPECT_EQ(log->next_counter(), 3u);
}

TEST(FileRecordLog, RefusesCorruptionBeforeTheNewestSegment) {
  TempDir tmp;
  const fs::path dir = tmp.path() / "shard-0";
  {
    FileRecordLog log(dir, FsyncMode::kAlways, 100, 1, /*segment_bytes=*/200);
    for (int i = 0; i < 20; ++i) {
      log.append(1000 + i, "key", std::string(100, 'a'));
      ASSERT_TRUE(log.commit(0).ok());
    }
    EXPECT_GT(log.segment_files(), 2u);
  }
  {
    std::fstream io(dir / segment_file_name(1), std::ios::binary | std::ios::in | std::ios::out);
    io.seekp(40);
    io.put('!');
  }
  auto log = FileRecordLog::open(dir, FsyncMode::kAlways, 100, nullptr, 200);
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.error().message.find("corrupt record log"), std::string::npos);
  EXPECT_NE(log.error().message.find(segment_file_name(1)), std::string::npos);
}

TEST(FileRecordLog, RetentionDeletesOldSegmentsButKeepsTheNextCounter) {
  TempDir tmp;
  const fs::path dir = tmp.path() / "shard-0";
  {
    FileRecordLog log(dir, FsyncMode::kNever, 100, 1, /*segment_bytes=*/1000);
    for (int i = 0; i < 50; ++i) {
      log.append(i, "key", std::string(200, 'b'));  // one record per ms, ~4 per segment
      ASSERT_TRUE(log.commit(0).ok());
    }
    const std::size_t before = log.segment_files();
    EXPECT_GE(before, 10u);
    log.trim_before(1'000'000);  // everything expires
    EXPECT_EQ(log.stored_records(), 0u);
    EXPECT_EQ(log.segment_files(), 1u);  // only the newest, which names the next counter
  }
  auto log = reopen(dir, nullptr, 1000);
  ASSERT_NE(log, nullptr);
  // The reopened log only re-reads the newest segment; counters go on from 51, never reused.
  EXPECT_EQ(log->next_counter(), 51u);
  log->trim_before(1'000'000);
  EXPECT_EQ(log->append(2'000'000, "key", "new"), 51u);
}

TEST(FileRecordLog, BatchModeSyncsAtMostOncePerInterval) {
  // Behaviour visible from outside is only durability, so this checks the pacing does not lose
  // data across a reopen in either mode.
  TempDir tmp;
  for (FsyncMode mode : {FsyncMode::kBatch, FsyncMode::kNever}) {
    const fs::path dir = tmp.path() / std::string(to_string(mode));
    {
      FileRecordLog log(dir, mode, 100);
      for (int i = 0; i < 100; ++i) {
        log.append(i, "k", "v");
        ASSERT_TRUE(log.commit(i * 1'000'000).ok());
      }
    }
    auto log = reopen(dir);
    EXPECT_EQ(log->stored_records(), 100u);
  }
}

TEST(FileRecordLog, CommitFailsWhenTheDirectoryCannotBeMade) {
  TempDir tmp;
  fs::create_directories(tmp.path());
  std::ofstream(tmp.path() / "file") << "x";
  FileRecordLog log(tmp.path() / "file" / "shard-0", FsyncMode::kAlways, 100);
  log.append(1, "k", "v");
  EXPECT_FALSE(log.commit(0).ok());
}

TEST(RegionDirectoryName, IsSafeAndReversible) {
  EXPECT_EQ(region_directory_name("us-east-1"), "us-east-1");
  for (std::string region : {"us-east-1", "../../etc", "x-1", "EU", ""}) {
    const std::string dir = region_directory_name(region);
    EXPECT_EQ(dir.find('/'), std::string::npos);
    EXPECT_NE(dir, "..");
    if (!region.empty()) {
      ASSERT_TRUE(region_from_directory_name(dir).has_value()) << region;
      EXPECT_EQ(*region_from_directory_name(dir), region);
    }
  }
}

class CollectSink final : public RecordSink {
 public:
  void record(const StoredRecord& record, const SequenceParts& sequence) override {
    data.emplace_back(record.data);
    sequences.push_back(format_sequence(sequence));
  }
  std::vector<std::string> data, sequences;
};

class DurableEngineTest : public ::testing::Test {
 protected:
  DurableEngineTest() : clock_(SystemTimePoint(std::chrono::seconds(1'700'000'000))), random_(7) {
    config_.create_delay_ms = 0;
    config_.update_delay_ms = 0;
    config_.delete_delay_ms = 0;
    config_.limits.control_plane_limits = false;
    config_.limits.disable_data_plane_limits();
    config_.data_dir = tmp_.path().string();
    config_.fsync = FsyncMode::kAlways;
  }

  std::unique_ptr<Backend> start() {
    auto backend = std::make_unique<Backend>(config_, clock_, random_);
    Status opened = backend->open_storage();
    EXPECT_TRUE(opened.ok()) << (opened.ok() ? "" : opened.error().describe());
    return backend;
  }

  void put(Engine& engine, const std::string& stream, const std::string& key, const std::string& data) {
    PutEntry entry{key, data, std::nullopt};
    PutOutcome outcome;
    auto result = engine.put_records(stream, std::span(&entry, 1), std::span(&outcome, 1));
    ASSERT_TRUE(result.ok());
    ASSERT_TRUE(outcome.accepted);
  }

  TempDir tmp_;
  ManualClock clock_;
  SeededRandom random_;
  EmulatorConfig config_;
};

TEST_F(DurableEngineTest, RestartKeepsStreamsLineageTagsRecordsAndIterators) {
  std::string iterator_before;
  std::vector<std::string> sequences_before;
  {
    auto backend = start();
    Engine& engine = backend->engine("us-east-1");
    ASSERT_TRUE(engine.create_stream("orders", 2, StreamMode::kProvisioned, {{"team", "a"}}).ok());
    ASSERT_TRUE(engine.create_stream("gone", 1, StreamMode::kProvisioned).ok());
    clock_.advance(std::chrono::milliseconds(1));
    for (int i = 0; i < 200; ++i) put(engine, "orders", "key-" + std::to_string(i), "record-" + std::to_string(i));
    ASSERT_TRUE(engine.update_shard_count("orders", 4).ok());
    clock_.advance(std::chrono::milliseconds(1));
    for (int i = 200; i < 300; ++i) put(engine, "orders", "key-" + std::to_string(i), "record-" + std::to_string(i));
    ASSERT_TRUE(engine.set_retention("orders", 48, true).ok());
    ASSERT_TRUE(engine.delete_stream("gone", false).ok());
    clock_.advance(std::chrono::milliseconds(1));
    ASSERT_TRUE(engine.list_streams().ok());  // applies the deletion
    auto it = engine.get_shard_iterator("orders", "shardId-000000000000", IteratorType::kTrimHorizon, "", 0);
    ASSERT_TRUE(it.ok());
    iterator_before = *it;
    ASSERT_TRUE(backend->engine("eu-west-1").create_stream("elsewhere", 1, StreamMode::kOnDemand).ok());
  }
  auto backend = start();
  Engine& engine = backend->engine("us-east-1");
  auto streams = engine.list_streams();
  ASSERT_TRUE(streams.ok());
  ASSERT_EQ(streams->size(), 1u);
  EXPECT_EQ((*streams)[0].name, "orders");
  auto described = engine.describe_stream("orders", true);
  ASSERT_TRUE(described.ok());
  EXPECT_EQ(described->retention_hours, 48);
  EXPECT_EQ(described->open_shard_count, 4u);
  ASSERT_EQ(described->shards.size(), 6u);  // two closed parents, four children
  EXPECT_TRUE(described->shards[0].ending_sequence.has_value());
  EXPECT_EQ(described->shards[2].parent, std::optional<std::string>("shardId-000000000000"));
  auto tags = engine.list_tags("orders");
  ASSERT_TRUE(tags.ok());
  EXPECT_EQ(tags->at("team"), "a");
  // Every record is back, once, across the six shards.
  std::size_t total = 0;
  for (const auto& shard : described->shards) {
    auto it = engine.get_shard_iterator("orders", shard.shard_id, IteratorType::kTrimHorizon, "", 0);
    ASSERT_TRUE(it.ok());
    CollectSink sink;
    ASSERT_TRUE(engine.get_records(*it, 10000, sink).ok());
    total += sink.data.size();
  }
  EXPECT_EQ(total, 300u);
  // An iterator from before the restart still reads (the MAC key lives in the data directory).
  CollectSink sink;
  auto read = engine.get_records(iterator_before, 10000, sink);
  ASSERT_TRUE(read.ok()) << read.error().describe();
  EXPECT_FALSE(sink.data.empty());
  // New writes continue the sequence numbers of their shard.
  put(engine, "orders", "key-0", "after restart");
  // Other regions come back too.
  auto elsewhere = backend->engine("eu-west-1").describe_stream("elsewhere", false);
  ASSERT_TRUE(elsewhere.ok());
  EXPECT_EQ(elsewhere->mode, StreamMode::kOnDemand);
}

TEST_F(DurableEngineTest, PendingReshardIsAppliedAfterARestart) {
  config_.update_delay_ms = 1000;
  {
    auto backend = start();
    Engine& engine = backend->engine("us-east-1");
    ASSERT_TRUE(engine.create_stream("s", 1, StreamMode::kProvisioned).ok());
    clock_.advance(std::chrono::milliseconds(1));
    ASSERT_TRUE(engine.split_shard("s", "shardId-000000000000", kMaxHashKey / 2).ok());
    EXPECT_EQ(engine.describe_stream("s", false)->status, StreamStatus::kUpdating);
  }
  clock_.advance(std::chrono::milliseconds(2000));
  auto backend = start();
  auto described = backend->engine("us-east-1").describe_stream("s", true);
  ASSERT_TRUE(described.ok());
  EXPECT_EQ(described->status, StreamStatus::kActive);
  EXPECT_EQ(described->open_shard_count, 2u);
}

TEST_F(DurableEngineTest, ResetRemovesEverythingOnDisk) {
  {
    auto backend = start();
    Engine& engine = backend->engine("us-east-1");
    ASSERT_TRUE(engine.create_stream("s", 1, StreamMode::kProvisioned).ok());
    clock_.advance(std::chrono::milliseconds(1));
    put(engine, "s", "k", "v");
    engine.reset();
  }
  auto backend = start();
  EXPECT_TRUE(backend->engine("us-east-1").list_streams()->empty());
}

TEST_F(DurableEngineTest, SecondEmulatorOnTheSameDirectoryIsRefused) {
  auto first = start();
  Backend second(config_, clock_, random_);
  Status opened = second.open_storage();
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find("in use"), std::string::npos);
}

}  // namespace
}  // namespace kwb::emulator
