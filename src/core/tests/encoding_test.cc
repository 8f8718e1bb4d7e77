#include <gtest/gtest.h>

#include "core/crypto.h"
#include "core/encoding.h"
#include "core/strings.h"

namespace kwb {
namespace {

TEST(Encoding, HexAndSha256KnownVector) {
  // SHA-256 of the empty string, as in every SigV4 request without a body.
  EXPECT_EQ(hex_encode(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Encoding, HmacRfc4231Case2) {
  EXPECT_EQ(hex_encode(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Encoding, Md5KnownVector) { EXPECT_EQ(hex_encode(md5("abc")), "900150983cd24fb0d6963f7d28e17f72"); }

TEST(Encoding, Base64RoundTripsAllLengths) {
  std::string data;
  for (int i = 0; i < 40; ++i) {
    auto encoded = base64_encode(data);
    auto decoded = base64_decode(encoded);
    ASSERT_TRUE(decoded.has_value()) << encoded;
    EXPECT_EQ(*decoded, data);
    data.push_back(static_cast<char>(i * 37));
  }
  EXPECT_EQ(base64_encode("hello"), "aGVsbG8=");
}

TEST(Encoding, Base64RejectsMalformed) {
  EXPECT_FALSE(base64_decode("abc").has_value());
  EXPECT_FALSE(base64_decode("ab=c").has_value());
  EXPECT_FALSE(base64_decode("a===").has_value());
  EXPECT_FALSE(base64_decode("ab!c").has_value());
}

TEST(Encoding, UriEncodeFollowsRfc3986) {
  EXPECT_EQ(uri_encode("a b/c~d*"), "a%20b%2Fc~d%2A");
  EXPECT_EQ(uri_encode("a b/c", true), "a%20b/c");
  EXPECT_EQ(*uri_decode("a%20b+c", true), "a b c");
  EXPECT_FALSE(uri_decode("%2").has_value());
  EXPECT_FALSE(uri_decode("%zz").has_value());
}

TEST(Strings, TrimSplitLower) {
  EXPECT_EQ(trim("  x y \t\n"), "x y");
  EXPECT_EQ(to_lower("AbC"), "abc");
  auto parts = split("a,b,,c", ',');
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(parts[2], "");
  EXPECT_EQ(human_bytes(1536), "1.5 KiB");
}

}  // namespace
}  // namespace kwb
