#include "aws/http_client.h"

#include <curl/curl.h>

#include <cstring>
#include <mutex>
#include <vector>

#include "core/strings.h"

namespace kwb::aws {

std::optional<std::string> HttpResponse::header(const std::string& name) const {
  const std::string wanted = to_lower(name);
  for (const HttpHeader& h : headers) {
    if (h.name.size() == wanted.size() && to_lower(h.name) == wanted) return h.value;
  }
  return std::nullopt;
}

namespace {

// libcurl's global state must be set up once, before any handle exists, and its own docs ask that
// this happen while only one thread runs libcurl; call_once gives us that.
void ensure_curl_global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlSlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using CurlSlist = std::unique_ptr<curl_slist, CurlSlistDeleter>;

struct CurlEasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;

// Where a response body goes: buffered, or (for a 2xx answer to a streaming request) handed to
// the request's consumer as it arrives.
struct BodyTarget {
  CURL* curl = nullptr;
  std::string* buffer = nullptr;
  const BodyConsumer* consumer = nullptr;  // null: always buffer
  bool cancelled = false;                  // the consumer said stop
};

size_t write_body(char* data, size_t size, size_t count, void* user) {
  auto* target = static_cast<BodyTarget*>(user);
  const std::size_t bytes = size * count;
  if (target->consumer != nullptr) {
    long status = 0;
    curl_easy_getinfo(target->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status <= 299) {
      if ((*target->consumer)(std::string_view(data, bytes))) return bytes;
      target->cancelled = true;
      return 0;  // libcurl aborts the transfer with CURLE_WRITE_ERROR
    }
  }
  target->buffer->append(data, bytes);
  return bytes;
}

// libcurl's progress callback, used only for HttpRequest::keep_going: non-zero aborts.
int check_keep_going(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return (*static_cast<const std::function<bool()>*>(user))() ? 0 : 1;
}

size_t write_header(char* data, size_t size, size_t count, void* user) {
  auto* headers = static_cast<std::vector<HttpHeader>*>(user);
  const std::string_view line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new status line (after "100 Continue" or an informational response): only the final
    // response's headers count.
    headers->clear();
    return size * count;
  }
  const std::size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    headers->push_back({std::string(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1)))});
  }
  return size * count;
}

// The pooled transport. Easy handles keep their connection cache across curl_easy_reset, so
// returning a handle to the free list after each request is what lets the next request to the
// same host reuse the TCP (and TLS) connection. Thread-safe: a handle is used by one thread at a
// time, and the free list is guarded by a mutex.
class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(HttpOptions options) : options_(std::move(options)) { ensure_curl_global_init(); }

  Result<HttpResponse> send(const HttpRequest& request) override {
    CurlEasy handle = acquire();
    if (!handle) return Error::internal("curl_easy_init failed");
    Result<HttpResponse> result = perform(handle.get(), request);
    release(std::move(handle));
    return result;
  }

 private:
  // Idle handles kept beyond this are closed: enough for the producer's concurrency, without
  // holding sockets forever after a burst.
  static constexpr std::size_t kMaxIdleHandles = 64;

  CurlEasy acquire() {
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        CurlEasy handle = std::move(idle_.back());
        idle_.pop_back();
        return handle;
      }
    }
    return CurlEasy(curl_easy_init());
  }

  void release(CurlEasy handle) {
    std::lock_guard lock(mutex_);
    if (idle_.size() < kMaxIdleHandles) idle_.push_back(std::move(handle));
  }

  Result<HttpResponse> perform(CURL* curl, const HttpRequest& request) {
    curl_easy_reset(curl);
    HttpResponse response;
    char error_buffer[CURL_ERROR_SIZE] = {0};

    CurlSlist headers;
    auto append = [&](const std::string& line) {
      curl_slist* next = curl_slist_append(headers.get(), line.c_str());
      if (next != nullptr) {
        (void)headers.release();
        headers.reset(next);
      }
      return next != nullptr;
    };
    for (const HttpHeader& header : request.headers) {
      if (!append(header.name + ": " + header.value)) return Error::internal("out of memory building headers");
    }
    // No "Expect: 100-continue" round trip for larger bodies: AWS answers straight away.
    if (!append("Expect:")) return Error::internal("out of memory building headers");

    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(request.timeout ? request.timeout->count() : options_.request_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
    if (options_.ca_bundle) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_bundle->c_str());
    // Proxies: deliberately no CURLOPT_PROXY, so libcurl applies http_proxy/https_proxy/no_proxy.

    if (request.method == "GET") {
      curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    } else if (request.method == "HEAD") {
      curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else {
      if (request.method != "POST") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      if (request.method == "POST" || !request.body.empty()) {
        curl_easy_setopt(curl, CURLOPT_POST, 1L);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
      }
    }
    BodyTarget body_target{curl, &response.body, request.on_body ? &request.on_body : nullptr, false};
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body_target);
    if (request.keep_going) {
      curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, check_keep_going);
      curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &request.keep_going);
      curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    }
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, write_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);

    const CURLcode code = curl_easy_perform(curl);
    // The handle goes back to the pool: make sure it holds no pointers into this stack frame.
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
    if (body_target.cancelled || code == CURLE_ABORTED_BY_CALLBACK) {
      return Error::cancelled("the reader stopped the response from " + request.url);
    }
    if (code != CURLE_OK) return map_error(curl, code, error_buffer, request.url);

    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    return response;
  }

  Error map_error(CURL* curl, CURLcode code, const char* error_buffer, const std::string& url) const {
    // Prefer the operating system's words ("Connection refused") over libcurl's summary.
    long os_errno = 0;
    curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno);
    std::string detail = error_buffer[0] != '\0' ? std::string(error_buffer) : std::string(curl_easy_strerror(code));
    switch (code) {
      case CURLE_OPERATION_TIMEDOUT:
        return Error::timeout("request to " + url + " timed out (connect timeout " +
                              std::to_string(options_.connect_timeout.count()) + " ms, request timeout " +
                              std::to_string(options_.request_timeout.count()) + " ms): " + detail);
      case CURLE_COULDNT_CONNECT:
        return Error::network("could not connect to " + url + ": " +
                              (os_errno != 0 ? std::string(std::strerror(static_cast<int>(os_errno))) : detail));
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_RESOLVE_PROXY:
        return Error::network("could not resolve the host of " + url + ": " + detail);
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_SSL_CONNECT_ERROR:
      case CURLE_SSL_CERTPROBLEM:
      case CURLE_SSL_CIPHER:
      case CURLE_SSL_CACERT_BADFILE:
        return Error::network("TLS with " + url + " failed: " + detail);
      case CURLE_URL_MALFORMAT:
      case CURLE_UNSUPPORTED_PROTOCOL:
        return Error::invalid_input("url", "cannot send to '" + url + "': " + detail);
      case CURLE_OUT_OF_MEMORY:
        return Error::internal("libcurl ran out of memory sending to " + url);
      default:
        // Send/receive errors, an empty reply, a connection reset mid-response...: the request
        // may or may not have reached the service, and no HTTP response came back.
        return Error::network("request to " + url + " failed: " + detail);
    }
  }

  const HttpOptions options_;
  std::mutex mutex_;
  std::vector<CurlEasy> idle_;  // GUARDED_BY(mutex_)
};

}  // namespace

std::unique_ptr<HttpTransport> make_curl_transport(const HttpOptions& options) {
  return std::make_unique<CurlTransport>(options);
}

}  // namespace kwb::aws
