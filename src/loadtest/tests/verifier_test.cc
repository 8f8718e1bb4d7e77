// The verifier's accounting on synthetic streams: records are "sent", "acked" and "read" by hand
// with times from a ManualClock, so each figure (loss, duplicates, order, latency, series) is
// known exactly.

#include "loadtest/verifier.h"

#include <gtest/gtest.h>

#include "loadtest/envelope.h"

namespace kwb::loadtest {
namespace {

using std::chrono::milliseconds;

class VerifierTest : public ::testing::Test {
 protected:
  VerifierTest() : clock_(SystemTimePoint(std::chrono::seconds(1700000000))), start_(clock_.now()) {}

  // Sends seq now, from producer 0 under `key`; returns the record's data.
  std::string send(std::uint64_t seq, const std::string& key = "k", std::uint32_t producer = 0) {
    keys_[seq] = key;
    sent_at_[seq] = clock_.now();
    verifier_.on_sent(seq, 100, clock_.now());
    return encode(Envelope{"run1", producer, seq, to_epoch_us(clock_.now())}, 100);
  }
  void ack(std::uint64_t seq) { verifier_.on_acked(seq, 100, sent_at_[seq], clock_.now()); }
  void read(const std::string& data, const std::string& key) { verifier_.on_read(data, key, clock_.now()); }
  void read_from(const std::string& shard, const std::string& data, const std::string& key) {
    verifier_.on_read(data, key, ShardId(shard), clock_.now());
  }
  // A shard listing entry: `id` with optional parent and adjacent parent.
  static kinesis::Shard shard(const std::string& id, const std::string& parent = "", const std::string& adjacent = "") {
    kinesis::Shard s;
    s.shard_id = ShardId(id);
    if (!parent.empty()) s.parent_shard_id = ShardId(parent);
    if (!adjacent.empty()) s.adjacent_parent_shard_id = ShardId(adjacent);
    return s;
  }

  Report finish(double run_s = 3) {
    Report report;
    report.verified = true;
    verifier_.finish(report, [](double) { return 10.0; }, run_s);
    return report;
  }

  ManualClock clock_;
  SystemTimePoint start_;
  Verifier verifier_{"run1", start_, 1.0};
  std::map<std::uint64_t, std::string> keys_;
  std::map<std::uint64_t, SystemTimePoint> sent_at_;
};

TEST_F(VerifierTest, AckedButUnreadIsLostAndReadIsNot) {
  const std::string r0 = send(0), r1 = send(1), r2 = send(2);
  clock_.advance(milliseconds(50));
  ack(0);
  ack(1);
  ack(2);
  clock_.advance(milliseconds(100));
  read(r0, "k");
  read(r2, "k");
  Report report = finish();
  EXPECT_EQ(report.sent, 3u);
  EXPECT_EQ(report.acked, 3u);
  EXPECT_EQ(report.read, 2u);
  EXPECT_EQ(report.lost, 1u);  // seq 1
  EXPECT_EQ(report.duplicates, 0u);
  EXPECT_EQ(report.order_violations, 0u);
  EXPECT_EQ(verifier_.acked_unread(), 1u);
}

TEST_F(VerifierTest, FailedRecordsAreNotLostAndReadUnackedOnesAreCounted) {
  const std::string r0 = send(0), r1 = send(1);
  verifier_.on_failed(0, "RecordExpired", true, clock_.now());
  verifier_.on_failed(1, "ProducerClosed", false, clock_.now());
  read(r1, "k");  // written after all: the answer was lost, not the record
  Report report = finish();
  EXPECT_EQ(report.lost, 0u);
  EXPECT_EQ(report.failed, 2u);
  EXPECT_EQ(report.expired, 1u);
  EXPECT_EQ(report.unacked_read, 1u);
  EXPECT_EQ(report.failure_codes.at("RecordExpired"), 1u);
}

TEST_F(VerifierTest, CountsEveryExtraReadAsADuplicate) {
  const std::string r0 = send(0);
  ack(0);
  read(r0, "k");
  read(r0, "k");
  read(r0, "k");
  Report report = finish();
  EXPECT_EQ(report.read, 1u);
  EXPECT_EQ(report.duplicates, 2u);
  EXPECT_EQ(report.lost, 0u);
  EXPECT_EQ(report.order_violations, 0u);  // a re-read is a duplicate, not disorder
}

TEST_F(VerifierTest, OrderIsPerProducerAndKey) {
  const std::string a0 = send(0, "a"), a1 = send(1, "a"), b2 = send(2, "b"), a3 = send(3, "a", 1);
  for (std::uint64_t s = 0; s < 4; ++s) ack(s);
  read(a1, "a");
  read(a0, "a");  // sent before a1, read after it: a violation
  read(a3, "a");  // producer 1's key "a" is another sequence
  read(b2, "b");
  Report report = finish();
  EXPECT_EQ(report.order_violations, 1u);
  EXPECT_EQ(report.lost, 0u);
}

// A consumer that reads a parent and its child at the same time interleaves their records; the
// order that counts is the stream's: all of the parent, then the child.
TEST_F(VerifierTest, OrderAcrossAReshardFollowsLineageNotReadInterleaving) {
  verifier_.set_lineage({shard("parent"), shard("child", "parent")});
  const std::string a0 = send(0, "a"), a1 = send(1, "a"), a2 = send(2, "a"), a3 = send(3, "a");
  for (std::uint64_t s = 0; s < 4; ++s) ack(s);
  // 0 and 1 were written to the parent before the resharding, 2 and 3 to the child after it.
  read_from("child", a2, "a");
  read_from("parent", a0, "a");
  read_from("child", a3, "a");
  read_from("parent", a1, "a");
  Report report = finish();
  EXPECT_EQ(report.order_violations, 0u);
  EXPECT_EQ(report.lost, 0u);
  EXPECT_EQ(report.duplicates, 0u);
}

// The producer bug the lineage check exists for: record 1 reached the child while record 2, sent
// later, was still written to the parent. In stream order 2 precedes 1, whichever is read first.
TEST_F(VerifierTest, AChildRecordOvertakingItsParentsLastIsOneViolationWhateverTheReadOrder) {
  const std::string a0 = send(0, "a"), a1 = send(1, "a"), a2 = send(2, "a"), a3 = send(3, "a");
  const std::string b4 = send(4, "b"), b5 = send(5, "b");
  for (std::uint64_t s = 0; s < 6; ++s) ack(s);
  verifier_.set_lineage({shard("parent"), shard("child", "parent")});
  // Child first: a read-order check would see 1, 3, then 0 and 2 "late" (two violations).
  read_from("child", a1, "a");
  read_from("child", a3, "a");
  read_from("parent", a0, "a");
  read_from("parent", a2, "a");
  // Key b is fine: 4 in the parent, 5 in the child.
  read_from("child", b5, "b");
  read_from("parent", b4, "b");
  EXPECT_EQ(verifier_.snapshot(clock_.now(), milliseconds(0)).order_violations, 1u);
  EXPECT_EQ(finish().order_violations, 1u);
}

TEST_F(VerifierTest, LineageIsTransitiveAndCoversMergesAndLaterListings) {
  // s0 split into s1, s2; later s2 and s3 merged into s4 (s4's adjacent parent is s3).
  verifier_.set_lineage({shard("s0"), shard("s3")});
  const std::string k0 = send(0, "k"), k1 = send(1, "k"), k2 = send(2, "k");
  const std::string m0 = send(3, "m"), m1 = send(4, "m");
  for (std::uint64_t s = 0; s < 5; ++s) ack(s);
  // Key k: 2 in the grandparent s0, 0 and 1 in the grandchild s4: one regression.
  read_from("s4", k0, "k");
  read_from("s4", k1, "k");
  read_from("s0", k2, "k");
  // Key m: 4 in the adjacent parent s3, 3 in the merged child s4: one regression.
  read_from("s4", m0, "m");
  read_from("s3", m1, "m");
  // Before the resharding is listed, s4 has no known parents: nothing to compare across shards.
  EXPECT_EQ(verifier_.snapshot(clock_.now(), milliseconds(0)).order_violations, 0u);
  verifier_.set_lineage({shard("s0"), shard("s1", "s0"), shard("s2", "s0"), shard("s3"), shard("s4", "s2", "s3")});
  EXPECT_EQ(finish().order_violations, 2u);
}

TEST_F(VerifierTest, SiblingShardsHaveNoOrderBetweenThemButEachShardHasItsOwn) {
  verifier_.set_lineage({shard("p"), shard("left", "p"), shard("right", "p")});
  const std::string k0 = send(0, "k"), k1 = send(1, "k"), k2 = send(2, "k"), k3 = send(3, "k");
  for (std::uint64_t s = 0; s < 4; ++s) ack(s);
  // The same key in two siblings (explicit hash keys can do that): no order between them.
  read_from("right", k0, "k");
  read_from("left", k1, "k");
  read_from("left", k3, "k");
  read_from("left", k2, "k");  // within "left", 2 after 3: a violation
  EXPECT_EQ(finish().order_violations, 1u);
}

TEST_F(VerifierTest, IgnoresRecordsOfOtherRuns) {
  verifier_.on_read(encode(Envelope{"other", 0, 0, 1}, 50), "k", clock_.now());
  verifier_.on_read("plain text", "k", clock_.now());
  Report report = finish();
  EXPECT_EQ(report.foreign, 2u);
  EXPECT_EQ(report.read, 0u);
}

TEST_F(VerifierTest, LatencyIsSendToFirstRead) {
  std::vector<std::string> data;
  for (std::uint64_t s = 0; s < 100; ++s) data.push_back(send(s));
  for (std::uint64_t s = 0; s < 100; ++s) ack(s);
  // Record s is read (s + 1) ms after it was sent.
  for (std::uint64_t s = 0; s < 100; ++s) {
    clock_.advance(milliseconds(1));
    read(data[s], "k");
  }
  Report report = finish();
  EXPECT_EQ(report.latency.count, 100u);
  EXPECT_NEAR(report.latency.p50_ms, 50, 2);
  EXPECT_NEAR(report.latency.p99_ms, 99, 4);
  EXPECT_DOUBLE_EQ(report.latency.max_ms, 100);
}

TEST_F(VerifierTest, SeriesBucketsByTimeAndThroughputCountsTheRunOnly) {
  // Second 0: 3 acked; second 1: 2 acked; second 3 (after a 2 s run): 4 acked while draining.
  std::uint64_t seq = 0;
  for (int i = 0; i < 3; ++i) { send(seq); ack(seq++); }
  verifier_.on_producer_sample(5, 7, clock_.now());
  clock_.advance(milliseconds(1000));
  for (int i = 0; i < 2; ++i) { send(seq); ack(seq++); }
  verifier_.on_producer_sample(8, 7, clock_.now());
  clock_.advance(milliseconds(2000));
  for (int i = 0; i < 4; ++i) { send(seq); ack(seq++); }
  Report report = finish(/*run_s=*/2);
  ASSERT_EQ(report.series.size(), 4u);
  EXPECT_DOUBLE_EQ(report.series[0].achieved_rps, 3);
  EXPECT_DOUBLE_EQ(report.series[1].achieved_rps, 2);
  EXPECT_DOUBLE_EQ(report.series[2].achieved_rps, 0);
  EXPECT_DOUBLE_EQ(report.series[3].achieved_rps, 4);
  EXPECT_EQ(report.series[0].throttled, 5u);
  EXPECT_EQ(report.series[1].throttled, 3u);
  EXPECT_EQ(report.series[0].retried, 7u);
  EXPECT_EQ(report.throttled, 8u);
  EXPECT_DOUBLE_EQ(report.series[0].target_rps, 10);
  EXPECT_DOUBLE_EQ(report.achieved_rps, 2.5);  // (3 + 2) / 2 s; the drain's 4 do not count
  EXPECT_EQ(report.acked, 9u);
}

TEST_F(VerifierTest, SnapshotCountsOnlyOverdueRecordsAsLossesSoFar) {
  const std::string r0 = send(0), r1 = send(1);
  ack(0);
  clock_.advance(milliseconds(5000));
  ack(1);
  VerifierSnapshot s = verifier_.snapshot(clock_.now(), milliseconds(2000));
  EXPECT_EQ(s.unread, 2u);
  EXPECT_EQ(s.overdue, 1u);  // seq 0 is past the grace period, seq 1 is not yet
  read(r0, "k");
  s = verifier_.snapshot(clock_.now(), milliseconds(2000));
  EXPECT_EQ(s.overdue, 0u);
  EXPECT_EQ(s.unread, 1u);
}

}  // namespace
}  // namespace kwb::loadtest
