#pragma once
// How the HTTP front end hands requests to services, with no Boost types in sight.
//
// The router keeps an ordered list of ServiceHandlers and gives each request to the first whose
// accepts() says yes. Kinesis (X-Amz-Target: Kinesis_20131202.*) and the admin endpoints
// (/_kwb/...) are handlers; CloudWatch plugs in the same way (SigV4 scope "monitoring",
// X-Amz-Target: GraniteServiceVersion20100801.*, Action= form bodies, or
// POST /service/GraniteServiceVersion20100801/operation/<Op>), so adding it touches no server code.
//
// Thread safety: handle() is called concurrently from every server thread.

#include <string>
#include <string_view>
#include <vector>

namespace kwb::emulator {

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
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/x-amz-json-1.1";
  std::string body;
};

class ServiceHandler {
 public:
  virtual ~ServiceHandler() = default;
  [[nodiscard]] virtual bool accepts(const ApiRequest& request) const = 0;
  virtual ApiResponse handle(const ApiRequest& request) = 0;
};

// Credential scope "AKID/20240101/us-east-1/kinesis/aws4_request" inside an Authorization header:
// sets region and service, or leaves them empty.
void parse_credential_scope(std::string_view authorization, std::string_view& region, std::string_view& service);

}  // namespace kwb::emulator
