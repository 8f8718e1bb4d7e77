#include "emulator/service_handler.h"

#include <nlohmann/json.hpp>

#include "emulator/cbor_codec.h"
#include "emulator/signature_verifier.h"

namespace kwb::emulator {

namespace {

// Answers nobody claims.
ApiResponse not_found_response() {
  ApiResponse response;
  response.status = 404;
  response.content_type = "application/json";
  response.body = R"({"__type":"NotFound","message":"No service handles this request."})";
  return response;
}

std::string_view kinesis_code(SignatureFailure failure) {
  switch (failure) {
    case SignatureFailure::kMissing: return "MissingAuthenticationTokenException";
    case SignatureFailure::kIncomplete: return "IncompleteSignatureException";
    case SignatureFailure::kUnknownKey: return "UnrecognizedClientException";
    case SignatureFailure::kMismatch:
    case SignatureFailure::kExpired: return "InvalidSignatureException";
  }
  return "InvalidSignatureException";
}

}  // namespace

ApiResponse ServiceHandler::signature_error(const ApiRequest& request, const SignatureRejection& rejection) {
  ApiResponse response;
  response.status = 400;
  const nlohmann::json body = {{"__type", kinesis_code(rejection.failure)}, {"message", rejection.message}};
  response.body = body.dump();
  if (request.content_type.find("cbor") != std::string_view::npos) {
    if (auto cbor = json_response_to_cbor(response.body)) {
      response.content_type = std::string(kCborContentType);
      response.body = std::move(*cbor);
    }
  }
  response.headers.set("x-amzn-ErrorType", std::string(kinesis_code(rejection.failure)) + ":");
  return response;
}

void parse_credential_scope(std::string_view authorization, std::string_view& region, std::string_view& service) {
  region = {};
  service = {};
  const auto at = authorization.find("Credential=");
  if (at == std::string_view::npos) return;
  std::string_view rest = authorization.substr(at + 11);
  const auto end = rest.find_first_of(", ");
  rest = rest.substr(0, end);
  // AKID/DATE/REGION/SERVICE/aws4_request
  std::string_view parts[5];
  for (int i = 0; i < 5; ++i) {
    const auto slash = rest.find('/');
    parts[i] = rest.substr(0, slash);
    if (slash == std::string_view::npos) {
      if (i != 4) return;
      break;
    }
    rest = rest.substr(slash + 1);
  }
  region = parts[2];
  service = parts[3];
}

ApiResponse Router::route(const ApiRequest& request) const {
  for (ServiceHandler* handler : handlers_) {
    if (!handler->accepts(request)) continue;
    // Admin, clock and fault endpoints stay open so health checks and test control need no keys.
    if (verifier_ != nullptr && !request.target.starts_with("/_kwb/")) {
      if (auto rejection = verifier_->verify(request)) return handler->signature_error(request, *rejection);
    }
    return handler->handle(request);
  }
  return not_found_response();
}

http::Response Router::handle(const http::Request& request) {
  ApiRequest api;
  api.method = request.method;
  api.target = request.target;
  api.content_type = request.headers.get("Content-Type");
  api.amz_target = request.headers.get("X-Amz-Target");
  api.authorization = request.headers.get("Authorization");
  api.body = request.body;
  api.headers = &request.headers;
  api.remote_address = request.remote_address;
  parse_credential_scope(api.authorization, api.signing_region, api.signing_service);

  ApiResponse result = route(api);
  http::Response response;
  response.status = result.status;
  response.disposition = result.disposition;
  response.headers = std::move(result.headers);
  response.headers.set("Content-Type", std::move(result.content_type));
  if (!response.headers.contains("x-amzn-RequestId")) {
    response.headers.set("x-amzn-RequestId", "00000000-0000-0000-0000-000000000000");
  }
  response.body = std::move(result.body);
  return response;
}

}  // namespace kwb::emulator
