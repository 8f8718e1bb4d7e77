#include "aws/error_table.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace kwb::aws {
namespace {

struct CodeCase {
  const char* code;
  int status;
  ErrorKind kind;
};

TEST(ErrorTable, MapsKnownCodesRegardlessOfStatus) {
  const std::vector<CodeCase> cases = {
      {"ProvisionedThroughputExceededException", 400, ErrorKind::kThrottling},
      {"ThrottlingException", 400, ErrorKind::kThrottling},
      {"Throttling", 400, ErrorKind::kThrottling},
      {"RequestLimitExceeded", 503, ErrorKind::kThrottling},
      {"TooManyRequestsException", 429, ErrorKind::kThrottling},
      {"KMSThrottlingException", 400, ErrorKind::kThrottling},
      {"LimitExceededException", 400, ErrorKind::kLimitExceeded},
      {"LimitExceeded", 400, ErrorKind::kLimitExceeded},
      {"InternalFailure", 500, ErrorKind::kTransient},
      {"InternalServerError", 500, ErrorKind::kTransient},
      {"ServiceUnavailable", 503, ErrorKind::kTransient},
      {"ServiceUnavailableException", 503, ErrorKind::kTransient},
      {"ResourceNotFoundException", 400, ErrorKind::kNotFound},
      {"ResourceNotFound", 404, ErrorKind::kNotFound},
      {"ResourceInUseException", 400, ErrorKind::kConflict},
      {"InvalidArgumentException", 400, ErrorKind::kInvalidInput},
      {"ValidationException", 400, ErrorKind::kInvalidInput},
      {"ValidationError", 400, ErrorKind::kInvalidInput},
      {"InvalidParameterValue", 400, ErrorKind::kInvalidInput},
      {"InvalidParameterCombination", 400, ErrorKind::kInvalidInput},
      {"MissingParameter", 400, ErrorKind::kInvalidInput},
      {"SerializationException", 400, ErrorKind::kInvalidInput},
      {"ExpiredIteratorException", 400, ErrorKind::kExpiredIterator},
      {"ExpiredNextTokenException", 400, ErrorKind::kInvalidInput},
      {"AccessDeniedException", 400, ErrorKind::kAuth},
      {"UnrecognizedClientException", 400, ErrorKind::kAuth},
      {"InvalidSignatureException", 400, ErrorKind::kAuth},
      {"IncompleteSignature", 400, ErrorKind::kAuth},
      {"SignatureDoesNotMatch", 403, ErrorKind::kAuth},
      {"ExpiredToken", 400, ErrorKind::kAuth},
      {"ExpiredTokenException", 400, ErrorKind::kAuth},
      {"InvalidClientTokenId", 403, ErrorKind::kAuth},
      {"MissingAuthenticationToken", 403, ErrorKind::kAuth},
      {"KMSAccessDeniedException", 400, ErrorKind::kAuth},
      {"KMSNotFoundException", 400, ErrorKind::kNotFound},
      {"KMSDisabledException", 400, ErrorKind::kConflict},
  };
  for (const CodeCase& c : cases) {
    EXPECT_EQ(classify(c.code, c.status), c.kind) << c.code;
    // The code decides, not the status: a 500 carrying a validation code is still invalid input.
    EXPECT_EQ(classify(c.code, 500), c.kind) << c.code << " with 500";
  }
}

TEST(ErrorTable, FallsBackToHttpStatus) {
  const std::vector<std::pair<int, ErrorKind>> cases = {
      {429, ErrorKind::kThrottling},   {500, ErrorKind::kTransient}, {502, ErrorKind::kTransient},
      {503, ErrorKind::kTransient},    {504, ErrorKind::kTransient}, {403, ErrorKind::kAuth},
      {401, ErrorKind::kAuth},         {404, ErrorKind::kNotFound},  {400, ErrorKind::kInvalidInput},
      {413, ErrorKind::kInvalidInput}, {0, ErrorKind::kNetwork},
  };
  for (const auto& [status, kind] : cases) {
    EXPECT_EQ(classify("", status), kind) << status;
    EXPECT_EQ(classify("SomeCodeNobodyKnows", status), kind) << status;
  }
}

TEST(ErrorTable, RecognisesNamePatternsOfUnlistedCodes) {
  EXPECT_EQ(classify("StreamConsumerNotFoundException", 400), ErrorKind::kNotFound);
  EXPECT_EQ(classify("SomethingThrottledError", 400), ErrorKind::kThrottling);
}

TEST(ErrorTable, RetryableKinds) {
  for (ErrorKind kind : {ErrorKind::kThrottling, ErrorKind::kTransient, ErrorKind::kNetwork, ErrorKind::kTimeout,
                         ErrorKind::kLimitExceeded}) {
    EXPECT_TRUE(is_retryable(kind)) << to_string(kind);
  }
  for (ErrorKind kind : {ErrorKind::kInvalidInput, ErrorKind::kAuth, ErrorKind::kNotFound, ErrorKind::kConflict,
                         ErrorKind::kExpiredIterator, ErrorKind::kConfig, ErrorKind::kParse, ErrorKind::kInternal,
                         ErrorKind::kCancelled, ErrorKind::kIo}) {
    EXPECT_FALSE(is_retryable(kind)) << to_string(kind);
  }
  EXPECT_TRUE(is_throttling(ErrorKind::kThrottling));
  EXPECT_FALSE(is_throttling(ErrorKind::kTransient));
}

TEST(ErrorTable, MakeAwsErrorKeepsCodeMessageAndStatus) {
  Error error = make_aws_error("ResourceNotFoundException", "Stream s under account 1 not found.", 400);
  EXPECT_EQ(error.kind, ErrorKind::kNotFound);
  EXPECT_EQ(error.code, "ResourceNotFoundException");
  EXPECT_EQ(error.message, "Stream s under account 1 not found.");
  EXPECT_EQ(error.http_status, 400);

  Error bare = make_aws_error("", "", 503);
  EXPECT_EQ(bare.kind, ErrorKind::kTransient);
  EXPECT_NE(bare.message.find("503"), std::string::npos);
}

}  // namespace
}  // namespace kwb::aws
