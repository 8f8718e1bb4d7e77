#include "emulator/faults.h"

#include <gtest/gtest.h>

#include "emulator/clock_control.h"

namespace kwb::emulator {
namespace {

std::vector<int> sequence(FaultInjector& faults, int n) {
  std::vector<int> out;
  for (int i = 0; i < n; ++i) out.push_back(faults.inject_fault("PutRecord", "us-east-1", "s").has_value() ? 1 : 0);
  return out;
}

TEST(Faults, SameSeedSameSequence) {
  ManualClock clock(SystemTimePoint(std::chrono::seconds(1700000000)));
  FaultInjector faults(clock, 42);
  auto rule = parse_fault_rule("operation=PutRecord,error_rate=0.3,error=ServiceUnavailable");
  ASSERT_TRUE(rule.ok());
  ASSERT_TRUE(faults.set_rules({*rule}).ok());
  const auto first = sequence(faults, 200);
  ASSERT_TRUE(faults.set_rules({*rule}).ok());  // re-seeds
  EXPECT_EQ(sequence(faults, 200), first);
  const int failures = std::count(first.begin(), first.end(), 1);
  EXPECT_GT(failures, 30);
  EXPECT_LT(failures, 90);
  ASSERT_TRUE(faults.set_rules({*rule}, 43).ok());
  EXPECT_NE(sequence(faults, 200), first);
  auto error = faults.inject_fault("ListStreams", "us-east-1", "");
  EXPECT_FALSE(error);  // other operations untouched
}

TEST(Faults, ErrorsHaveAwsShape) {
  ManualClock clock(SystemTimePoint(std::chrono::seconds(1700000000)));
  FaultInjector faults(clock, 1);
  ASSERT_TRUE(faults.set_rules({*parse_fault_rule("error_rate=1,error=InternalFailure")}).ok());
  auto error = faults.inject_fault("GetRecords", "us-east-1", "s");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, "InternalFailure");
  EXPECT_EQ(error->http_status, 500);
  EXPECT_FALSE(parse_fault_rule("error_rate=2").ok());
  EXPECT_FALSE(parse_fault_rule("error=Boom,error_rate=0.1").ok());
  EXPECT_FALSE(parse_fault_rule("colour=blue").ok());
}

TEST(Faults, PartialFailuresLatencyAndConnections) {
  ManualClock clock(SystemTimePoint(std::chrono::seconds(1700000000)));
  FaultInjector faults(clock, 7);
  ASSERT_TRUE(faults.set_rules({*parse_fault_rule("operation=PutRecords,partial_failure_rate=0.5,latency_ms=100,jitter_ms=10")}).ok());
  std::vector<std::uint8_t> failed(100, 0);
  const auto marked = faults.inject_record_failures("us-east-1", "s", failed);
  EXPECT_EQ(marked, static_cast<std::uint64_t>(std::count(failed.begin(), failed.end(), 1)));
  EXPECT_GT(marked, 25u);
  EXPECT_EQ(faults.before_request("PutRecords"), http::Disposition::kAnswer);
  EXPECT_GE(clock.total_slept(), std::chrono::milliseconds(100));
  EXPECT_LE(clock.total_slept(), std::chrono::milliseconds(110));
  ASSERT_TRUE(faults.set_rules({*parse_fault_rule("reset_rate=1")}).ok());
  EXPECT_EQ(faults.before_request("GetRecords"), http::Disposition::kCloseWithoutAnswer);
  ASSERT_TRUE(faults.set_rules({*parse_fault_rule("blackhole_rate=1")}).ok());
  EXPECT_EQ(faults.before_request("GetRecords"), http::Disposition::kNeverAnswer);
}

TEST(ControlledClock, AdvancesAndScales) {
  ManualClock base(SystemTimePoint(std::chrono::seconds(1000)));
  ControlledClock clock(base, 10.0);
  base.advance(std::chrono::seconds(2));
  EXPECT_EQ(clock.now(), SystemTimePoint(std::chrono::seconds(1020)));
  clock.advance(std::chrono::seconds(900));
  EXPECT_EQ(clock.now(), SystemTimePoint(std::chrono::seconds(1920)));
  const auto steady = clock.steady_now();
  clock.advance(std::chrono::seconds(-5));  // never backwards
  EXPECT_EQ(clock.steady_now(), steady);
}

}  // namespace
}  // namespace kwb::emulator
