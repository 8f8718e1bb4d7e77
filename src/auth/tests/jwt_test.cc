#include "auth/jwt.h"

#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/crypto.h"

namespace kwb::auth {
namespace {

using namespace std::chrono_literals;

const Secret kKey(std::string(32, 'k'));
const Secret kOtherKey(std::string(32, 'o'));

class JwtTest : public ::testing::Test {
 protected:
  JwtCodec codec(const Secret& key = kKey, std::string issuer = "kwb") {
    JwtOptions options;
    options.issuer = std::move(issuer);
    options.ttl = 1h;
    options.leeway = 30s;
    auto created = JwtCodec::create(key, options, clock_);
    EXPECT_TRUE(created.ok());
    return std::move(*created);
  }

  // A token with any header, payload and key: how an attacker would build one.
  static std::string forge(const nlohmann::json& header, const nlohmann::json& payload, const Secret& key) {
    const std::string input = base64url_encode(header.dump()) + "." + base64url_encode(payload.dump());
    return input + "." + base64url_encode(hmac_sha256(key.reveal(), input));
  }

  nlohmann::json valid_payload() const {
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
    return {{"iss", "kwb"}, {"sub", "alice"}, {"role", "admin"}, {"jti", "id-1"}, {"iat", now}, {"exp", now + 3600}};
  }

  static std::string code_of(const Result<TokenClaims>& result) { return result.ok() ? "OK" : result.error().code; }

  ManualClock clock_{SystemTimePoint(std::chrono::seconds(1'700'000'000))};
};

TEST_F(JwtTest, IssuedTokenVerifiesWithItsClaims) {
  const JwtCodec jwt = codec();
  auto issued = jwt.issue("alice", "operator");
  ASSERT_TRUE(issued.ok()) << issued.error();
  EXPECT_EQ(issued->claims.expires_at - issued->claims.issued_at, 1h);
  EXPECT_EQ(issued->claims.token_id.size(), 32u);  // 16 random bytes, hex

  auto claims = jwt.verify(issued->token);
  ASSERT_TRUE(claims.ok()) << claims.error();
  EXPECT_EQ(claims->subject, "alice");
  EXPECT_EQ(claims->role, "operator");
  EXPECT_EQ(claims->issuer, "kwb");
  EXPECT_EQ(claims->token_id, issued->claims.token_id);
  EXPECT_EQ(claims->issued_at, clock_.now());
  EXPECT_EQ(claims->expires_at, clock_.now() + 1h);

  auto again = jwt.issue("alice", "operator");
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->claims.token_id, issued->claims.token_id);
}

TEST_F(JwtTest, HeaderIsHs256Jwt) {
  auto issued = codec().issue("alice", "viewer");
  ASSERT_TRUE(issued.ok());
  const std::string header = issued->token.substr(0, issued->token.find('.'));
  EXPECT_EQ(*base64url_decode(header), R"({"alg":"HS256","typ":"JWT"})");
}

TEST_F(JwtTest, TamperedPayloadIsRejected) {
  const JwtCodec jwt = codec();
  auto issued = jwt.issue("bob", "viewer");
  ASSERT_TRUE(issued.ok());
  const std::string& token = issued->token;
  const auto dot1 = token.find('.');
  const auto dot2 = token.rfind('.');
  auto payload = nlohmann::json::parse(*base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1)));
  payload["role"] = "admin";  // privilege escalation attempt, original signature kept
  const std::string tampered =
      token.substr(0, dot1) + "." + base64url_encode(payload.dump()) + token.substr(dot2);
  auto result = jwt.verify(tampered);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, "TokenSignatureInvalid");
  EXPECT_EQ(result.error().kind, ErrorKind::kAuth);
  EXPECT_EQ(result.error().http_status, 401);
}

TEST_F(JwtTest, WrongKeyIsRejected) {
  auto token = codec(kOtherKey).issue("bob", "admin");
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(code_of(codec().verify(token->token)), "TokenSignatureInvalid");
}

TEST_F(JwtTest, AlgNoneIsRejectedInEverySpelling) {
  const JwtCodec jwt = codec();
  for (const char* alg : {"none", "None", "NONE", "nOnE"}) {
    const nlohmann::json header = {{"alg", alg}, {"typ", "JWT"}};
    const std::string unsigned_token =
        base64url_encode(header.dump()) + "." + base64url_encode(valid_payload().dump()) + ".";
    auto result = jwt.verify(unsigned_token);
    ASSERT_FALSE(result.ok()) << alg;
    EXPECT_EQ(result.error().code, "TokenAlgorithmNotAllowed") << alg;
    EXPECT_NE(result.error().message.find(alg), std::string::npos) << result.error();
  }
}

TEST_F(JwtTest, OtherAlgorithmsAreRejectedEvenWithAValidHs256Mac) {
  const JwtCodec jwt = codec();
  for (const char* alg : {"HS512", "HS384", "RS256", "ES256", "hs256", ""}) {
    // Signed with our key by HS256: only the alg label differs, and that alone must fail.
    auto result = jwt.verify(forge({{"alg", alg}, {"typ", "JWT"}}, valid_payload(), kKey));
    EXPECT_EQ(code_of(result), "TokenAlgorithmNotAllowed") << alg;
  }
  // The same construction with "HS256" passes, so the cases above fail for the alg alone.
  EXPECT_EQ(code_of(jwt.verify(forge({{"alg", "HS256"}, {"typ", "JWT"}}, valid_payload(), kKey))), "OK");
}

TEST_F(JwtTest, MalformedTokensAreRejected) {
  const JwtCodec jwt = codec();
  const std::string good = forge({{"alg", "HS256"}}, valid_payload(), kKey);
  const std::vector<std::string> bad = {
      "",
      "abc",
      "a.b",
      good + ".extra",
      "!!!." + good.substr(good.find('.') + 1),
      base64url_encode("not json") + "." + base64url_encode(valid_payload().dump()) + ".sig",
      base64url_encode("[1,2]") + "." + base64url_encode(valid_payload().dump()) + ".sig",
      base64url_encode(R"({"typ":"JWT"})") + "." + base64url_encode(valid_payload().dump()) + ".sig",
      good.substr(0, good.rfind('.')) + ".AAAA=",  // padding is not base64url
      std::string(9000, 'a'),
  };
  for (const std::string& token : bad) {
    EXPECT_EQ(code_of(jwt.verify(token)), "TokenMalformed") << token.substr(0, 80);
  }
}

TEST_F(JwtTest, CorrectlySignedButIncompleteClaimsAreMalformed) {
  const JwtCodec jwt = codec();
  for (const char* claim : {"iss", "sub", "role", "jti", "iat", "exp"}) {
    nlohmann::json payload = valid_payload();
    payload.erase(claim);
    EXPECT_EQ(code_of(jwt.verify(forge({{"alg", "HS256"}}, payload, kKey))), "TokenMalformed") << claim;
  }
  nlohmann::json stringly = valid_payload();
  stringly["exp"] = "tomorrow";
  EXPECT_EQ(code_of(jwt.verify(forge({{"alg", "HS256"}}, stringly, kKey))), "TokenMalformed");
  nlohmann::json huge = valid_payload();
  huge["exp"] = std::numeric_limits<std::uint64_t>::max();
  EXPECT_EQ(code_of(jwt.verify(forge({{"alg", "HS256"}}, huge, kKey))), "TokenMalformed");
  EXPECT_EQ(code_of(jwt.verify(forge({{"alg", "HS256"}, {"crit", {"exp"}}}, valid_payload(), kKey))),
            "TokenMalformed");
}

TEST_F(JwtTest, WrongIssuerIsRejected) {
  auto foreign = codec(kKey, "someone-else").issue("alice", "admin");
  ASSERT_TRUE(foreign.ok());
  EXPECT_EQ(code_of(codec().verify(foreign->token)), "TokenIssuerInvalid");
}

TEST_F(JwtTest, ExpiryHonoursTheLeewayExactly) {
  const JwtCodec jwt = codec();
  auto issued = jwt.issue("alice", "viewer");
  ASSERT_TRUE(issued.ok());
  clock_.advance(1h + 30s - 1ms);  // exp + leeway - 1 ms: still accepted
  EXPECT_EQ(code_of(jwt.verify(issued->token)), "OK");
  clock_.advance(1ms);
  auto expired = jwt.verify(issued->token);
  EXPECT_EQ(code_of(expired), "TokenExpired");
}

TEST_F(JwtTest, TokensFromTheFutureAreRejected) {
  nlohmann::json payload = valid_payload();
  payload["iat"] = payload["iat"].get<std::int64_t>() + 31;  // beyond the 30 s leeway
  EXPECT_EQ(code_of(codec().verify(forge({{"alg", "HS256"}}, payload, kKey))), "TokenNotYetValid");
  payload["iat"] = payload["iat"].get<std::int64_t>() - 2;  // within it
  EXPECT_EQ(code_of(codec().verify(forge({{"alg", "HS256"}}, payload, kKey))), "OK");
}

TEST_F(JwtTest, RevokedTokensAreRejectedAndLookupFailuresFailClosed) {
  const JwtCodec jwt = codec();
  auto issued = jwt.issue("alice", "admin");
  ASSERT_TRUE(issued.ok());
  std::set<std::string> deny;
  RevocationCheck check = [&](std::string_view jti) -> Result<bool> { return deny.count(std::string(jti)) > 0; };
  EXPECT_EQ(code_of(jwt.verify(issued->token, check)), "OK");
  deny.insert(issued->claims.token_id);
  EXPECT_EQ(code_of(jwt.verify(issued->token, check)), "TokenRevoked");

  RevocationCheck broken = [](std::string_view) -> Result<bool> { return Error::network("database down"); };
  auto result = jwt.verify(issued->token, broken);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::kNetwork);
}

TEST_F(JwtTest, EveryRejectionHasItsOwnMessage) {
  const JwtCodec jwt = codec();
  auto issued = jwt.issue("alice", "admin");
  ASSERT_TRUE(issued.ok());
  nlohmann::json future = valid_payload();
  future["iat"] = future["iat"].get<std::int64_t>() + 3600;
  RevocationCheck all_revoked = [](std::string_view) -> Result<bool> { return true; };
  ManualClock later(clock_.now() + 2h);
  auto late = JwtCodec::create(kKey, jwt.options(), later);
  ASSERT_TRUE(late.ok());

  const std::vector<Result<TokenClaims>> rejections = {
      jwt.verify("garbage"),
      jwt.verify(forge({{"alg", "none"}}, valid_payload(), kKey)),
      jwt.verify(forge({{"alg", "HS256"}}, valid_payload(), kOtherKey)),
      codec(kKey, "other").verify(issued->token),
      late->verify(issued->token),
      jwt.verify(forge({{"alg", "HS256"}}, future, kKey)),
      jwt.verify(issued->token, all_revoked),
  };
  std::set<std::string> codes;
  std::set<std::string> messages;
  for (const auto& rejection : rejections) {
    ASSERT_FALSE(rejection.ok());
    EXPECT_EQ(rejection.error().kind, ErrorKind::kAuth);
    codes.insert(rejection.error().code);
    messages.insert(rejection.error().message);
  }
  EXPECT_EQ(codes.size(), rejections.size());
  EXPECT_EQ(messages.size(), rejections.size());
}

TEST_F(JwtTest, ShortKeysAndBadOptionsAreConfigErrors) {
  auto short_key = JwtCodec::create(Secret("too short"), {}, clock_);
  ASSERT_FALSE(short_key.ok());
  EXPECT_EQ(short_key.error().kind, ErrorKind::kConfig);
  JwtOptions no_issuer;
  no_issuer.issuer = "";
  EXPECT_FALSE(JwtCodec::create(kKey, no_issuer, clock_).ok());
}

TEST(Base64Url, RoundTripsAndIsStrict) {
  for (const std::string bytes : {"", "f", "fo", "foo", "foob", "\xfb\xff\xfe"}) {
    const std::string text = base64url_encode(bytes);
    EXPECT_EQ(text.find_first_of("+/="), std::string::npos) << text;
    auto back = base64url_decode(text);
    ASSERT_TRUE(back.has_value()) << text;
    EXPECT_EQ(*back, bytes);
  }
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_FALSE(base64url_decode("Zg==").has_value());  // padded
  EXPECT_FALSE(base64url_decode("+/8").has_value());   // standard alphabet
  EXPECT_FALSE(base64url_decode("Zh").has_value());    // non-canonical trailing bits
  EXPECT_FALSE(base64url_decode("Z").has_value());     // impossible length
}

}  // namespace
}  // namespace kwb::auth
