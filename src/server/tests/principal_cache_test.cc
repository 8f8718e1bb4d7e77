#include "server/principal_cache.h"

#include <gtest/gtest.h>

namespace kwb::server {
namespace {

using namespace std::chrono_literals;

class PrincipalCacheTest : public ::testing::Test {
 protected:
  Principal principal_expiring_in(std::chrono::seconds lifetime, const std::string& name = "ada") {
    Principal principal;
    principal.user_id = 7;
    principal.username = name;
    principal.role = auth::Role::kOperator;
    principal.claims.subject = name;
    principal.claims.token_id = "jti-" + name;
    principal.claims.expires_at = clock_.now() + lifetime;
    return principal;
  }

  ManualClock clock_{SystemTimePoint{} + std::chrono::hours(24 * 365 * 55)};
};

TEST_F(PrincipalCacheTest, RemembersExactlyTheTokenUntilTheLifetimeEnds) {
  PrincipalCache cache(1000ms, 16, clock_);
  cache.remember("token-a", principal_expiring_in(1h), cache.generation());
  auto hit = cache.find("token-a");
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->username, "ada");
  EXPECT_EQ(hit->role, auth::Role::kOperator);
  EXPECT_FALSE(cache.find("token-b").has_value());
  EXPECT_FALSE(cache.find("token-a ").has_value());  // one byte different is another token
  clock_.advance(999ms);
  EXPECT_TRUE(cache.find("token-a").has_value());
  clock_.advance(1ms);
  EXPECT_FALSE(cache.find("token-a").has_value());
}

TEST_F(PrincipalCacheTest, NeverAnswersForATokenPastItsExpiry) {
  PrincipalCache cache(60'000ms, 16, clock_);
  cache.remember("short", principal_expiring_in(2s), cache.generation());
  clock_.advance(1999ms);
  EXPECT_TRUE(cache.find("short").has_value());
  clock_.advance(1ms);
  EXPECT_FALSE(cache.find("short").has_value());
}

TEST_F(PrincipalCacheTest, ClearForgetsEverythingAndRefusesChecksThatRacedIt) {
  PrincipalCache cache(1000ms, 16, clock_);
  cache.remember("a", principal_expiring_in(1h, "a"), cache.generation());
  const std::uint64_t before_check = cache.generation();
  cache.clear();  // e.g. the user was disabled while their request was being checked
  EXPECT_FALSE(cache.find("a").has_value());
  cache.remember("b", principal_expiring_in(1h, "b"), before_check);
  EXPECT_FALSE(cache.find("b").has_value());
  EXPECT_EQ(cache.size(), 0u);
  cache.remember("b", principal_expiring_in(1h, "b"), cache.generation());
  EXPECT_TRUE(cache.find("b").has_value());
}

TEST_F(PrincipalCacheTest, MemoryIsBoundedByCapacity) {
  PrincipalCache cache(1000ms, 4, clock_);
  for (int i = 0; i < 10; ++i) {
    cache.remember("token-" + std::to_string(i), principal_expiring_in(1h), cache.generation());
    EXPECT_LE(cache.size(), 4u);
  }
  EXPECT_TRUE(cache.find("token-9").has_value());  // the newest always fits
}

TEST_F(PrincipalCacheTest, ZeroLifetimeTurnsItOff) {
  PrincipalCache cache(0ms, 16, clock_);
  EXPECT_FALSE(cache.enabled());
  cache.remember("a", principal_expiring_in(1h), cache.generation());
  EXPECT_FALSE(cache.find("a").has_value());
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace kwb::server
