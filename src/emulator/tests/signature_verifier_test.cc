// SignatureVerifier against requests signed by src/sigv4 (the client side), on a manual clock.

#include "emulator/signature_verifier.h"

#include <gtest/gtest.h>

#include "emulator/service_handler.h"
#include "http/message.h"
#include "sigv4/signer.h"

namespace kwb::emulator {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

const SystemTimePoint kSignedAt = SystemTimePoint(seconds(1'700'000'000));  // 2023-11-14T22:13:20Z

// A signed request as the server receives it; owns the bytes ApiRequest points into.
struct Received {
  http::Headers headers;
  std::string target;
  std::string body;
  std::string authorization;

  [[nodiscard]] ApiRequest api() const {
    ApiRequest request;
    request.method = "POST";
    request.target = target;
    request.body = body;
    request.authorization = authorization;
    request.headers = &headers;
    return request;
  }
};

Received signed_request(const std::string& key_id, const std::string& secret, SystemTimePoint when,
                        sigv4::SignatureLocation location = sigv4::SignatureLocation::kHeaders) {
  sigv4::Signable signable;
  signable.method = "POST";
  signable.path = "/";
  signable.headers = {{"Host", "127.0.0.1:4567"},
                      {"Content-Type", "application/x-amz-json-1.1"},
                      {"X-Amz-Target", "Kinesis_20131202.ListStreams"}};
  signable.body = "{}";
  sigv4::SigningConfig config;
  config.credentials.access_key_id = key_id;
  config.credentials.secret_access_key = Secret(secret);
  config.region = "us-east-1";
  config.service = "kinesis";
  config.time = when;
  config.location = location;
  config.expires = seconds(300);
  auto result = sigv4::sign(signable, config);
  EXPECT_TRUE(result.ok());
  const sigv4::Signable applied = sigv4::apply(signable, *result);
  Received received;
  for (const auto& header : applied.headers) {
    received.headers.add(header.name, header.value);
    if (header.name == "Authorization") received.authorization = header.value;
  }
  received.target = applied.query.empty() ? "/" : "/?" + applied.query;
  received.body = applied.body;
  return received;
}

class SignatureVerifierTest : public ::testing::Test {
 protected:
  ManualClock clock_{kSignedAt};
  void set_now(SystemTimePoint when) { clock_.advance(when - clock_.now()); }
  SignatureVerifier verifier_{{AccessKey{"AKIDGOOD", Secret("good-secret")}, AccessKey{"AKIDOTHER", Secret("other")}},
                              clock_};

  std::optional<SignatureFailure> failure(const Received& request) {
    auto rejection = verifier_.verify(request.api());
    if (!rejection) return std::nullopt;
    EXPECT_FALSE(rejection->message.empty());
    EXPECT_EQ(rejection->message.find("good-secret"), std::string::npos) << "a secret leaked into a message";
    return rejection->failure;
  }
};

TEST_F(SignatureVerifierTest, AcceptsEachConfiguredKey) {
  EXPECT_EQ(failure(signed_request("AKIDGOOD", "good-secret", kSignedAt)), std::nullopt);
  EXPECT_EQ(failure(signed_request("AKIDOTHER", "other", kSignedAt)), std::nullopt);
}

TEST_F(SignatureVerifierTest, WrongSecretIsAMismatch) {
  EXPECT_EQ(failure(signed_request("AKIDGOOD", "bad-secret", kSignedAt)), SignatureFailure::kMismatch);
  // Another configured key's secret is still the wrong secret for this key.
  EXPECT_EQ(failure(signed_request("AKIDGOOD", "other", kSignedAt)), SignatureFailure::kMismatch);
}

TEST_F(SignatureVerifierTest, AlteredRequestIsAMismatch) {
  Received request = signed_request("AKIDGOOD", "good-secret", kSignedAt);
  request.body = R"({"Limit":1})";
  EXPECT_EQ(failure(request), SignatureFailure::kMismatch);
  request = signed_request("AKIDGOOD", "good-secret", kSignedAt);
  request.headers.set("X-Amz-Target", "Kinesis_20131202.DeleteStream");
  EXPECT_EQ(failure(request), SignatureFailure::kMismatch);
}

TEST_F(SignatureVerifierTest, UnknownKeyIsReportedBeforeTheSignature) {
  EXPECT_EQ(failure(signed_request("AKIDNOBODY", "good-secret", kSignedAt)), SignatureFailure::kUnknownKey);
}

TEST_F(SignatureVerifierTest, FiveMinuteSkewInBothDirections) {
  const Received request = signed_request("AKIDGOOD", "good-secret", kSignedAt);
  set_now(kSignedAt + minutes(4));
  EXPECT_EQ(failure(request), std::nullopt);
  set_now(kSignedAt + minutes(5) + seconds(1));
  EXPECT_EQ(failure(request), SignatureFailure::kExpired);
  auto rejection = verifier_.verify(request.api());
  ASSERT_TRUE(rejection.has_value());
  EXPECT_EQ(rejection->message,
            "Signature expired: 20231114T221320Z is now earlier than 20231114T221321Z (20231114T221821Z - 5 min.)");
  set_now(kSignedAt - minutes(6));
  EXPECT_EQ(failure(request), SignatureFailure::kExpired);
}

TEST_F(SignatureVerifierTest, MissingAndMalformed) {
  Received unsigned_request;
  unsigned_request.target = "/";
  EXPECT_EQ(failure(unsigned_request), SignatureFailure::kMissing);

  Received malformed = signed_request("AKIDGOOD", "good-secret", kSignedAt);
  malformed.authorization = "AWS4-HMAC-SHA256 Credential=AKIDGOOD/20231114/us-east-1/kinesis/aws4_request";
  EXPECT_EQ(failure(malformed), SignatureFailure::kIncomplete);

  Received no_date = signed_request("AKIDGOOD", "good-secret", kSignedAt);
  no_date.headers.remove("X-Amz-Date");
  EXPECT_EQ(failure(no_date), SignatureFailure::kIncomplete);
}

TEST_F(SignatureVerifierTest, PresignedQuery) {
  const Received request = signed_request("AKIDGOOD", "good-secret", kSignedAt, sigv4::SignatureLocation::kQuery);
  ASSERT_TRUE(request.authorization.empty());
  EXPECT_EQ(failure(request), std::nullopt);
  EXPECT_EQ(failure(signed_request("AKIDGOOD", "nope", kSignedAt, sigv4::SignatureLocation::kQuery)),
            SignatureFailure::kMismatch);
  set_now(kSignedAt + seconds(301));  // X-Amz-Expires=300
  EXPECT_EQ(failure(request), SignatureFailure::kExpired);
}

TEST(CredentialsParsing, ColonLinesAndSharedCredentialsFormat) {
  auto keys = parse_credentials_text("# comment\nAKID1:secret1\n\n[profile x]\naws_access_key_id = AKID2\n"
                                     "aws_secret_access_key = secret:with:colons\nregion = eu-west-1\n");
  ASSERT_TRUE(keys.ok()) << keys.error();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].id, "AKID1");
  EXPECT_EQ((*keys)[0].secret.reveal(), "secret1");
  EXPECT_EQ((*keys)[1].id, "AKID2");
  EXPECT_EQ((*keys)[1].secret.reveal(), "secret:with:colons");

  EXPECT_FALSE(parse_credentials_text("# nothing here\n").ok());
  auto bad = parse_access_key("no-colon-here-hunter2");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.find("hunter2"), std::string::npos) << "the malformed text may be a secret";
}

}  // namespace
}  // namespace kwb::emulator
