#include "loadtest/profile.h"

#include <gtest/gtest.h>

namespace kwb::loadtest {
namespace {

RateProfile parse_ok(const std::string& text, double rate = 1000, double seconds = 10) {
  auto p = RateProfile::parse(text, rate, Seconds(seconds));
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().describe());
  return p.ok() ? *p : RateProfile();
}

TEST(Duration, ParsesUnits) {
  EXPECT_DOUBLE_EQ(parse_duration("10s")->count(), 10);
  EXPECT_DOUBLE_EQ(parse_duration("500ms")->count(), 0.5);
  EXPECT_DOUBLE_EQ(parse_duration("2m")->count(), 120);
  EXPECT_DOUBLE_EQ(parse_duration("7")->count(), 7);
  EXPECT_FALSE(parse_duration("ten").ok());
  EXPECT_FALSE(parse_duration("-1s").ok());
  EXPECT_EQ(parse_duration("x", "--grace").error().field, "--grace");
}

TEST(Rate, ParsesThousands) {
  EXPECT_DOUBLE_EQ(*parse_rate("2.5k"), 2500);
  EXPECT_DOUBLE_EQ(*parse_rate("300"), 300);
  EXPECT_FALSE(parse_rate("fast").ok());
}

TEST(Profile, ConstantUsesRateFlagOrItsOwn) {
  RateProfile p = parse_ok("constant", 2000, 5);
  EXPECT_DOUBLE_EQ(p.rate_at(0), 2000);
  EXPECT_DOUBLE_EQ(p.rate_at(4.99), 2000);
  EXPECT_DOUBLE_EQ(p.rate_at(5), 0);  // the run is over
  EXPECT_DOUBLE_EQ(p.due(5), 10000);
  EXPECT_DOUBLE_EQ(p.due(2.5), 5000);
  EXPECT_DOUBLE_EQ(parse_ok("constant:300", 2000, 5).mean_rate(), 300);
}

TEST(Profile, RampIsLinearAndItsIntegralExact) {
  RateProfile p = parse_ok("ramp:0..1000", 0, 10);
  EXPECT_DOUBLE_EQ(p.rate_at(5), 500);
  EXPECT_DOUBLE_EQ(p.due(10), 5000);  // triangle: 10 s * 1000 / 2
  EXPECT_DOUBLE_EQ(p.due(5), 1250);
  EXPECT_DOUBLE_EQ(p.peak_rate(), 1000);
}

TEST(Profile, StepsHoldTheLastRate) {
  RateProfile p = parse_ok("step:100@2s,300@3s", 0, 10);
  EXPECT_DOUBLE_EQ(p.rate_at(1), 100);
  EXPECT_DOUBLE_EQ(p.rate_at(2), 300);
  EXPECT_DOUBLE_EQ(p.rate_at(9), 300);  // held past the listed steps
  EXPECT_DOUBLE_EQ(p.due(10), 200 + 300 * 8);
}

TEST(Profile, StepsBeyondTheRunAreCut) {
  RateProfile p = parse_ok("step:100@8s,300@8s", 0, 10);
  EXPECT_DOUBLE_EQ(p.due(10), 800 + 600);
}

TEST(Profile, SpikeRisesAndFallsBack) {
  RateProfile p = parse_ok("spike:1k,5k@4s+2s", 0, 10);
  EXPECT_DOUBLE_EQ(p.rate_at(3.9), 1000);
  EXPECT_DOUBLE_EQ(p.rate_at(4), 5000);
  EXPECT_DOUBLE_EQ(p.rate_at(5.9), 5000);
  EXPECT_DOUBLE_EQ(p.rate_at(6), 1000);
  EXPECT_DOUBLE_EQ(p.due(10), 8 * 1000 + 2 * 5000);
  EXPECT_DOUBLE_EQ(p.peak_rate(), 5000);
}

TEST(Profile, RejectsWhatItCannotRead) {
  for (const char* bad : {"wave", "ramp:100", "ramp:a..b", "step:", "step:100", "spike:1000", "spike:1,2@x+1s"}) {
    auto p = RateProfile::parse(bad, 100, Seconds(10));
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.error().kind, ErrorKind::kInvalidInput) << bad;
    EXPECT_EQ(p.error().field, "--profile") << bad;
  }
  EXPECT_FALSE(RateProfile::parse("constant", 100, Seconds(0)).ok());
}

}  // namespace
}  // namespace kwb::loadtest
