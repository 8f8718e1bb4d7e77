// The in-memory record log: counters, reads, time search and retention trimming.

#include <gtest/gtest.h>

#include <string>

#include "emulator/record_log.h"

namespace kwb::emulator {
namespace {

TEST(MemoryRecordLog, AppendsAndReadsAcrossSegments) {
  MemoryRecordLog log;
  const std::string data(1000, 'x');
  // 300 records of 1 KB span several segments (the first holds 64 KiB).
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(log.append(1000 + i, "key" + std::to_string(i), data + std::to_string(i)), static_cast<std::uint64_t>(i + 1));
  }
  EXPECT_EQ(log.first_counter(), 1u);
  EXPECT_EQ(log.next_counter(), 301u);
  EXPECT_GT(log.reserved_bytes(), 64u * 1024);
  std::vector<StoredRecord> out;
  const auto next = log.read(60, 200, 10 * 1024 * 1024, out);
  ASSERT_EQ(out.size(), 200u);
  EXPECT_EQ(next, 260u);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int n = static_cast<int>(59 + i);
    EXPECT_EQ(out[i].counter, static_cast<std::uint64_t>(n + 1));
    EXPECT_EQ(out[i].partition_key, "key" + std::to_string(n));
    EXPECT_EQ(out[i].data, data + std::to_string(n));
    EXPECT_EQ(out[i].arrival_ms, 1000 + n);
  }
}

TEST(MemoryRecordLog, ReadStopsAtByteBudgetButReturnsOneRecord) {
  MemoryRecordLog log;
  for (int i = 0; i < 10; ++i) log.append(1, "k", std::string(100, 'a'));
  std::vector<StoredRecord> out;
  EXPECT_EQ(log.read(1, 100, 350, out), 4u);  // 101 bytes each: three fit in 350
  EXPECT_EQ(out.size(), 3u);
  out.clear();
  EXPECT_EQ(log.read(1, 100, 10, out), 2u);  // the first record always comes back
  EXPECT_EQ(out.size(), 1u);
}

TEST(MemoryRecordLog, FindsByTime) {
  MemoryRecordLog log;
  for (int i = 0; i < 100; ++i) log.append(i / 10 * 100, "k", "v");  // ten records per 100 ms
  EXPECT_EQ(log.find_by_time(0), 1u);
  EXPECT_EQ(log.find_by_time(1), 11u);
  EXPECT_EQ(log.find_by_time(500), 51u);
  EXPECT_EQ(log.find_by_time(10'000), 101u);
  EXPECT_EQ(log.arrival_of(51), 500);
  EXPECT_EQ(log.arrival_of(500), -1);
}

TEST(MemoryRecordLog, TrimsExpiredRecordsAndFreesSegments) {
  MemoryRecordLog log;
  const std::string data(4000, 'z');
  for (int i = 0; i < 200; ++i) log.append(i, "k", data);
  const auto reserved_before = log.reserved_bytes();
  log.trim_before(150);
  EXPECT_EQ(log.first_counter(), 151u);
  EXPECT_EQ(log.stored_records(), 50u);
  EXPECT_EQ(log.stored_bytes(), 50u * 4001);
  EXPECT_LT(log.reserved_bytes(), reserved_before);
  std::vector<StoredRecord> out;
  EXPECT_EQ(log.read(1, 1000, 1 << 30, out), 201u);  // reads from the trim horizon
  ASSERT_EQ(out.size(), 50u);
  EXPECT_EQ(out.front().counter, 151u);
  log.trim_before(1000);
  EXPECT_EQ(log.stored_records(), 0u);
  EXPECT_EQ(log.append(2000, "k", "v"), 201u);  // counters keep rising after a full trim
}

}  // namespace
}  // namespace kwb::emulator
