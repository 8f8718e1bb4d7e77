// Behaviour of the signer beyond the AWS suite: the verification side (parsing what a client sent
// and recomputing its signature), malformed input, and cases the suite does not cover.

#include "sigv4/signer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/crypto.h"
#include "core/encoding.h"
#include "core/strings.h"

namespace kwb::sigv4 {
namespace {

SystemTimePoint at(const char* iso) {
  SystemTimePoint time;
  EXPECT_TRUE(parse_iso8601(iso, time)) << iso;
  return time;
}

SigningConfig kinesis_config(SignatureLocation location = SignatureLocation::kHeaders) {
  SigningConfig config;
  config.credentials.access_key_id = "AKIDEXAMPLE";
  config.credentials.secret_access_key = Secret("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  config.region = "eu-west-1";
  config.service = "kinesis";
  config.time = at("2024-02-29T23:59:59Z");
  config.location = location;
  return config;
}

Signable put_record_request() {
  return Signable{"POST",
                  "/",
                  "",
                  {{"Host", "kinesis.eu-west-1.amazonaws.com"},
                   {"Content-Type", "application/x-amz-json-1.1"},
                   {"X-Amz-Target", "Kinesis_20131202.PutRecord"}},
                  R"({"StreamName":"orders","PartitionKey":"k1","Data":"aGVsbG8="})"};
}

const Header* find_header(const Signable& request, const std::string& name) {
  for (const auto& header : request.headers) {
    if (to_lower(header.name) == to_lower(name)) return &header;
  }
  return nullptr;
}

std::vector<std::string> signed_headers_of(const SigningResult& result) {
  // The fifth line of the canonical request is the signed-header list.
  std::vector<std::string> lines = split(result.canonical_request, '\n');
  return split(lines[lines.size() - 2], ';');
}

TEST(DeriveSigningKey, MatchesAwsDocumentedExample) {
  // The worked example in the AWS "deriving the signing key" documentation.
  SystemTimePoint time = at("2012-02-15T00:00:00Z");
  EXPECT_EQ(
      hex_encode(derive_signing_key(Secret("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), time, "us-east-1", "iam")),
      "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

TEST(ParseAuthorization, HeaderRoundTripsWithSign) {
  SigningConfig config = kinesis_config();
  auto result = sign(put_record_request(), config);
  ASSERT_TRUE(result.ok()) << result.error();
  Signable signed_request = apply(put_record_request(), *result);
  const Header* authorization = find_header(signed_request, "Authorization");
  ASSERT_NE(authorization, nullptr);

  auto parsed = parse_authorization_header(authorization->value);
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_EQ(parsed->access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(parsed->date, "20240229");
  EXPECT_EQ(parsed->region, "eu-west-1");
  EXPECT_EQ(parsed->service, "kinesis");
  EXPECT_EQ(parsed->signed_headers, signed_headers_of(*result));
  EXPECT_EQ(parsed->signature, result->signature);
  EXPECT_FALSE(parsed->from_query);
}

TEST(ParseAuthorization, QueryRoundTripsWithSign) {
  SigningConfig config = kinesis_config(SignatureLocation::kQuery);
  config.credentials.session_token = Secret("token/with+reserved=chars");
  Signable request = put_record_request();
  request.query = "Action=Describe&Limit=10";
  auto result = sign(request, config);
  ASSERT_TRUE(result.ok()) << result.error();
  Signable signed_request = apply(request, *result);
  EXPECT_TRUE(signed_request.query.starts_with("Action=Describe&Limit=10&X-Amz-Algorithm=")) << signed_request.query;

  auto parsed = parse_authorization_query(signed_request.query);
  ASSERT_TRUE(parsed.has_value());
  ASSERT_TRUE(parsed->ok()) << parsed->error();
  EXPECT_TRUE((*parsed)->from_query);
  EXPECT_EQ((*parsed)->access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ((*parsed)->date, "20240229");
  EXPECT_EQ((*parsed)->region, "eu-west-1");
  EXPECT_EQ((*parsed)->service, "kinesis");
  EXPECT_EQ((*parsed)->signed_headers, signed_headers_of(*result));
  EXPECT_EQ((*parsed)->signature, result->signature);
}

TEST(ParseAuthorization, QueryWithoutSignatureIsNotAnError) {
  EXPECT_FALSE(parse_authorization_query("").has_value());
  EXPECT_FALSE(parse_authorization_query("Action=ListStreams&Version=2013-12-02").has_value());
}

TEST(ParseAuthorization, MalformedHeadersAreErrorsNotCrashes) {
  const std::string good_credential = "Credential=AKID/20150830/us-east-1/kinesis/aws4_request";
  const std::string good_signature = "Signature=" + std::string(64, 'a');
  const std::vector<std::string> malformed = {
      "",
      "   ",
      "AWS4-HMAC-SHA256",
      "AWS4-HMAC-SHA256 ",
      "Bearer abc",
      "AWS4-HMAC-SHA1 " + good_credential + ", SignedHeaders=host, " + good_signature,
      "AWS4-HMAC-SHA256" + good_credential + ", SignedHeaders=host, " + good_signature,
      "AWS4-HMAC-SHA256 " + good_credential + ", SignedHeaders=host",
      "AWS4-HMAC-SHA256 " + good_credential + ", " + good_signature,
      "AWS4-HMAC-SHA256 SignedHeaders=host, " + good_signature,
      "AWS4-HMAC-SHA256 " + good_credential + ", SignedHeaders=host, Signature=abc",
      "AWS4-HMAC-SHA256 " + good_credential + ", SignedHeaders=host, Signature=" + std::string(64, 'A'),
      "AWS4-HMAC-SHA256 " + good_credential + ", SignedHeaders=host, Signature=" + std::string(64, 'g'),
      "AWS4-HMAC-SHA256 " + good_credential + ", SignedHeaders=, " + good_signature,
      "AWS4-HMAC-SHA256 " + good_credential + ", SignedHeaders=host;;x-amz-date, " + good_signature,
      "AWS4-HMAC-SHA256 " + good_credential + ", SignedHeaders=Host, " + good_signature,
      "AWS4-HMAC-SHA256 " + good_credential + ", " + good_credential + ", SignedHeaders=host, " + good_signature,
      "AWS4-HMAC-SHA256 " + good_credential + ", SignedHeaders=host, " + good_signature + ", Extra=1",
      "AWS4-HMAC-SHA256 " + good_credential + ", SignedHeaders host, " + good_signature,
      "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/kinesis, SignedHeaders=host, " + good_signature,
      "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/kinesis/aws5_request, SignedHeaders=host, " + good_signature,
      "AWS4-HMAC-SHA256 Credential=AKID/2015083/us-east-1/kinesis/aws4_request, SignedHeaders=host, " + good_signature,
      "AWS4-HMAC-SHA256 Credential=AKID/2015083x/us-east-1/kinesis/aws4_request, SignedHeaders=host, " + good_signature,
      "AWS4-HMAC-SHA256 Credential=/20150830/us-east-1/kinesis/aws4_request, SignedHeaders=host, " + good_signature,
      "AWS4-HMAC-SHA256 Credential=AKID/20150830//kinesis/aws4_request, SignedHeaders=host, " + good_signature,
      "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/kinesis/aws4_request/x, SignedHeaders=host, " +
          good_signature,
      std::string("AWS4-HMAC-SHA256 \0\0\0", 20),
      "AWS4-HMAC-SHA256 ,,,,",
  };
  for (const auto& value : malformed) {
    auto parsed = parse_authorization_header(value);
    ASSERT_FALSE(parsed.ok()) << "accepted: " << value;
    EXPECT_EQ(parsed.error().kind, ErrorKind::kAuth) << value;
    EXPECT_EQ(parsed.error().code, "IncompleteSignature") << value;
  }
  // The same components, well formed, parse: the cases above fail for the reason they vary.
  EXPECT_TRUE(parse_authorization_header("AWS4-HMAC-SHA256 " + good_credential + ",SignedHeaders=host;x-amz-date," +
                                         good_signature)
                  .ok());
}

TEST(ParseAuthorization, MalformedQueriesAreErrors) {
  const std::string credential = "X-Amz-Credential=AKID%2F20150830%2Fus-east-1%2Fkinesis%2Faws4_request";
  const std::string rest = "&X-Amz-SignedHeaders=host&X-Amz-Signature=" + std::string(64, '0');
  const std::vector<std::string> malformed = {
      "X-Amz-Algorithm=AWS4-HMAC-SHA256",
      "X-Amz-Signature=" + std::string(64, '0'),
      "X-Amz-Algorithm=AWS4-HMAC-SHA1&" + credential + rest,
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID" + rest,
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&" + credential + rest + "%zz",
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&" + credential + "&X-Amz-SignedHeaders=host&X-Amz-Signature=00",
      "%zz=1&X-Amz-Algorithm=AWS4-HMAC-SHA256&" + credential + rest,
      "%zz",
  };
  for (const auto& query : malformed) {
    auto parsed = parse_authorization_query(query);
    ASSERT_TRUE(parsed.has_value()) << query;
    ASSERT_FALSE(parsed->ok()) << "accepted: " << query;
    EXPECT_EQ(parsed->error().code, "IncompleteSignature") << query;
  }
  auto good = parse_authorization_query("X-Amz-Algorithm=AWS4-HMAC-SHA256&" + credential + rest);
  ASSERT_TRUE(good.has_value());
  EXPECT_TRUE(good->ok());
}

TEST(Sign, TamperedBodyChangesTheSignature) {
  SigningConfig config = kinesis_config();
  Signable original = put_record_request();
  Signable tampered = original;
  tampered.body[tampered.body.size() / 2] ^= 0x01;

  auto original_result = sign(original, config);
  auto tampered_result = sign(tampered, config);
  ASSERT_TRUE(original_result.ok() && tampered_result.ok());
  EXPECT_NE(original_result->signature, tampered_result->signature);
  // Only the payload hash line differs: the body is bound through its hash, nothing else.
  auto original_lines = split(original_result->canonical_request, '\n');
  auto tampered_lines = split(tampered_result->canonical_request, '\n');
  ASSERT_EQ(original_lines.size(), tampered_lines.size());
  EXPECT_NE(original_lines.back(), tampered_lines.back());
  original_lines.pop_back();
  tampered_lines.pop_back();
  EXPECT_EQ(original_lines, tampered_lines);
}

// What the emulator does: receive a signed request, re-sign it with the time and credentials it
// names, and compare. An untouched request verifies; a tampered one does not.
TEST(Sign, ReSigningAReceivedRequestReproducesItsSignature) {
  for (SignatureLocation location : {SignatureLocation::kHeaders, SignatureLocation::kQuery}) {
    SigningConfig config = kinesis_config(location);
    config.credentials.session_token = Secret("session-token");
    config.sign_body = true;
    auto result = sign(put_record_request(), config);
    ASSERT_TRUE(result.ok());
    Signable received = apply(put_record_request(), *result);

    auto again = sign(received, config);
    ASSERT_TRUE(again.ok()) << again.error();
    EXPECT_EQ(again->signature, result->signature);
    EXPECT_EQ(apply(received, *again), received) << "apply must replace, not duplicate";

    received.body += " ";
    auto tampered = sign(received, config);
    ASSERT_TRUE(tampered.ok());
    EXPECT_NE(tampered->signature, result->signature);
  }
}

TEST(Sign, SignBodyAddsThePayloadHashHeader) {
  SigningConfig config = kinesis_config();
  config.sign_body = true;
  Signable request = put_record_request();
  auto result = sign(request, config);
  ASSERT_TRUE(result.ok());
  Signable signed_request = apply(request, *result);
  const Header* hash = find_header(signed_request, "x-amz-content-sha256");
  ASSERT_NE(hash, nullptr);
  EXPECT_EQ(hash->value, hex_encode(sha256(request.body)));
  EXPECT_NE(result->canonical_request.find("x-amz-content-sha256:" + hash->value + "\n"), std::string::npos);
}

TEST(Sign, OmittedSessionTokenTravelsUnsigned) {
  SigningConfig config = kinesis_config();
  config.credentials.session_token = Secret("the-token");
  config.omit_session_token_from_signature = true;
  auto omitted = sign(put_record_request(), config);
  ASSERT_TRUE(omitted.ok());
  EXPECT_EQ(omitted->canonical_request.find("the-token"), std::string::npos);
  Signable signed_request = apply(put_record_request(), *omitted);
  const Header* token = find_header(signed_request, "X-Amz-Security-Token");
  ASSERT_NE(token, nullptr);
  EXPECT_EQ(token->value, "the-token");

  config.omit_session_token_from_signature = false;
  auto included = sign(put_record_request(), config);
  ASSERT_TRUE(included.ok());
  EXPECT_NE(included->canonical_request.find("x-amz-security-token:the-token\n"), std::string::npos);
  EXPECT_NE(included->signature, omitted->signature);
}

TEST(CanonicalRequest, PathNormalizationAndEncoding) {
  struct Case {
    std::string path;
    bool normalize;
    std::string canonical_path;
  };
  const std::vector<Case> cases = {
      {"/a/b/../c/./d/", true, "/a/c/d/"}, {"/../../x", true, "/x"},    {"/a//b///", true, "/a/b/"}, {"", true, "/"},
      {"/a b/%20", true, "/a%20b/%2520"},  // a path already escaped on the wire is escaped again
      {"/a b/%20", false, "/a%20b/%2520"}, {"/a/./b", false, "/a/./b"},
  };
  for (const auto& c : cases) {
    SigningConfig config = kinesis_config();
    config.normalize_path = c.normalize;
    Signable request = put_record_request();
    request.path = c.path;
    auto canonical = canonical_request(request, config);
    ASSERT_TRUE(canonical.ok());
    EXPECT_EQ(split(*canonical, '\n')[1], c.canonical_path) << c.path;
  }
}

TEST(CanonicalRequest, QueryIsDecodedReEncodedAndSorted) {
  SigningConfig config = kinesis_config();
  Signable request = put_record_request();
  request.query = "b=2&a=z&a=y&empty&c=%7e+x&&d=a%2Fb";
  auto canonical = canonical_request(request, config);
  ASSERT_TRUE(canonical.ok());
  EXPECT_EQ(split(*canonical, '\n')[2], "a=y&a=z&b=2&c=~%2Bx&d=a%2Fb&empty=");
}

TEST(Sign, RejectsUnsignableRequests) {
  Signable bad_query = put_record_request();
  bad_query.query = "a=%G1";
  auto result = sign(bad_query, kinesis_config());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::kInvalidInput);

  SigningConfig no_region = kinesis_config();
  no_region.region.clear();
  EXPECT_FALSE(sign(put_record_request(), no_region).ok());
}

TEST(SigningKeyCache, DerivesOncePerDayRegionServiceAndSecret) {
  SigningKeyCache cache;
  SigningConfig config = kinesis_config();
  config.time = std::chrono::floor<std::chrono::days>(config.time) + std::chrono::hours(12);  // noon: +1 h is the same day
  const Secret& secret = config.credentials.secret_access_key;
  const std::string first = cache.get(secret, config.time, "us-east-1", "kinesis");
  EXPECT_EQ(first, derive_signing_key(secret, config.time, "us-east-1", "kinesis"));
  EXPECT_EQ(cache.get(secret, config.time + std::chrono::hours(1), "us-east-1", "kinesis"), first);
  EXPECT_EQ(cache.derivations(), 1u);

  // A new day, another region or service, or a rotated secret each derive a different key.
  const auto next_day = config.time + std::chrono::hours(24);
  EXPECT_EQ(cache.get(secret, next_day, "us-east-1", "kinesis"), derive_signing_key(secret, next_day, "us-east-1", "kinesis"));
  EXPECT_NE(cache.get(secret, config.time, "eu-west-1", "kinesis"), first);
  EXPECT_NE(cache.get(secret, config.time, "us-east-1", "monitoring"), first);
  EXPECT_NE(cache.get(Secret("rotated"), config.time, "us-east-1", "kinesis"), first);
  EXPECT_EQ(cache.derivations(), 5u);

  // More pairs than slots: the oldest is evicted and derived again, still correct.
  for (int i = 0; i < 10; ++i) cache.get(secret, config.time, "region-" + std::to_string(i), "kinesis");
  EXPECT_EQ(cache.get(secret, config.time, "us-east-1", "kinesis"), first);
}

}  // namespace
}  // namespace kwb::sigv4
