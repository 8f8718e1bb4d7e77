#pragma once
// CloudWatch's three wire protocols, reduced to one request/response model.
//
// Every request is decoded into its operation name and a JSON document in AWS JSON 1.0 shape
// (member names as in the API reference; lists as arrays), and every answer is a JSON document in
// the same shape, encoded back in the caller's protocol:
//
//   kQuery    form-encoded Action=...&Version=2010-08-01 (Debian's awscli, boto3 1.26); lists are
//             "Name.member.N"; XML answers in the 2010-08-01 namespace, errors as
//             <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>.
//             Query values arrive as text; the readers in service.cc accept text or JSON types.
//   kJson     AWS JSON 1.0, X-Amz-Target: GraniteServiceVersion20100801.<Op>.
//   kCbor     Smithy RPC v2 CBOR, POST /service/GraniteServiceVersion20100801/operation/<Op>
//             (boto3 >= 1.42). Decoded with nlohmann's from_cbor (tags dropped: a timestamp is
//             epoch seconds either way). Encoded by a small writer here, because CBOR timestamps
//             must carry tag 1, which nlohmann cannot emit for numbers.
//
// Timestamps in answers are epoch seconds (doubles) in members whose names are listed in
// is_timestamp_member(); the XML and CBOR encoders format them; maps (ExtendedStatistics) are
// listed in is_map_member().
//
// Errors: CloudWatch is "awsQueryCompatible", so JSON and CBOR errors carry the Query error code
// (e.g. InvalidParameterValue) in __type and in the x-amzn-query-error header.
//
// Thread safety: plain functions.

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/result.h"
#include "emulator/service_handler.h"

namespace kwb::emulator::cloudwatch {

enum class Protocol { kQuery, kJson, kCbor };

inline constexpr std::string_view kJsonTargetPrefix = "GraniteServiceVersion20100801.";
inline constexpr std::string_view kCborPathPrefix = "/service/GraniteServiceVersion20100801/operation/";
inline constexpr std::string_view kSigningService = "monitoring";  // SigV4 credential scope
inline constexpr std::string_view kApiVersion = "2010-08-01";       // Query protocol's Version=
inline constexpr std::string_view kXmlNamespace = "http://monitoring.amazonaws.com/doc/2010-08-01/";

struct DecodedRequest {
  Protocol protocol = Protocol::kQuery;
  std::string operation;
  nlohmann::json input = nlohmann::json::object();
};

// Which protocol a request speaks, or nullopt when it is not for CloudWatch. Refused, whatever the
// body: a SigV4 credential scope of another service, an X-Amz-Target of another service, and
// unsigned Query requests whose Version is not 2010-08-01 or, without a Version, whose Action is
// not a CloudWatch action. So CloudWatch can sit anywhere in the Router's list (STS before or
// after it).
std::optional<Protocol> detect_protocol(const ApiRequest& request);

// Whether `action` is an action of the CloudWatch API (implemented by the emulator or not).
bool is_cloudwatch_action(std::string_view action);

// Errors come back as a CloudWatch error (code, message, status) already.
Result<DecodedRequest> decode_request(const ApiRequest& request, Protocol protocol);

// Form body (or query string) to JSON shape: "A.member.2.B=x" -> {"A": [null-compacted..., {"B": "x"}]}.
// Action and Version are returned separately. Errors: MalformedQueryString, InvalidParameterValue.
Result<nlohmann::json> parse_query_form(std::string_view form, std::string& action);

ApiResponse encode_response(Protocol protocol, std::string_view operation, const nlohmann::json& output,
                            std::string_view request_id);
ApiResponse encode_error(Protocol protocol, const Error& error, std::string_view request_id);

bool is_timestamp_member(std::string_view name);
bool is_map_member(std::string_view name);

// Tiny helpers the encoders share (exposed for tests).
std::string xml_escape(std::string_view text);
std::string format_double(double value);
std::string format_iso8601(double epoch_seconds);
std::string encode_cbor(const nlohmann::json& value);

// A CloudWatch error: code, message and HTTP status (sender fault when < 500).
Error cw_error(std::string code, std::string message, int http_status = 400);

}  // namespace kwb::emulator::cloudwatch
