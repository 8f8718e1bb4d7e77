#pragma once
// AwsClient: one signed, retried call to one AWS service, in the service's wire protocol.
//
// It owns nothing heavy: it borrows the AwsSession (credentials, HTTP transport, retry policy,
// clock) and knows one service's endpoint and signing name. Typed clients (kinesis::Client,
// cloudwatch::Client, sts::Client) are thin layers that build request bodies and parse responses.
//
// Every call: resolve credentials -> sign (SigV4, header mode, fresh time per attempt) -> send ->
// map the response to Result -> retry per the session's RetryStrategy when the error is retryable.
// Errors come back as kwb::Error with kind from aws/error_table.h, the AWS code in `code`, the
// AWS message in `message`, and the HTTP status.
//
// Thread-safe: calls may run concurrently from many threads.

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aws/endpoints.h"
#include "aws/http_client.h"
#include "core/result.h"

namespace kwb::aws {

class AwsSession;
class CredentialsProvider;

// Counters a caller may read to show what the retry layer did.
struct CallStats {
  int attempts = 0;
};

class AwsClient {
 public:
  // REQUIRES: session outlives the client.
  // credentials_override: sign with these instead of the session's chain (used for STS AssumeRole,
  // which must sign with the source profile's credentials). REQUIRES: it outlives the client.
  AwsClient(AwsSession& session, Service service, std::string endpoint,
            CredentialsProvider* credentials_override = nullptr);

  // AWS JSON 1.0 / 1.1: POST / with X-Amz-Target "<target_prefix>.<operation>" and
  // Content-Type application/x-amz-json-<json_version>. A JSON error body's "__type" (after any
  // '#') becomes Error::code and its "message"/"Message" becomes Error::message.
  Result<nlohmann::json> call_json(const std::string& target_prefix, const std::string& operation,
                                   const nlohmann::json& body, const std::string& json_version = "1.1",
                                   CallStats* stats = nullptr);
  // The same with a body the caller serialised itself (a hot path that skips building a json
  // tree). REQUIRES: `payload` is one valid JSON object.
  Result<nlohmann::json> call_json_text(const std::string& target_prefix, const std::string& operation,
                                        const std::string& payload, const std::string& json_version = "1.1",
                                        CallStats* stats = nullptr);

  // An AWS JSON 1.1 call whose 2xx answer is a long-lived stream (SubscribeToShard's event stream):
  // the body goes to on_body as it arrives, with no request timeout. Errors before the stream
  // starts are mapped and retried like call_json's; once a byte was delivered nothing is retried
  // (the reader has seen part of the stream). Returns when the stream ends, fails, or on_body or
  // keep_going (asked about once a second, so an idle stream can be left) returns false (then
  // Error::cancelled).
  Status call_json_stream(const std::string& target_prefix, const std::string& operation, const nlohmann::json& body,
                          const BodyConsumer& on_body, const std::function<bool()>& keep_going = {},
                          CallStats* stats = nullptr);

  // AWS Query: POST / with a form-encoded body "Action=<action>&Version=<version>&k=v...".
  // Returns the XML response body; an <ErrorResponse><Error><Code>/<Message> becomes the Error.
  Result<std::string> call_query(const std::string& action, const std::string& version,
                                 const std::vector<std::pair<std::string, std::string>>& params,
                                 CallStats* stats = nullptr);

  [[nodiscard]] const std::string& endpoint() const { return endpoint_; }
  [[nodiscard]] Service service() const { return service_; }
  [[nodiscard]] AwsSession& session() const { return session_; }

 private:
  // The shared attempt loop: sign, send, check (a non-nullopt Error means the attempt failed),
  // retry per the session's RetryStrategy.
  // on_body set: the request streams (see call_json_stream).
  Result<HttpResponse> send_signed(const std::string& operation, const std::string& content_type,
                                   std::vector<HttpHeader> extra_headers, const std::string& body,
                                   const std::function<std::optional<Error>(const HttpResponse&)>& check,
                                   CallStats* stats, const BodyConsumer* on_body = nullptr,
                                   const std::function<bool()>* keep_going = nullptr);

  AwsSession& session_;
  Service service_;
  std::string endpoint_;
  CredentialsProvider* credentials_override_;
};

}  // namespace kwb::aws
