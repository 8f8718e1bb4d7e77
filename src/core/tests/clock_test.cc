#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/random.h"

namespace kwb {
namespace {

TEST(ManualClock, SleepAdvancesWithoutWaiting) {
  SystemTimePoint start{};
  ManualClock clock(start);
  clock.sleep_for(std::chrono::seconds(20));
  EXPECT_EQ(clock.now() - start, std::chrono::seconds(20));
  EXPECT_EQ(clock.total_slept(), std::chrono::seconds(20));
  clock.advance(std::chrono::seconds(1));
  EXPECT_EQ(clock.total_slept(), std::chrono::seconds(20));
}

TEST(Clock, FormatsAndParsesAmzDates) {
  SystemTimePoint t;
  ASSERT_TRUE(parse_iso8601("20150830T123600Z", t));
  EXPECT_EQ(format_amz_date(t), "20150830T123600Z");
  EXPECT_EQ(format_iso8601_millis(t), "2015-08-30T12:36:00.000Z");
  ASSERT_TRUE(parse_iso8601("2015-08-30T12:36:00.250Z", t));
  EXPECT_EQ(format_iso8601_millis(t), "2015-08-30T12:36:00.250Z");
  EXPECT_FALSE(parse_iso8601("yesterday", t));
  EXPECT_FALSE(parse_iso8601("2015-13-30T12:36:00Z", t));
}

TEST(SeededRandom, SameSeedSameSequence) {
  SeededRandom a(42);
  SeededRandom b(42);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.next_u64(), b.next_u64());
  SeededRandom c(43);
  EXPECT_NE(SeededRandom(42).next_u64(), c.next_u64());
  double u = a.uniform01();
  EXPECT_GE(u, 0.0);
  EXPECT_LT(u, 1.0);
}

}  // namespace
}  // namespace kwb
