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
