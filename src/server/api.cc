#include "server/api.h"

#include "core/result.h"

namespace kwb::server {

namespace {
const std::string kEmpty;
const std::string kAnonymous = "anonymous";
}  // namespace

const std::string& RequestContext::param(const std::string& name) const {
  const auto it = params.find(name);
  return it == params.end() ? kEmpty : it->second;
}

const std::string& RequestContext::actor() const { return principal ? principal->username : kAnonymous; }

http::Response json_response(int status, const nlohmann::json& body) {
  // Replace invalid UTF-8 instead of throwing: names and tags are echoed back verbatim.
  return http::Response::json(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

http::Response error_response(int status, std::string code, std::string message, std::string field) {
  nlohmann::json error = {{"code", std::move(code)}, {"message", std::move(message)}};
  if (!field.empty()) error["field"] = std::move(field);
  return json_response(status, {{"error", error}});
}

int http_status_for(const Error& error) {
  switch (error.kind) {
    case ErrorKind::kInvalidInput: return 400;
    case ErrorKind::kNotFound: return 404;
    case ErrorKind::kConflict: return 409;
    case ErrorKind::kThrottling:
    case ErrorKind::kLimitExceeded: return 429;
    case ErrorKind::kNetwork:
    case ErrorKind::kTimeout:
    case ErrorKind::kTransient:
    case ErrorKind::kParse:
      return 502;  // AWS (or the emulator) could not be reached or gave nonsense
    case ErrorKind::kAuth:
      // AWS refused our credentials: the server's upstream problem, not the caller's 401 (the
      // token middleware answers its own 401s).
      return 502;
    case ErrorKind::kConfig:
    case ErrorKind::kIo:
    case ErrorKind::kInternal:
    case ErrorKind::kCancelled:
    case ErrorKind::kExpiredIterator:
      return 500;
  }
  return 500;
}

http::Response error_response(const Error& error) {
  const int status = http_status_for(error);
  std::string code = error.code;
  if (code.empty()) {
    switch (status) {
      case 400: code = "ValidationError"; break;
      case 404: code = "NotFound"; break;
      case 409: code = "Conflict"; break;
      case 429: code = "Throttled"; break;
      case 502: code = "UpstreamUnavailable"; break;
      default: code = "InternalError"; break;
    }
  }
  // Internal details stay in the server log; the caller learns only that it failed.
  std::string message = status == 500 ? "internal error" : error.message;
  http::Response response = error_response(status, std::move(code), std::move(message), error.field);
  if (status == 429) response.headers.set("Retry-After", "1");
  return response;
}

Result<nlohmann::json> parse_json_object(const http::Request& request) {
  nlohmann::json body = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) return Error::invalid_input("body", "the body must be a JSON object");
  return body;
}

Result<std::optional<std::string>> optional_string(const nlohmann::json& body, const std::string& field) {
  const auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return Error::invalid_input(field, "'" + field + "' must be a string");
  return std::optional<std::string>(it->get<std::string>());
}

Result<std::optional<std::int64_t>> optional_int(const nlohmann::json& body, const std::string& field) {
  const auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::optional<std::int64_t>();
  if (!it->is_number_integer()) return Error::invalid_input(field, "'" + field + "' must be a whole number");
  return std::optional<std::int64_t>(it->get<std::int64_t>());
}

Result<std::string> required_string(const nlohmann::json& body, const std::string& field) {
  auto value = optional_string(body, field);
  if (!value) return value.error();
  if (!value->has_value() || (*value)->empty()) return Error::invalid_input(field, "'" + field + "' is required");
  return std::move(**value);
}

}  // namespace kwb::server
