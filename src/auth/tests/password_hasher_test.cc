#include "auth/password_hasher.h"

#include <gtest/gtest.h>

namespace kwb::auth {
namespace {

PasswordHasher fast_hasher() {
  auto hasher = PasswordHasher::create(PasswordHashParams::minimum());
  EXPECT_TRUE(hasher.ok());
  return std::move(*hasher);
}

TEST(PasswordHasher, HashesVerifyAndAreSalted) {
  const PasswordHasher hasher = fast_hasher();
  auto first = hasher.hash(Secret("correct horse battery staple"));
  auto second = hasher.hash(Secret("correct horse battery staple"));
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->rfind("$argon2id$", 0), 0u) << *first;
  EXPECT_NE(*first, *second);  // a fresh salt each time
  EXPECT_TRUE(hasher.verify(*first, Secret("correct horse battery staple")));
  EXPECT_TRUE(hasher.verify(*second, Secret("correct horse battery staple")));
  EXPECT_FALSE(hasher.verify(*first, Secret("correct horse battery stapl")));
  EXPECT_FALSE(hasher.verify(*first, Secret("")));
}

TEST(PasswordHasher, GarbageHashesNeverVerify) {
  const PasswordHasher hasher = fast_hasher();
  EXPECT_FALSE(hasher.verify("", Secret("x")));
  EXPECT_FALSE(hasher.verify("plaintext", Secret("plaintext")));
  EXPECT_FALSE(hasher.verify(std::string(500, 'a'), Secret("x")));
  EXPECT_FALSE(hasher.verify_dummy(Secret("anything")));
}

TEST(PasswordHasher, NeedsRehashWhenParametersChange) {
  const PasswordHasher fast = fast_hasher();
  auto hash = fast.hash(Secret("pw"));
  ASSERT_TRUE(hash.ok());
  EXPECT_FALSE(fast.needs_rehash(*hash));
  auto stronger = PasswordHasher::create({PasswordHashParams::minimum().opslimit + 1, PasswordHashParams::minimum().memlimit});
  ASSERT_TRUE(stronger.ok());
  EXPECT_TRUE(stronger->needs_rehash(*hash));
  EXPECT_TRUE(stronger->verify(*hash, Secret("pw")));  // old hashes keep verifying
  EXPECT_TRUE(fast.needs_rehash("not a hash"));
}

TEST(PasswordHasher, RejectsParametersBelowTheMinimum) {
  auto hasher = PasswordHasher::create({0, PasswordHashParams::minimum().memlimit});
  ASSERT_FALSE(hasher.ok());
  EXPECT_EQ(hasher.error().field, "opslimit");
  auto tiny = PasswordHasher::create({1, 1024});
  ASSERT_FALSE(tiny.ok());
  EXPECT_EQ(tiny.error().field, "memlimit");
}

TEST(PasswordHasher, DefaultsAreTheMeasuredInteractiveCost) {
  // The figures in password_hasher.h were measured with these; changing them means re-measuring.
  EXPECT_EQ(PasswordHashParams::interactive().opslimit, 3u);
  EXPECT_EQ(PasswordHashParams::interactive().memlimit, 32u * 1024 * 1024);
}

}  // namespace
}  // namespace kwb::auth
