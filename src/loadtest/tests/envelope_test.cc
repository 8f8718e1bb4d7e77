#include "loadtest/envelope.h"

#include <gtest/gtest.h>

namespace kwb::loadtest {
namespace {

TEST(Envelope, RoundTripsThroughPaddedRecord) {
  Envelope e{"lt-00000000ab", 3, 123456789, 1700000000123456};
  std::string data = encode(e, 200);
  EXPECT_EQ(data.size(), 200u);
  auto back = decode(data);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, e);
}

TEST(Envelope, NeverTruncatesTheHeader) {
  Envelope e{"run", 0, 0, 1};
  const std::string header = encode_header(e);
  EXPECT_EQ(encode(e, 1), header);
  EXPECT_EQ(decode(encode(e, 1))->run_id, "run");
}

TEST(Envelope, RejectsOtherData) {
  EXPECT_FALSE(decode("hello").has_value());
  EXPECT_FALSE(decode("kwb1 run 0 1").has_value());         // no terminator
  EXPECT_FALSE(decode("kwb1 run x 1 2|").has_value());      // producer not a number
  EXPECT_FALSE(decode("kwb1 r$n 0 1 2|").has_value());      // bad run id
  EXPECT_FALSE(decode("kwb1 run 0 1 2 3|").has_value());    // extra field
  EXPECT_FALSE(decode("").has_value());
}

TEST(Envelope, TimeConversionIsExactToTheMicrosecond) {
  const SystemTimePoint t = from_epoch_us(1700000000123456);
  EXPECT_EQ(to_epoch_us(t), 1700000000123456);
}

TEST(RunId, IsShortAndValid) {
  const std::string id = make_run_id(0xfedcba9876543210ULL);
  EXPECT_EQ(id, "lt-9876543210");  // the low 40 bits
  EXPECT_TRUE(validate_run_id(id).ok());
  EXPECT_FALSE(validate_run_id("has space").ok());
  EXPECT_FALSE(validate_run_id("").ok());
}

}  // namespace
}  // namespace kwb::loadtest
