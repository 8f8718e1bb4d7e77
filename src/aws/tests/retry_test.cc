#include "aws/retry.h"

#include <gtest/gtest.h>

#include "aws/error_table.h"

namespace kwb::aws {
namespace {

Error error_of(ErrorKind kind) {
  Error e;
  e.kind = kind;
  return e;
}

// What the strategy must produce for a given draw: uniform01 * min(base * 2^(attempt-1), cap).
std::chrono::milliseconds expected_delay(double draw, std::chrono::milliseconds base, int attempt,
                                         std::chrono::milliseconds cap) {
  double ceiling = std::min(static_cast<double>(base.count()) * static_cast<double>(1LL << (attempt - 1)),
                            static_cast<double>(cap.count()));
  return std::chrono::milliseconds(static_cast<std::int64_t>(draw * ceiling));
}

TEST(RetryStrategy, DelaysFollowFullJitterWithPinnedSeed) {
  RetryConfig config;
  config.max_attempts = 10;
  SeededRandom random(7);
  SeededRandom mirror(7);  // the same sequence, to know each draw
  RetryStrategy strategy(config, random);
  for (int attempt = 1; attempt < 10; ++attempt) {
    auto delay = strategy.on_failure(attempt, error_of(ErrorKind::kTransient));
    ASSERT_TRUE(delay.has_value()) << attempt;
    EXPECT_EQ(*delay, expected_delay(mirror.uniform01(), config.base_delay, attempt, config.max_backoff)) << attempt;
  }
}

TEST(RetryStrategy, ThrottlingUsesLongerBaseAndDelaysStayUnderTheCap) {
  RetryConfig config;
  config.max_attempts = 100;
  config.initial_quota = 100000;
  SeededRandom random(1);
  SeededRandom mirror(1);
  RetryStrategy strategy(config, random);
  bool saw_large = false;
  for (int attempt = 1; attempt < 60; ++attempt) {
    auto delay = strategy.on_failure(attempt, error_of(ErrorKind::kThrottling));
    ASSERT_TRUE(delay.has_value());
    EXPECT_EQ(*delay, expected_delay(mirror.uniform01(), config.throttling_base_delay, attempt, config.max_backoff));
    EXPECT_LT(*delay, std::chrono::milliseconds(20000));
    if (*delay > std::chrono::milliseconds(10000)) saw_large = true;
  }
  // With 50+ draws against a 20 s ceiling, some must land in the upper half: the cap, not the
  // exponent, bounds them.
  EXPECT_TRUE(saw_large);
}

TEST(RetryStrategy, FirstThrottlingDelayIsBelowOneSecondAndTransientBelowHundredMs) {
  RetryConfig config;
  SeededRandom random(3);
  RetryStrategy strategy(config, random);
  for (int i = 0; i < 50; ++i) {
    auto t = strategy.on_failure(1, error_of(ErrorKind::kTransient));
    ASSERT_TRUE(t);
    EXPECT_LT(*t, std::chrono::milliseconds(100));
    strategy.on_success(2);
  }
}

TEST(RetryStrategy, GivesUpAtMaxAttempts) {
  RetryConfig config;
  config.max_attempts = 3;
  SeededRandom random(1);
  RetryStrategy strategy(config, random);
  EXPECT_TRUE(strategy.on_failure(1, error_of(ErrorKind::kNetwork)));
  EXPECT_TRUE(strategy.on_failure(2, error_of(ErrorKind::kNetwork)));
  EXPECT_FALSE(strategy.on_failure(3, error_of(ErrorKind::kNetwork)));
}

TEST(RetryStrategy, NonRetryableKindsAreNotRetriedAndCostNothing) {
  SeededRandom random(1);
  RetryStrategy strategy(RetryConfig{}, random);
  for (ErrorKind kind : {ErrorKind::kInvalidInput, ErrorKind::kAuth, ErrorKind::kNotFound, ErrorKind::kConflict,
                         ErrorKind::kExpiredIterator, ErrorKind::kParse}) {
    EXPECT_FALSE(strategy.on_failure(1, error_of(kind))) << to_string(kind);
  }
  EXPECT_EQ(strategy.quota_available(), 500);
}

TEST(RetryStrategy, QuotaDrainsAndStopsRetries) {
  RetryConfig config;
  config.max_attempts = 5;
  SeededRandom random(1);
  RetryStrategy strategy(config, random);
  // 500 / 5 = 100 retries of ordinary errors, then none.
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(strategy.on_failure(1, error_of(ErrorKind::kTransient))) << i;
  EXPECT_EQ(strategy.quota_available(), 0);
  EXPECT_FALSE(strategy.on_failure(1, error_of(ErrorKind::kTransient)));
  EXPECT_EQ(strategy.quota_available(), 0);
}

TEST(RetryStrategy, TimeoutsCostMore) {
  SeededRandom random(1);
  RetryStrategy strategy(RetryConfig{}, random);
  ASSERT_TRUE(strategy.on_failure(1, error_of(ErrorKind::kTimeout)));
  EXPECT_EQ(strategy.quota_available(), 490);
  ASSERT_TRUE(strategy.on_failure(1, error_of(ErrorKind::kThrottling)));
  EXPECT_EQ(strategy.quota_available(), 485);
}

TEST(RetryStrategy, SuccessRefundsRetryCostOrOneAndNeverExceedsInitial) {
  SeededRandom random(1);
  RetryStrategy strategy(RetryConfig{}, random);
  strategy.on_success(1);
  EXPECT_EQ(strategy.quota_available(), 500);  // capped
  ASSERT_TRUE(strategy.on_failure(1, error_of(ErrorKind::kTimeout)));
  ASSERT_TRUE(strategy.on_failure(1, error_of(ErrorKind::kTransient)));
  EXPECT_EQ(strategy.quota_available(), 485);
  strategy.on_success(2);  // refunds the last retry's cost
  EXPECT_EQ(strategy.quota_available(), 490);
  strategy.on_success(1);  // a first-try success adds one
  EXPECT_EQ(strategy.quota_available(), 491);
}

TEST(RetryConfigFromEnv, ReadsAwsMaxAttempts) {
  MapEnvironment env;
  auto defaults = retry_config_from_env(env);
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->max_attempts, 3);

  env.set("AWS_MAX_ATTEMPTS", "7");
  auto seven = retry_config_from_env(env);
  ASSERT_TRUE(seven);
  EXPECT_EQ(seven->max_attempts, 7);

  for (const char* bad : {"0", "101", "three", "5x", "-1"}) {
    env.set("AWS_MAX_ATTEMPTS", bad);
    auto result = retry_config_from_env(env);
    ASSERT_FALSE(result) << bad;
    EXPECT_EQ(result.error().kind, ErrorKind::kConfig);
    EXPECT_NE(result.error().message.find("AWS_MAX_ATTEMPTS"), std::string::npos);
    EXPECT_NE(result.error().message.find(bad), std::string::npos);
  }
}

}  // namespace
}  // namespace kwb::aws
