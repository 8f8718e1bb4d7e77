#pragma once
// The one place that knows what AWS's error codes and HTTP statuses mean for us.
//
// classify() maps (code, HTTP status) to an ErrorKind; is_retryable() says which kinds the retry
// layer may retry. Everything else — the retry strategy, the producer's per-record retries, the
// server's HTTP status mapping, the CLI's exit codes — asks these two functions.

#include <string_view>

#include "core/error.h"

namespace kwb::aws {

// code: the AWS error code without any "namespace#" prefix (e.g. "ThrottlingException"); may be
// empty. http_status: 0 when there was no response.
ErrorKind classify(std::string_view code, int http_status);

// kThrottling, kTransient, kNetwork, kTimeout, and kLimitExceeded: Kinesis answers its control-plane
// rate limits (DescribeStream, ListShards, ...) with LimitExceededException, and the AWS SDKs retry
// that code as throttling. A genuine account limit (e.g. the shard quota) costs a few bounded
// retries before the same error comes back.
bool is_retryable(ErrorKind kind);
// kThrottling and kLimitExceeded: retries of these use the longer throttling backoff base.
bool is_throttling(ErrorKind kind);

// Builds the Error for an AWS error response.
Error make_aws_error(std::string code, std::string message, int http_status);

}  // namespace kwb::aws
