#include "auth/login_throttle.h"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace kwb::auth {
namespace {

using namespace std::chrono_literals;

class LoginThrottleTest : public ::testing::Test {
 protected:
  ManualClock clock_{SystemTimePoint(std::chrono::seconds(1'700'000'000))};
};

TEST_F(LoginThrottleTest, FifthFailureLocksTheUserForFifteenMinutes) {
  LoginThrottle throttle({}, clock_);
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(throttle.check("alice", "10.0.0.1").allowed);
    EXPECT_TRUE(throttle.record_failure("alice", "10.0.0.1").allowed) << i;
  }
  const ThrottleDecision tripped = throttle.record_failure("alice", "10.0.0.1");
  EXPECT_FALSE(tripped.allowed);
  EXPECT_EQ(tripped.retry_after, 15min);

  clock_.advance(10min + 500ms);
  const ThrottleDecision later = throttle.check("alice", "10.0.0.2");  // another address: still locked
  EXPECT_FALSE(later.allowed);
  EXPECT_EQ(later.locked_by, "user");
  EXPECT_EQ(later.retry_after, 5min);  // 4 min 59.5 s, rounded up

  clock_.advance(5min);
  EXPECT_TRUE(throttle.check("alice", "10.0.0.2").allowed);
}

TEST_F(LoginThrottleTest, FailuresOutsideTheWindowAreForgotten) {
  LoginThrottle throttle({.window = 60s}, clock_);
  for (int i = 0; i < 4; ++i) (void)throttle.record_failure("alice", "a" + std::to_string(i));
  clock_.advance(61s);
  EXPECT_TRUE(throttle.record_failure("alice", "a9").allowed);  // only 1 failure in the window
}

TEST_F(LoginThrottleTest, SuccessResetsTheUserButNotTheAddress) {
  LoginThrottle throttle({}, clock_);
  for (int i = 0; i < 4; ++i) (void)throttle.record_failure("alice", "10.0.0.1");
  throttle.record_success("alice");
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(throttle.record_failure("alice", "10.0.0.9").allowed) << i;

  // The address 10.0.0.1 still has 4 failures: a success on an account it owns does not clear
  // them, so one more failure on any account locks the address.
  const ThrottleDecision decision = throttle.record_failure("bob", "10.0.0.1");
  EXPECT_FALSE(decision.allowed);
  EXPECT_EQ(decision.locked_by, "address");
  EXPECT_TRUE(throttle.check("bob", "10.0.0.2").allowed);  // bob himself is fine elsewhere
}

TEST_F(LoginThrottleTest, AddressSprayingManyUsersIsLocked) {
  LoginThrottle throttle({.max_failures_per_address = 3}, clock_);
  EXPECT_TRUE(throttle.record_failure("u1", "6.6.6.6").allowed);
  EXPECT_TRUE(throttle.record_failure("u2", "6.6.6.6").allowed);
  EXPECT_FALSE(throttle.record_failure("u3", "6.6.6.6").allowed);
  EXPECT_FALSE(throttle.check("u4", "6.6.6.6").allowed);
  EXPECT_TRUE(throttle.check("u4", "7.7.7.7").allowed);
}

TEST_F(LoginThrottleTest, FailuresDuringALockoutDoNotExtendIt) {
  LoginThrottle throttle({.max_failures_per_user = 2, .lockout = 60s}, clock_);
  (void)throttle.record_failure("alice", "a");
  EXPECT_FALSE(throttle.record_failure("alice", "b").allowed);
  clock_.advance(30s);
  EXPECT_EQ(throttle.record_failure("alice", "c").retry_after, 30s);
}

TEST_F(LoginThrottleTest, MemoryIsBounded) {
  LoginThrottle throttle({.max_failures_per_user = 2, .window = 60s, .max_tracked_keys = 10}, clock_);
  (void)throttle.record_failure("victim", "x");
  (void)throttle.record_failure("victim", "y");  // locked
  for (int i = 0; i < 100; ++i) (void)throttle.record_failure("spray" + std::to_string(i), "z" + std::to_string(i));
  EXPECT_FALSE(throttle.check("victim", "q").allowed);  // locked keys survive pruning
}

TEST_F(LoginThrottleTest, ConcurrentFailuresAreAllCounted) {
  LoginThrottle throttle({.max_failures_per_user = 400, .max_failures_per_address = 1000}, clock_);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 99; ++i) (void)throttle.record_failure("alice", "a");
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_TRUE(throttle.check("alice", "a").allowed);  // 396 < 400
  for (int i = 0; i < 3; ++i) (void)throttle.record_failure("alice", "a");
  EXPECT_TRUE(throttle.check("alice", "a").allowed);  // 399
  EXPECT_FALSE(throttle.record_failure("alice", "a").allowed);  // 400
}

}  // namespace
}  // namespace kwb::auth
