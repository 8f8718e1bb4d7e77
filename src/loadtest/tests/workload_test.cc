#include "loadtest/workload.h"

#include <gtest/gtest.h>

#include <map>

namespace kwb::loadtest {
namespace {

TEST(Size, ParsesUnits) {
  EXPECT_EQ(*parse_size("100"), 100u);
  EXPECT_EQ(*parse_size("1KiB"), 1024u);
  EXPECT_EQ(*parse_size("1kb"), 1000u);
  EXPECT_EQ(*parse_size("1MiB"), 1024u * 1024);
  EXPECT_FALSE(parse_size("2MiB").ok());  // over the record limit
  EXPECT_FALSE(parse_size("0").ok());
  EXPECT_FALSE(parse_size("big").ok());
}

TEST(SizeDistribution, FixedUniformAndChoice) {
  SeededRandom random(1);
  auto fixed = SizeDistribution::parse("512");
  ASSERT_TRUE(fixed.ok());
  EXPECT_EQ(fixed->sample(random), 512u);
  auto uniform = SizeDistribution::parse("uniform:100..200");
  ASSERT_TRUE(uniform.ok());
  for (int i = 0; i < 1000; ++i) {
    const auto s = uniform->sample(random);
    EXPECT_GE(s, 100u);
    EXPECT_LE(s, 200u);
  }
  EXPECT_DOUBLE_EQ(uniform->mean(), 150);
  auto choice = SizeDistribution::parse("choice:100,1KiB");
  ASSERT_TRUE(choice.ok());
  std::map<std::size_t, int> seen;
  for (int i = 0; i < 200; ++i) ++seen[choice->sample(random)];
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_FALSE(SizeDistribution::parse("uniform:200..100").ok());
}

TEST(KeyDistribution, UniformSpreadsOverAllKeys) {
  SeededRandom random(7);
  auto keys = KeyDistribution::parse("uniform:10");
  ASSERT_TRUE(keys.ok());
  std::map<std::size_t, int> counts;
  for (int i = 0; i < 10000; ++i) ++counts[keys->sample_index(random)];
  EXPECT_EQ(counts.size(), 10u);
  for (const auto& [key, n] : counts) EXPECT_NEAR(n, 1000, 150) << key;
}

TEST(KeyDistribution, ZipfFavoursTheFirstKeys) {
  SeededRandom random(7);
  auto keys = KeyDistribution::parse("zipf:1:100");
  ASSERT_TRUE(keys.ok());
  std::map<std::size_t, int> counts;
  const int n = 20000;
  for (int i = 0; i < n; ++i) ++counts[keys->sample_index(random)];
  // P(key 0) = 1 / H(100) ~ 0.193; P(key 1) is half of that.
  EXPECT_NEAR(counts[0] / double(n), 0.193, 0.02);
  EXPECT_NEAR(counts[1] / double(n), 0.0965, 0.015);
  EXPECT_GT(counts[0], counts[9] * 5);
}

TEST(KeyDistribution, HotKeyTakesItsShare) {
  SeededRandom random(3);
  auto keys = KeyDistribution::parse("hot:0.5:50");
  ASSERT_TRUE(keys.ok());
  int hot = 0;
  const int n = 10000;
  for (int i = 0; i < n; ++i) hot += keys->sample_index(random) == 0 ? 1 : 0;
  EXPECT_NEAR(hot / double(n), 0.5 + 0.5 / 49 * 0, 0.03);
  EXPECT_EQ(keys->sample(random).rfind("k", 0), 0u);
}

TEST(KeyDistribution, RejectsBadSpecs) {
  for (const char* bad : {"gauss", "zipf", "zipf:0", "hot:1.5", "uniform:0", "uniform:10:3", "hot"}) {
    auto d = KeyDistribution::parse(bad);
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_EQ(d.error().field, "--keys") << bad;
  }
}

}  // namespace
}  // namespace kwb::loadtest
