#pragma once
// Test doubles for the CloudWatch client: an HttpTransport that answers through a handler (so a
// test can answer each GetMetricData by the ids it carries, from several threads at once), and a
// fixture wiring it into an AwsSession with static credentials, a ManualClock and a SeededRandom.

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "aws/http_client.h"
#include "aws/session.h"
#include "cloudwatch/client.h"
#include "core/clock.h"
#include "core/encoding.h"
#include "core/random.h"
#include "core/strings.h"

namespace kwb::cloudwatch::testing {

using Handler = std::function<aws::HttpResponse(const aws::HttpRequest&)>;

inline aws::HttpResponse xml_response(int status, std::string body) {
  aws::HttpResponse r;
  r.status = status;
  r.headers = {{"Content-Type", "text/xml"}, {"x-amzn-RequestId", "5d4c3e4f-0000-4000-8000-000000000001"}};
  r.body = std::move(body);
  return r;
}

inline aws::HttpResponse json_response(int status, std::string body) {
  aws::HttpResponse r;
  r.status = status;
  r.headers = {{"Content-Type", "application/x-amz-json-1.0"}};
  r.body = std::move(body);
  return r;
}

// Thread-safe: records every request and tracks how many are inside the handler at once.
class HandlerTransport final : public aws::HttpTransport {
 public:
  struct Shared {
    std::mutex mutex;
    std::vector<aws::HttpRequest> requests;  // GUARDED_BY(mutex)
    Handler handler;                         // set before any send
    int in_flight = 0;                       // GUARDED_BY(mutex)
    int max_in_flight = 0;                   // GUARDED_BY(mutex)
  };

  explicit HandlerTransport(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}

  Result<aws::HttpResponse> send(const aws::HttpRequest& request) override {
    {
      std::lock_guard lock(shared_->mutex);
      shared_->requests.push_back(request);
      shared_->in_flight += 1;
      shared_->max_in_flight = std::max(shared_->max_in_flight, shared_->in_flight);
    }
    aws::HttpResponse response = shared_->handler(request);
    std::lock_guard lock(shared_->mutex);
    shared_->in_flight -= 1;
    return response;
  }

 private:
  std::shared_ptr<Shared> shared_;
};

// Form body -> key/value map (keys are unique in the Query protocol).
inline std::map<std::string, std::string> form_params(const std::string& body) {
  std::map<std::string, std::string> out;
  for (const std::string& pair : split(body, '&')) {
    const std::size_t eq = pair.find('=');
    const std::string key = pair.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : pair.substr(eq + 1);
    out[uri_decode(key, true).value_or("<bad>")] = uri_decode(value, true).value_or("<bad>");
  }
  return out;
}

inline std::string header(const aws::HttpRequest& request, const std::string& name) {
  for (const auto& h : request.headers) {
    if (to_lower(h.name) == to_lower(name)) return h.value;
  }
  return "";
}

// 2015-08-30T12:36:00Z.
inline SystemTimePoint test_now() { return std::chrono::system_clock::from_time_t(1440938160); }

struct Fixture {
  std::shared_ptr<HandlerTransport::Shared> http = std::make_shared<HandlerTransport::Shared>();
  ManualClock clock{test_now()};
  SeededRandom random{7};
  std::unique_ptr<aws::AwsSession> session;

  explicit Fixture(Handler handler) {
    http->handler = std::move(handler);
    aws::Credentials credentials;
    credentials.access_key_id = "AKIDEXAMPLE";
    credentials.secret_access_key = Secret("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    credentials.source = "explicit";
    aws::RetryConfig retry;
    retry.max_attempts = 1;  // each test scripts exactly the exchanges it expects
    session = std::make_unique<aws::AwsSession>(Region("us-east-1"), aws::make_static_provider(credentials),
                                                std::make_unique<HandlerTransport>(http), retry, clock, random,
                                                std::string("http://127.0.0.1:4567"));
  }

  Client client(Protocol protocol = Protocol::kQuery) {
    ClientOptions options;
    options.protocol = protocol;
    return Client(session->client(aws::Service::kCloudWatch), options);
  }

  std::vector<aws::HttpRequest> requests() {
    std::lock_guard lock(http->mutex);
    return http->requests;
  }
  int max_in_flight() {
    std::lock_guard lock(http->mutex);
    return http->max_in_flight;
  }
};

}  // namespace kwb::cloudwatch::testing
