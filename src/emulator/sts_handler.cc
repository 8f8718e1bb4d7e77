#include "emulator/sts_handler.h"

#include <atomic>
#include <cstdio>

namespace kwb::emulator {

namespace {

constexpr std::string_view kStsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/";

// "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/sts/aws4_request, ..." -> "AKID".
std::string_view access_key_of(std::string_view authorization) {
  const std::size_t start = authorization.find("Credential=");
  if (start == std::string_view::npos) return {};
  const std::string_view rest = authorization.substr(start + 11);
  return rest.substr(0, rest.find('/'));
}

std::string xml_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string next_request_id() {
  static std::atomic<std::uint64_t> counter{0};
  char id[40];
  std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012llx",
                static_cast<unsigned long long>(counter.fetch_add(1) + 1));
  return id;
}

}  // namespace

bool StsHandler::accepts(const ApiRequest& request) const {
  if (request.signing_service == "sts") return true;
  return request.signing_service.empty() && request.amz_target.empty() &&
         form_field(request.body, "Action").value_or("") == "GetCallerIdentity";
}

ApiResponse StsHandler::handle(const ApiRequest& request) {
  ApiResponse response;
  response.content_type = "text/xml";
  const std::string request_id = next_request_id();
  response.headers.set("x-amzn-RequestId", request_id);
  const std::string_view action = form_field(request.body, "Action").value_or("");
  if (action != "GetCallerIdentity") {
    response.status = 400;
    response.body = "<ErrorResponse xmlns=\"" + std::string(kStsNamespace) +
                    "\"><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>Could not find operation " +
                    xml_escape(action) + " for version 2011-06-15 (the kwb emulator implements GetCallerIdentity "
                    "only)</Message></Error><RequestId>" + request_id + "</RequestId></ErrorResponse>";
    return response;
  }
  std::string key(access_key_of(request.authorization));
  if (key.empty()) key = "anonymous";
  response.body = "<GetCallerIdentityResponse xmlns=\"" + std::string(kStsNamespace) +
                  "\"><GetCallerIdentityResult><Arn>arn:aws:iam::" + account_id_ + ":user/" + xml_escape(key) +
                  "</Arn><UserId>" + xml_escape(key) + "</UserId><Account>" + account_id_ +
                  "</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>" + request_id +
                  "</RequestId></ResponseMetadata></GetCallerIdentityResponse>";
  return response;
}

}  // namespace kwb::emulator
