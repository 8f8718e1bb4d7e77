#pragma once
// Test doubles for the aws module: a scripted HttpTransport that records what it was asked to
// send and answers from a queue, and helpers to build sessions around it.

#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "aws/http_client.h"
#include "aws/session.h"
#include "core/clock.h"
#include "core/random.h"

namespace kwb::aws::testing {

// Thread-safe. Each send() records the request and pops the next scripted outcome; an empty
// script is a test bug and answers with a kInternal error that names it.
class FakeTransport final : public HttpTransport {
 public:
  struct Shared {
    std::mutex mutex;
    std::vector<HttpRequest> requests;
    std::deque<Result<HttpResponse>> script;
  };

  explicit FakeTransport(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}

  Result<HttpResponse> send(const HttpRequest& request) override {
    std::lock_guard lock(shared_->mutex);
    shared_->requests.push_back(request);
    if (shared_->script.empty()) return Error::internal("FakeTransport: no scripted response left");
    Result<HttpResponse> next = std::move(shared_->script.front());
    shared_->script.pop_front();
    return next;
  }

 private:
  std::shared_ptr<Shared> shared_;
};

inline HttpResponse response(int status, std::string body, std::vector<HttpHeader> headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

inline Credentials test_credentials() {
  Credentials c;
  c.access_key_id = "AKIDEXAMPLE";
  c.secret_access_key = Secret("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  c.source = "explicit";
  return c;
}

// 2015-08-30T12:36:00Z, the date of the AWS SigV4 suite.
inline SystemTimePoint suite_time() { return std::chrono::system_clock::from_time_t(1440938160); }

// A session over a FakeTransport, a ManualClock and a SeededRandom, all owned here.
struct FakeSessionFixture {
  std::shared_ptr<FakeTransport::Shared> http = std::make_shared<FakeTransport::Shared>();
  ManualClock clock{suite_time()};
  SeededRandom random{42};
  std::unique_ptr<AwsSession> session;

  explicit FakeSessionFixture(RetryConfig retry = {}, Credentials credentials = test_credentials(),
                              std::optional<std::string> endpoint = std::string("http://127.0.0.1:4567")) {
    session =
        std::make_unique<AwsSession>(Region("us-east-1"), make_static_provider(std::move(credentials)),
                                     std::make_unique<FakeTransport>(http), retry, clock, random, std::move(endpoint));
  }

  void push(Result<HttpResponse> outcome) {
    std::lock_guard lock(http->mutex);
    http->script.push_back(std::move(outcome));
  }
  std::vector<HttpRequest> requests() {
    std::lock_guard lock(http->mutex);
    return http->requests;
  }
};

}  // namespace kwb::aws::testing
