#include "aws/client.h"

#include <spdlog/spdlog.h>

#include <pugixml.hpp>

#include "aws/error_table.h"
#include "aws/session.h"
#include "core/encoding.h"
#include "sigv4/signer.h"

namespace kwb::aws {

namespace {

constexpr const char* kUserAgent = "kwb/0.1";

struct UrlParts {
  std::string authority;  // host[:port], as the Host header carries it
  std::string path;       // "/" when the endpoint has none
};

// The endpoint was validated when it was resolved (aws/endpoints.cc), so this only splits it.
UrlParts split_endpoint(const std::string& endpoint) {
  UrlParts parts;
  const std::size_t scheme_end = endpoint.find("://");
  const std::size_t host_begin = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  const std::size_t slash = endpoint.find('/', host_begin);
  parts.authority = endpoint.substr(host_begin, slash == std::string::npos ? std::string::npos : slash - host_begin);
  parts.path = slash == std::string::npos ? "/" : endpoint.substr(slash);
  // Default ports are left out of Host, as clients send it and as the signature must match.
  const bool https = endpoint.rfind("https://", 0) == 0;
  const std::string default_port = https ? ":443" : ":80";
  if (parts.authority.size() > default_port.size() &&
      parts.authority.compare(parts.authority.size() - default_port.size(), default_port.size(), default_port) == 0) {
    parts.authority.resize(parts.authority.size() - default_port.size());
  }
  return parts;
}

// The part of an AWS error code that names the error: "aws.protocoltests#FooError" -> "FooError",
// "FooError:http://internal.amazon.com/coral/..." -> "FooError".
std::string clean_code(std::string code) {
  if (std::size_t colon = code.find(':'); colon != std::string::npos) code.resize(colon);
  if (std::size_t hash = code.rfind('#'); hash != std::string::npos) code.erase(0, hash + 1);
  return code;
}

// A short, single-line excerpt of an unexpected body for an error message.
std::string excerpt(const std::string& body) {
  std::string text = body.substr(0, 200);
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return body.size() > 200 ? text + "..." : text;
}

Error json_error(const HttpResponse& response, const std::string& endpoint) {
  std::string code;
  std::string message;
  // Services that moved from the Query protocol to JSON (CloudWatch, SQS) keep their Query error
  // codes for compatibility: `x-amzn-query-error: InvalidParameterValue;Sender` names the code the
  // Query API documents, while `__type` carries the JSON shape name. The documented code wins, so
  // one error table serves both protocols.
  if (auto header = response.header("x-amzn-query-error")) code = header->substr(0, header->find(';'));
  if (code.empty()) {
    if (auto header = response.header("x-amzn-ErrorType")) code = clean_code(*header);
  }
  nlohmann::json body = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_object()) {
    if (code.empty()) {
      for (const char* key : {"__type", "code", "Code"}) {
        if (auto it = body.find(key); it != body.end() && it->is_string()) {
          code = clean_code(it->get<std::string>());
          break;
        }
      }
    }
    for (const char* key : {"message", "Message", "errorMessage"}) {
      if (auto it = body.find(key); it != body.end() && it->is_string()) {
        message = it->get<std::string>();
        break;
      }
    }
  } else if (code.empty() && !response.body.empty()) {
    // Not an AWS error body at all, e.g. an HTML page from a proxy or load balancer.
    message = "HTTP " + std::to_string(response.status) + " from " + endpoint + ": " + excerpt(response.body);
  }
  return make_aws_error(std::move(code), std::move(message), response.status);
}

Error query_error(const HttpResponse& response, const std::string& endpoint) {
  std::string code;
  std::string message;
  pugi::xml_document document;
  if (document.load_buffer(response.body.data(), response.body.size())) {
    // <ErrorResponse><Error><Code/><Message/></Error></ErrorResponse>, and the
    // <Response><Errors><Error>...</Error></Errors></Response> form some Query services use.
    pugi::xml_node root = document.document_element();
    pugi::xml_node error = root.child("Error");
    if (!error) error = root.child("Errors").child("Error");
    if (!error && std::string_view(root.name()) == "Error") error = root;
    if (error) {
      code = clean_code(error.child_value("Code"));
      message = error.child_value("Message");
    }
  }
  if (code.empty()) {
    if (auto header = response.header("x-amzn-ErrorType")) code = clean_code(*header);
  }
  if (code.empty() && message.empty() && !response.body.empty()) {
    message = "HTTP " + std::to_string(response.status) + " from " + endpoint + ": " + excerpt(response.body);
  }
  return make_aws_error(std::move(code), std::move(message), response.status);
}

std::string request_id(const HttpResponse& response) {
  if (auto id = response.header("x-amzn-RequestId")) return *id;
  if (auto id = response.header("x-amz-request-id")) return *id;
  return "-";
}

}  // namespace

AwsClient::AwsClient(AwsSession& session, Service service, std::string endpoint,
                     CredentialsProvider* credentials_override)
    : session_(session),
      service_(service),
      endpoint_(std::move(endpoint)),
      credentials_override_(credentials_override) {}

Result<HttpResponse> AwsClient::send_signed(const std::string& operation, const std::string& content_type,
                                            std::vector<HttpHeader> extra_headers, const std::string& body,
                                            const std::function<std::optional<Error>(const HttpResponse&)>& check,
                                            CallStats* stats, const BodyConsumer* on_body,
                                            const std::function<bool()>* keep_going) {
  const UrlParts url = split_endpoint(endpoint_);
  const std::string full_url = endpoint_.substr(0, endpoint_.find('/', endpoint_.find("://") + 3)) + url.path;
  const ServiceInfo& info = service_info(service_);
  CredentialsProvider& provider = credentials_override_ != nullptr ? *credentials_override_ : session_.credentials();

  for (int attempt = 1;; ++attempt) {
    if (stats != nullptr) stats->attempts = attempt;
    // Credentials are asked for on every attempt: an assumed role may have been refreshed
    // between attempts, and the provider caches, so this is cheap.
    Result<Credentials> credentials = provider.credentials();
    if (!credentials) return std::move(credentials).error();

    sigv4::Signable signable;
    signable.method = "POST";
    signable.path = url.path;
    signable.headers = {{"Host", url.authority}, {"Content-Type", content_type}, {"User-Agent", kUserAgent}};
    for (HttpHeader& header : extra_headers) signable.headers.push_back(header);
    signable.body = body;

    sigv4::SigningConfig config;
    config.credentials.access_key_id = credentials->access_key_id;
    config.credentials.secret_access_key = credentials->secret_access_key;
    config.credentials.session_token = credentials->session_token;
    config.region = session_.region().str();
    config.service = info.signing_name;
    config.time = session_.clock().now();  // fresh per attempt: a retry must not reuse a stale date
    config.location = sigv4::SignatureLocation::kHeaders;
    config.key_cache = &session_.signing_keys();
    Result<sigv4::SigningResult> signed_parts = sigv4::sign(signable, config);
    if (!signed_parts) return std::move(signed_parts).error();
    sigv4::Signable signed_request = sigv4::apply(signable, *signed_parts);

    HttpRequest request;
    request.method = "POST";
    request.url = full_url;
    request.headers = std::move(signed_request.headers);
    request.body = body;
    bool streamed = false;  // a byte of a streamed body reached the reader: never retry after that
    if (on_body != nullptr) {
      request.on_body = [on_body, &streamed](std::string_view piece) {
        streamed = true;
        return (*on_body)(piece);
      };
      request.timeout = std::chrono::milliseconds(0);
    }
    if (keep_going != nullptr && *keep_going) request.keep_going = *keep_going;

    const auto started = session_.clock().steady_now();
    Result<HttpResponse> response = session_.http().send(request);
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(session_.clock().steady_now() - started).count();

    std::optional<Error> error;
    if (!response) {
      error = response.error();
      spdlog::debug("aws {} {} attempt {}: no response after {} ms: {}", info.signing_name, operation, attempt, elapsed,
                    error->message);
    } else {
      spdlog::debug("aws {} {} attempt {}: HTTP {} in {} ms, request id {}", info.signing_name, operation, attempt,
                    response->status, elapsed, request_id(*response));
      error = check(*response);
    }
    if (!error) {
      session_.retry().on_success(attempt);
      return response;
    }
    if (streamed || error->kind == ErrorKind::kCancelled) return std::move(*error);
    std::optional<std::chrono::milliseconds> delay = session_.retry().on_failure(attempt, *error);
    if (!delay) {
      spdlog::debug("aws {} {} failed after {} attempt(s): {}", info.signing_name, operation, attempt,
                    error->describe());
      return std::move(*error);
    }
    spdlog::debug("aws {} {} retrying in {} ms after {}", info.signing_name, operation, delay->count(),
                  error->describe());
    session_.clock().sleep_for(*delay);
  }
}

Result<nlohmann::json> AwsClient::call_json(const std::string& target_prefix, const std::string& operation,
                                            const nlohmann::json& body, const std::string& json_version,
                                            CallStats* stats) {
  return call_json_text(target_prefix, operation, body.dump(), json_version, stats);
}

Result<nlohmann::json> AwsClient::call_json_text(const std::string& target_prefix, const std::string& operation,
                                                 const std::string& payload, const std::string& json_version,
                                                 CallStats* stats) {
  const std::string endpoint = endpoint_;
  Result<HttpResponse> response = send_signed(
      operation, "application/x-amz-json-" + json_version, {{"X-Amz-Target", target_prefix + "." + operation}}, payload,
      [&endpoint](const HttpResponse& r) -> std::optional<Error> {
        if (r.status < 200 || r.status > 299) return json_error(r, endpoint);
        return std::nullopt;
      },
      stats);
  if (!response) return std::move(response).error();
  // Some operations (CreateStream, DeleteStream, ...) answer 200 with an empty body.
  if (response->body.empty()) return nlohmann::json::object();
  nlohmann::json parsed = nlohmann::json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    Error error = Error::parse(operation + " returned HTTP " + std::to_string(response->status) +
                               " with a body that is not JSON: " + excerpt(response->body));
    error.http_status = response->status;
    return error;
  }
  return parsed;
}

Status AwsClient::call_json_stream(const std::string& target_prefix, const std::string& operation,
                                   const nlohmann::json& body, const BodyConsumer& on_body,
                                   const std::function<bool()>& keep_going, CallStats* stats) {
  const std::string endpoint = endpoint_;
  Result<HttpResponse> response = send_signed(
      operation, "application/x-amz-json-1.1", {{"X-Amz-Target", target_prefix + "." + operation}}, body.dump(),
      [&endpoint](const HttpResponse& r) -> std::optional<Error> {
        if (r.status < 200 || r.status > 299) return json_error(r, endpoint);
        return std::nullopt;
      },
      stats, &on_body, &keep_going);
  if (!response) return std::move(response).error();
  // A transport that does not stream (a test's scripted one) buffered the body instead.
  if (!response->body.empty() && !on_body(response->body)) {
    return Error::cancelled(operation + ": the reader stopped the stream");
  }
  return ok_status();
}

Result<std::string> AwsClient::call_query(const std::string& action, const std::string& version,
                                          const std::vector<std::pair<std::string, std::string>>& params,
                                          CallStats* stats) {
  std::string payload = "Action=" + uri_encode(action) + "&Version=" + uri_encode(version);
  for (const auto& [key, value] : params) payload += "&" + uri_encode(key) + "=" + uri_encode(value);
  const std::string endpoint = endpoint_;
  Result<HttpResponse> response = send_signed(
      action, "application/x-www-form-urlencoded; charset=utf-8", {}, payload,
      [&endpoint](const HttpResponse& r) -> std::optional<Error> {
        if (r.status < 200 || r.status > 299) return query_error(r, endpoint);
        return std::nullopt;
      },
      stats);
  if (!response) return std::move(response).error();
  return std::move(response->body);
}

}  // namespace kwb::aws
