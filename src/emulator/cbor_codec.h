#pragma once
// Kinesis over CBOR (Content-Type application/x-amz-cbor-1.1), as the Java SDK and the KCL send it
// by default.
//
// Why a translation layer rather than a second handler: CBOR carries the same structures as JSON
// 1.1, so a CBOR request is turned into the JSON text the Kinesis handler already validates, and its
// JSON answer is turned back into CBOR. Every operation, check and error is then the same for both
// encodings, and the JSON path pays nothing. nlohmann's CBOR reader and writer do the encoding.
//
// The two places where the encodings differ:
//   - blobs (Data) are CBOR byte strings, base64 strings in JSON;
//   - timestamps are CBOR tag 1 followed by epoch *milliseconds* as an integer (what the AWS Java
//     SDK writes and reads), epoch seconds as a number in JSON. A request timestamp above 10^11 is
//     taken as milliseconds, anything smaller as RFC 8949 seconds.
// A body that is not valid CBOR, or not a map, gets SerializationException, as in JSON.
//
// Thread safety: pure functions.

#include <string>
#include <string_view>

#include "core/result.h"

namespace kwb::emulator {

inline constexpr std::string_view kCborContentType = "application/x-amz-cbor-1.1";

// CBOR request body -> JSON text for the Kinesis handler.
Result<std::string> cbor_request_to_json(std::string_view cbor);
// The handler's JSON answer (success or error) -> CBOR.
Result<std::string> json_response_to_cbor(std::string_view json);

}  // namespace kwb::emulator
