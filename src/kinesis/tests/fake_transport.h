#pragma once
// A scripted aws::HttpTransport for unit tests: it answers each request with the next queued
// response (or a default) and records every request so the test can inspect what was sent.

#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aws/credentials.h"
#include "aws/http_client.h"
#include "aws/session.h"
#include "core/clock.h"
#include "core/random.h"

namespace kwb::kinesis::testing {

class ScriptedTransport final : public aws::HttpTransport {
 public:
  Result<aws::HttpResponse> send(const aws::HttpRequest& request) override {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
    if (script_.empty()) return Error::internal("ScriptedTransport: no response scripted for request " +
                                                std::to_string(requests_.size()));
    auto next = std::move(script_.front());
    script_.pop_front();
    return next;
  }

  void reply(int status, const nlohmann::json& body) {
    aws::HttpResponse response;
    response.status = status;
    response.headers.push_back({"Content-Type", "application/x-amz-json-1.1"});
    response.body = body.dump();
    std::lock_guard lock(mutex_);
    script_.emplace_back(std::move(response));
  }
  void reply_raw(int status, std::string body) {
    aws::HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    std::lock_guard lock(mutex_);
    script_.emplace_back(std::move(response));
  }
  void reply_error(const std::string& type, const std::string& message, int status = 400) {
    reply(status, {{"__type", type}, {"message", message}});
  }

  [[nodiscard]] std::size_t request_count() const {
    std::lock_guard lock(mutex_);
    return requests_.size();
  }
  [[nodiscard]] aws::HttpRequest request(std::size_t index) const {
    std::lock_guard lock(mutex_);
    return requests_.at(index);
  }
  [[nodiscard]] nlohmann::json body(std::size_t index) const { return nlohmann::json::parse(request(index).body); }
  [[nodiscard]] std::string header(std::size_t index, const std::string& name) const {
    for (const auto& h : request(index).headers) {
      if (h.name.size() == name.size() &&
          std::equal(h.name.begin(), h.name.end(), name.begin(),
                     [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
        return h.value;
      }
    }
    return "";
  }

 private:
  mutable std::mutex mutex_;
  std::deque<Result<aws::HttpResponse>> script_;
  std::vector<aws::HttpRequest> requests_;
};

// A session wired to a ScriptedTransport, with one attempt per call so each scripted response
// answers exactly one client call.
struct FakeSession {
  FakeSession() {
    auto owned = std::make_unique<ScriptedTransport>();
    transport = owned.get();
    aws::Credentials credentials;
    credentials.access_key_id = "AKIDEXAMPLE";
    credentials.secret_access_key = Secret("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    credentials.source = "explicit";
    aws::RetryConfig retry;
    retry.max_attempts = 1;
    session = std::make_unique<aws::AwsSession>(Region("us-east-1"), aws::make_static_provider(credentials),
                                                std::move(owned), retry, clock, random,
                                                std::string("http://127.0.0.1:4567"));
  }
  ManualClock clock{SystemTimePoint(std::chrono::seconds(1700000000))};
  SeededRandom random{42};
  ScriptedTransport* transport = nullptr;  // owned by session
  std::unique_ptr<aws::AwsSession> session;
};

}  // namespace kwb::kinesis::testing
