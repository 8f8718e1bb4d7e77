#include "aws/error_table.h"

#include <string>
#include <unordered_map>

namespace kwb::aws {

namespace {

// Every AWS error code we know, with what it means for us. Kinesis (JSON), CloudWatch and STS
// (Query) and the codes any AWS front end may return. Codes not listed fall back to a few name
// patterns and then to the HTTP status (see classify()).
const std::unordered_map<std::string_view, ErrorKind>& code_table() {
  static const std::unordered_map<std::string_view, ErrorKind> table = {
      // Throttling: the service is healthy but asks us to slow down.
      {"ProvisionedThroughputExceededException", ErrorKind::kThrottling},
      {"ThrottlingException", ErrorKind::kThrottling},
      {"Throttling", ErrorKind::kThrottling},
      {"ThrottledException", ErrorKind::kThrottling},
      {"RequestThrottledException", ErrorKind::kThrottling},
      {"RequestThrottled", ErrorKind::kThrottling},
      {"RequestLimitExceeded", ErrorKind::kThrottling},
      {"TooManyRequestsException", ErrorKind::kThrottling},
      {"BandwidthLimitExceeded", ErrorKind::kThrottling},
      {"SlowDown", ErrorKind::kThrottling},
      {"PriorRequestNotComplete", ErrorKind::kThrottling},
      {"EC2ThrottledException", ErrorKind::kThrottling},
      {"KMSThrottlingException", ErrorKind::kThrottling},
      // Transient: the service had a bad moment.
      {"InternalFailure", ErrorKind::kTransient},
      {"InternalServerError", ErrorKind::kTransient},
      {"InternalError", ErrorKind::kTransient},
      {"InternalException", ErrorKind::kTransient},
      {"InternalServiceError", ErrorKind::kTransient},  // CloudWatch
      {"InternalServiceFault", ErrorKind::kTransient},  // CloudWatch (older name)
      {"ServiceUnavailable", ErrorKind::kTransient},
      {"ServiceUnavailableException", ErrorKind::kTransient},
      {"Unavailable", ErrorKind::kTransient},
      {"RequestTimeout", ErrorKind::kTransient},
      {"RequestTimeoutException", ErrorKind::kTransient},
      {"IDPCommunicationError", ErrorKind::kTransient},  // STS
      // Not found.
      {"ResourceNotFoundException", ErrorKind::kNotFound},
      {"ResourceNotFound", ErrorKind::kNotFound},  // CloudWatch
      {"KMSNotFoundException", ErrorKind::kNotFound},
      {"DashboardNotFoundError", ErrorKind::kNotFound},
      // Conflict: the resource exists but is not in a state for this call.
      {"ResourceInUseException", ErrorKind::kConflict},
      {"ConcurrentModificationException", ErrorKind::kConflict},
      {"KMSDisabledException", ErrorKind::kConflict},
      {"KMSInvalidStateException", ErrorKind::kConflict},
      // Account or control-plane limits. Kinesis also uses LimitExceededException for its
      // control-plane rate limits (DescribeStream, ListShards), which is why is_retryable()
      // retries this kind as the SDKs do.
      {"LimitExceededException", ErrorKind::kLimitExceeded},
      {"LimitExceeded", ErrorKind::kLimitExceeded},  // CloudWatch PutMetricAlarm
      // Iterators.
      {"ExpiredIteratorException", ErrorKind::kExpiredIterator},
      // Invalid input: the request is wrong and will stay wrong.
      {"InvalidArgumentException", ErrorKind::kInvalidInput},
      {"ValidationException", ErrorKind::kInvalidInput},
      {"ValidationError", ErrorKind::kInvalidInput},
      {"InvalidParameterValue", ErrorKind::kInvalidInput},
      {"InvalidParameterValueException", ErrorKind::kInvalidInput},
      {"InvalidParameterCombination", ErrorKind::kInvalidInput},
      {"InvalidParameterException", ErrorKind::kInvalidInput},
      {"MissingParameter", ErrorKind::kInvalidInput},
      {"MissingRequiredParameterException", ErrorKind::kInvalidInput},
      {"SerializationException", ErrorKind::kInvalidInput},
      {"ExpiredNextTokenException", ErrorKind::kInvalidInput},
      {"InvalidNextToken", ErrorKind::kInvalidInput},  // CloudWatch
      {"InvalidFormat", ErrorKind::kInvalidInput},
      {"InvalidFormatFault", ErrorKind::kInvalidInput},
      {"InvalidAction", ErrorKind::kInvalidInput},
      {"InvalidQueryParameter", ErrorKind::kInvalidInput},
      {"MalformedQueryString", ErrorKind::kInvalidInput},
      {"UnknownOperationException", ErrorKind::kInvalidInput},
      {"MalformedPolicyDocument", ErrorKind::kInvalidInput},  // STS
      {"PackedPolicyTooLarge", ErrorKind::kInvalidInput},     // STS
      // Authentication and authorisation.
      {"AccessDeniedException", ErrorKind::kAuth},
      {"AccessDenied", ErrorKind::kAuth},
      {"UnrecognizedClientException", ErrorKind::kAuth},
      {"InvalidSignatureException", ErrorKind::kAuth},
      {"IncompleteSignature", ErrorKind::kAuth},
      {"IncompleteSignatureException", ErrorKind::kAuth},
      {"SignatureDoesNotMatch", ErrorKind::kAuth},
      {"ExpiredToken", ErrorKind::kAuth},
      {"ExpiredTokenException", ErrorKind::kAuth},
      {"InvalidClientTokenId", ErrorKind::kAuth},
      {"MissingAuthenticationToken", ErrorKind::kAuth},
      {"MissingAuthenticationTokenException", ErrorKind::kAuth},
      {"RequestExpired", ErrorKind::kAuth},  // clock skew beyond 5 minutes
      {"NotAuthorized", ErrorKind::kAuth},
      {"OptInRequired", ErrorKind::kAuth},
      {"RegionDisabledException", ErrorKind::kAuth},  // STS
      {"KMSAccessDeniedException", ErrorKind::kAuth},
      {"KMSOptInRequired", ErrorKind::kAuth},
  };
  return table;
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

ErrorKind classify_status(int http_status) {
  if (http_status == 0) return ErrorKind::kNetwork;
  if (http_status == 429) return ErrorKind::kThrottling;
  if (http_status == 408) return ErrorKind::kTimeout;
  if (http_status == 401 || http_status == 403) return ErrorKind::kAuth;
  if (http_status == 404) return ErrorKind::kNotFound;
  if (http_status == 409) return ErrorKind::kConflict;
  // 501 and 505 say our request uses something the server does not support: retrying won't help.
  if (http_status == 501 || http_status == 505) return ErrorKind::kInvalidInput;
  if (http_status >= 500 && http_status <= 599) return ErrorKind::kTransient;
  if (http_status >= 400 && http_status <= 499) return ErrorKind::kInvalidInput;
  // A 1xx/2xx/3xx that still reached the error path (e.g. an unexpected redirect).
  return ErrorKind::kParse;
}

}  // namespace

ErrorKind classify(std::string_view code, int http_status) {
  if (!code.empty()) {
    const auto& table = code_table();
    if (auto it = table.find(code); it != table.end()) return it->second;
    // Codes we have not listed but whose names say what they are.
    if (ends_with(code, "NotFoundException") || ends_with(code, "NotFound")) return ErrorKind::kNotFound;
    if (code.find("Throttl") != std::string_view::npos) return ErrorKind::kThrottling;
  }
  return classify_status(http_status);
}

bool is_retryable(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kThrottling:
    case ErrorKind::kTransient:
    case ErrorKind::kNetwork:
    case ErrorKind::kTimeout:
    case ErrorKind::kLimitExceeded:
      return true;
    default:
      return false;
  }
}

bool is_throttling(ErrorKind kind) { return kind == ErrorKind::kThrottling || kind == ErrorKind::kLimitExceeded; }

Error make_aws_error(std::string code, std::string message, int http_status) {
  Error error;
  error.kind = classify(code, http_status);
  if (message.empty()) {
    message = code.empty() ? "AWS returned HTTP " + std::to_string(http_status) : code;
  }
  error.code = std::move(code);
  error.message = std::move(message);
  error.http_status = http_status;
  return error;
}

}  // namespace kwb::aws
