#include "emulator/service_handler.h"

#include <algorithm>
#include <string>

#include <nlohmann/json.hpp>

#include "emulator/cbor_codec.h"
#include "emulator/signature_verifier.h"

namespace kwb::emulator {

namespace {

// Answers nobody claims: says what the request asked for, so a client pointed at the emulator for
// a service it does not emulate (SQS, SNS, ...) sees why, not a confusing error of another service.
ApiResponse unknown_service_response(const ApiRequest& request) {
  std::string_view action = form_field(request.body, "Action").value_or("");
  if (action.empty()) {
    const auto question = request.target.find('?');
    if (question != std::string_view::npos) action = form_field(request.target.substr(question + 1), "Action").value_or("");
  }
  std::string seen;
  auto note = [&seen](std::string_view what, std::string_view value) {
    if (value.empty()) return;
    seen += seen.empty() ? " (" : ", ";
    seen += std::string(what) + " " + std::string(value.substr(0, 128));
  };
  note("service", request.signing_service);
  note("X-Amz-Target", request.amz_target);
  note("Action", action);
  if (!seen.empty()) seen += ")";
  ApiResponse response;
  response.status = 404;
  response.content_type = "application/json";
  const nlohmann::json body = {
      {"__type", "UnknownServiceOrOperation"},
      {"message", "No service of the kwb emulator handles this request" + seen +
                      ". It serves Kinesis, CloudWatch (monitoring) and STS GetCallerIdentity."}};
  // Replace, not throw: the echoed target and action are the client's bytes, not always UTF-8.
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  response.headers.set("x-amzn-ErrorType", "UnknownServiceOrOperation:");
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

std::optional<std::string_view> form_field(std::string_view form, std::string_view name) {
  std::size_t at = 0;
  while (at <= form.size()) {
    const std::size_t end = std::min(form.find('&', at), form.size());
    const std::string_view pair = form.substr(at, end - at);
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name && pair[name.size()] == '=') {
      return pair.substr(name.size() + 1);
    }
    at = end + 1;
  }
  return std::nullopt;
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
  return unknown_service_response(request);
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
  response.body_source = std::move(result.body_source);
  return response;
}

}  // namespace kwb::emulator
