#pragma once
// What every handler of `kwb serve` shares: the per-request context, the signed-in principal,
// and one way to answer errors.
//
// Errors are JSON: {"error": {"code": "...", "message": "...", "field": "..."}}. The code is
// stable for clients to branch on; the message is for people; field names the offending input
// of a 400. error_response() is the ONE place that decides which kwb::Error kind becomes which
// HTTP status (kNotFound 404, kConflict 409, throttling/limits 429 + Retry-After, kInvalidInput
// 400, an unreachable AWS 502, ...).
//
// Plain values and free functions; thread-safe.

#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "auth/jwt.h"
#include "auth/roles.h"
#include "core/error.h"
#include "http/message.h"

namespace kwb::server {

struct Principal {
  std::int64_t user_id = 0;
  std::string username;
  auth::Role role = auth::Role::kViewer;
  auth::TokenClaims claims;
};

struct RequestContext {
  const http::Request& request;
  std::map<std::string, std::string> params;  // path parameters
  std::optional<Principal> principal;         // set for every non-public route
  std::string request_id;
  std::string client_address;  // the peer's IP, without the port

  [[nodiscard]] const std::string& param(const std::string& name) const;
  [[nodiscard]] const std::string& actor() const;  // username, or "anonymous"
};

http::Response json_response(int status, const nlohmann::json& body);
// An error with an explicit status and code.
http::Response error_response(int status, std::string code, std::string message, std::string field = {});
// The status for a kwb::Error (see the header comment), with Retry-After where it applies.
http::Response error_response(const Error& error);
int http_status_for(const Error& error);

// Parses a JSON object body; kInvalidInput (field "body") when it is not one.
Result<nlohmann::json> parse_json_object(const http::Request& request);

// Reads an optional string/int member with type checks; kInvalidInput naming the field.
Result<std::optional<std::string>> optional_string(const nlohmann::json& body, const std::string& field);
Result<std::optional<std::int64_t>> optional_int(const nlohmann::json& body, const std::string& field);
Result<std::string> required_string(const nlohmann::json& body, const std::string& field);

}  // namespace kwb::server
