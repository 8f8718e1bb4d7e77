#pragma once
// How the HTTP front end hands requests to services.
//
// The Router keeps an ordered list of ServiceHandlers and gives each request to the first whose
// accepts() says yes. Kinesis (X-Amz-Target: Kinesis_20131202.*) and the admin endpoints
// (/_kwb/...) are handlers; CloudWatch plugs in the same way (SigV4 scope "monitoring",
// X-Amz-Target: GraniteServiceVersion20100801.*, form bodies naming its Version or Actions, or
// POST /service/GraniteServiceVersion20100801/operation/<Op>), so adding it touches no server code.
// The Router is the emulator's http::Handler: it turns an http::Request into an ApiRequest (views
// into the request, no copies) and an ApiResponse back into an http::Response.
//
// Thread safety: handle() is called concurrently from every server thread.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace kwb::emulator {

class SignatureVerifier;
struct SignatureRejection;

struct ApiRequest {
  std::string_view method;        // "POST"
  std::string_view target;        // request target: path and query
  std::string_view content_type;
  std::string_view amz_target;    // X-Amz-Target, empty if absent
  std::string_view authorization;
  std::string_view body;
  // From the SigV4 credential scope of Authorization (or X-Amz-Credential), empty if unsigned.
  std::string_view signing_region;
  std::string_view signing_service;
  // Every header as sent (signature verification, smithy-protocol); null when the request did not
  // come through the HTTP server (unit tests).
  const http::Headers* headers = nullptr;
  std::string_view remote_address;

  // A header by name (case-insensitive), empty when absent or when there are no headers.
  [[nodiscard]] std::string_view header(std::string_view name) const {
    return headers != nullptr ? headers->get(name) : std::string_view{};
  }
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/x-amz-json-1.1";
  std::string body;
  http::Headers headers;  // extra headers (Retry-After, x-amzn-ErrorType, ...)
  // Fault injection: kCloseWithoutAnswer drops the connection, kNeverAnswer leaves the client waiting.
  http::Disposition disposition = http::Disposition::kAnswer;
  // Set: the body streams from it (SubscribeToShard's event stream) and `body` is unused.
  std::shared_ptr<http::BodySource> body_source;
};

class ServiceHandler {
 public:
  virtual ~ServiceHandler() = default;
  [[nodiscard]] virtual bool accepts(const ApiRequest& request) const = 0;
  virtual ApiResponse handle(const ApiRequest& request) = 0;
  // The answer to a request that failed --verify-signatures, in this service's protocol. The
  // default speaks Kinesis (JSON 1.1, or CBOR when the request was CBOR): __type
  // UnrecognizedClientException, InvalidSignatureException, IncompleteSignatureException or
  // MissingAuthenticationTokenException, HTTP 400.
  virtual ApiResponse signature_error(const ApiRequest& request, const SignatureRejection& rejection);
};

// Ordered list of services; the first that accepts a request handles it. Services claim requests
// by credential scope, X-Amz-Target, path or Query action, never by "anything form-encoded", so no
// two claim the same request and the order is not significant. A request nobody claims gets 404
// UnknownServiceOrOperation naming its service scope, X-Amz-Target and Action.
class Router final : public http::Handler {
 public:
  // Handlers are borrowed. Add before the server starts.
  void add(ServiceHandler& handler) { handlers_.push_back(&handler); }
  // With a verifier, every request outside /_kwb/ must be signed by a known key; the others get the
  // accepting service's signature_error(). Borrowed; null (the default) accepts any signature.
  void set_verifier(const SignatureVerifier* verifier) { verifier_ = verifier; }
  [[nodiscard]] ApiResponse route(const ApiRequest& request) const;

  http::Response handle(const http::Request& request) override;

 private:
  std::vector<ServiceHandler*> handlers_;
  const SignatureVerifier* verifier_ = nullptr;
};

// The raw (not percent-decoded) value of `name` in a form-encoded string ("Action=X&Version=Y"),
// nullopt when absent. Enough to route Query requests: actions and API versions are ASCII words.
std::optional<std::string_view> form_field(std::string_view form, std::string_view name);

// Credential scope "AKID/20240101/us-east-1/kinesis/aws4_request" inside an Authorization header:
// sets region and service, or leaves them empty.
void parse_credential_scope(std::string_view authorization, std::string_view& region, std::string_view& service);

}  // namespace kwb::emulator
