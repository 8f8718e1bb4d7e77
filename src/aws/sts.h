#pragma once
// StsClient: the two STS calls kwb needs — GetCallerIdentity (for `kwb whoami` and the account id
// in ARNs) and AssumeRole (for role_arn profiles in the credentials chain).
//
// STS speaks the AWS Query protocol (Version 2011-06-15): form-encoded POST, XML response. The
// client owns its AwsClient (which borrows the session). Thread-safe, as AwsClient is.
//
// STS lives in aws/ rather than cloudwatch/ because the credentials chain needs AssumeRole and
// aws/ may not depend on the service modules.

#include <chrono>
#include <string>

#include "aws/client.h"
#include "aws/credentials.h"
#include "core/result.h"

namespace kwb::aws {

struct CallerIdentity {
  std::string account;
  std::string arn;
  std::string user_id;
};

class StsClient {
 public:
  static constexpr const char* kVersion = "2011-06-15";

  explicit StsClient(AwsClient client) : client_(std::move(client)) {}

  Result<CallerIdentity> get_caller_identity();
  // duration: 900 s to the role's maximum session duration (12 h at most).
  Result<Credentials> assume_role(const std::string& role_arn, const std::string& session_name,
                                  std::chrono::seconds duration = std::chrono::seconds(3600));

 private:
  AwsClient client_;
};

// Response parsers, separate so tests can feed them recorded XML. kParse error when the document
// is not XML or lacks a required element.
Result<CallerIdentity> parse_get_caller_identity_response(const std::string& xml);
Result<Credentials> parse_assume_role_response(const std::string& xml);

}  // namespace kwb::aws
