#pragma once
// HTTP as a seam. HttpTransport is what AwsClient sends through; CurlHttpClient is the real one
// (libcurl: pooled handles so connections are reused, TLS verification honouring AWS_CA_BUNDLE,
// connect and request timeouts, proxies from the usual *_proxy variables as libcurl reads them).
// Tests substitute a scripted transport.
//
// A transport returns kNetwork / kTimeout errors only when no HTTP response arrived; any status
// code, 5xx included, is a successful HttpResponse for the transport.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "sigv4/signer.h"

namespace kwb::aws {

using HttpHeader = sigv4::Header;

// Receives a streamed response body piece by piece; returning false aborts the transfer.
using BodyConsumer = std::function<bool(std::string_view piece)>;

struct HttpRequest {
  std::string method = "POST";
  std::string url;  // absolute: scheme://host[:port]/path[?query]
  std::vector<HttpHeader> headers;
  std::string body;
  // Set: a 2xx response's body goes to it as it arrives (event streams) and HttpResponse::body
  // stays empty; any other status is buffered as usual so the error can be read. When it returns
  // false the send ends with Error::cancelled. A transport that cannot stream may instead buffer
  // the whole body into HttpResponse::body; callers handle both.
  BodyConsumer on_body;
  // Set: asked about once a second while a response is awaited or streams (and on every piece);
  // false aborts the request with Error::cancelled. Lets a reader stop an idle stream.
  std::function<bool()> keep_going;
  // Replaces HttpOptions::request_timeout for this request; zero means none (a stream that lasts
  // minutes). The connect timeout still applies.
  std::optional<std::chrono::milliseconds> timeout;
};

struct HttpResponse {
  int status = 0;
  std::vector<HttpHeader> headers;  // names as received
  std::string body;
  // Case-insensitive lookup of the first header with this name.
  [[nodiscard]] std::optional<std::string> header(const std::string& name) const;
};

struct HttpOptions {
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds request_timeout{30000};
  std::optional<std::string> ca_bundle;  // AWS_CA_BUNDLE
  bool verify_tls = true;
};

// Thread-safe.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual Result<HttpResponse> send(const HttpRequest& request) = 0;
};

std::unique_ptr<HttpTransport> make_curl_transport(const HttpOptions& options);

}  // namespace kwb::aws
