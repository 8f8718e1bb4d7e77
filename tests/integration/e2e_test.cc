// The whole loop over the wire, one test for both targets:
//
//   default                  `kwb serve --embedded` (the kwb emulator in-process), label integration
//   -DKWB_REAL_AWS_TESTS=ON  `kwb serve --aws` against the account of the standard credentials
//                            chain (AWS_PROFILE / AWS_* / ~/.aws), label real-aws; costs cents
//
// Through the REST API with a JWT: create a stream, wait for ACTIVE, scale it, delete it. Through
// the kwb CLI with SigV4 straight to Kinesis: put records, read every one back, analyze. Every
// stream the test makes is named kwb-it-<run> and tagged kwb:TestRun=<run>; TearDown deletes this
// run's streams whatever happened, and a sweeper deletes leftovers of runs older than two hours
// (a crashed run on real AWS must not bill forever). Waits poll with capped exponential backoff
// and a deadline sized for the target (seconds on the emulator, minutes on AWS).

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <random>
#include <regex>
#include <thread>

#include "aws/http_client.h"
#include "harness/process.h"

#ifndef KWB_CLI_BINARY
#error "KWB_CLI_BINARY must name the built kwb executable"
#endif

namespace kwb {
namespace {

using nlohmann::json;
using testing::ChildProcess;
using testing::EnvMap;
using testing::ProcessResult;
using testing::TempDir;
using namespace std::chrono_literals;

const std::string kKwb = KWB_CLI_BINARY;
#ifdef KWB_E2E_REAL_AWS
constexpr bool kRealAws = true;
#else
constexpr bool kRealAws = false;
#endif
constexpr const char* kTestRunTag = "kwb:TestRun";
constexpr const char* kStreamPrefix = "kwb-it-";
constexpr auto kStaleAfter = std::chrono::hours(2);

// The variables a real-AWS run passes on to its children; nothing else leaks in.
EnvMap inherited_aws_env() {
  EnvMap env;
  for (const char* name : {"AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID",
                           "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SHARED_CREDENTIALS_FILE",
                           "AWS_CONFIG_FILE", "AWS_CA_BUNDLE", "HOME"}) {
    if (const char* value = std::getenv(name)) env[name] = value;
  }
  return env;
}

// Polls `done` until it returns true or `deadline` passes; the pause grows ×1.5 from 200 ms up to
// `cap`. These are waits on real processes and services, not unit-test sleeps.
bool poll_with_backoff(const std::function<bool()>& done, std::chrono::milliseconds deadline,
                       std::chrono::milliseconds cap) {
  const auto give_up = std::chrono::steady_clock::now() + deadline;
  std::chrono::milliseconds pause = 200ms;
  while (true) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() + pause > give_up) return false;
    std::this_thread::sleep_for(pause);
    pause = std::min(cap, std::chrono::milliseconds(pause.count() * 3 / 2));
  }
}

struct ApiResponse {
  int status = 0;
  json body;
  std::string raw;
};

class EndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device entropy;
    const auto epoch = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
    run_ = std::to_string(epoch.count()) + "-" + std::to_string(entropy() % 100000);
    stream_ = kStreamPrefix + run_;
    admin_password_ = "e2e-" + std::to_string(entropy());

    EnvMap env = kRealAws ? inherited_aws_env() : EnvMap{};
    env["PATH"] = "/usr/bin:/bin";
    if (!env.count("HOME")) env["HOME"] = home_.path();
    env["KWB_ADMIN_PASSWORD"] = admin_password_;
    env["KWB_PASSWORD_HASH_COST"] = "minimum";
    std::vector<std::string> argv = {kKwb, "serve", kRealAws ? "--aws" : "--embedded", "--port", "0", "--data-dir",
                                     data_.path()};
    server_ = std::make_unique<ChildProcess>(argv, env);
    const std::regex listening(R"(listening on (http://127\.0\.0\.1:\d+))");
    ASSERT_TRUE(poll_with_backoff(
        [&] {
          std::smatch m;
          const std::string out = server_->stdout_text();
          if (std::regex_search(out, m, listening)) base_ = m[1];
          return !base_.empty() || !server_->running();
        },
        30s, 500ms));
    ASSERT_FALSE(base_.empty()) << server_->stdout_text() << server_->stderr_text();

    auto ready = call("GET", "/readyz");
    ASSERT_EQ(ready.status, 200) << ready.raw;
    ASSERT_EQ(ready.body["aws_target"]["mode"], kRealAws ? "aws" : "embedded") << ready.raw;
    kinesis_endpoint_ = ready.body["aws_target"]["kinesis_endpoint"];
    region_ = ready.body["aws_target"]["region"];

    auto login = call("POST", "/api/auth/login", json{{"username", "admin"}, {"password", admin_password_}});
    ASSERT_EQ(login.status, 200) << login.raw;
    token_ = login.body["token"];
    sweep_stale_streams();
  }

  void TearDown() override {
    if (token_.empty()) return;
    // This run's streams, whatever state the test left them in.
    for (const auto& s : list_streams()) {
      if (s.value("name", "").rfind(stream_, 0) == 0) call("DELETE", "/api/streams/" + s["name"].get<std::string>());
    }
  }

  ApiResponse call(const std::string& method, const std::string& path, const json& body = nullptr) {
    aws::HttpRequest request;
    request.method = method;
    request.url = base_ + path;
    if (!token_.empty()) request.headers.push_back({"Authorization", "Bearer " + token_});
    if (!body.is_null()) {
      request.headers.push_back({"Content-Type", "application/json"});
      request.body = body.dump();
    }
    auto response = transport_->send(request);
    if (!response) return {0, nullptr, response.error().message};
    return {response->status, json::parse(response->body, nullptr, false), response->body};
  }

  json list_streams() {
    auto listed = call("GET", "/api/streams");
    return listed.status == 200 && listed.body.contains("streams") ? listed.body["streams"] : json::array();
  }

  json stream_state() {
    auto got = call("GET", "/api/streams/" + stream_);
    return got.status == 200 ? got.body : json();
  }

  // Leftovers of earlier runs: named kwb-it-<epoch>-..., older than kStaleAfter, tagged as ours.
  void sweep_stale_streams() {
    const auto now = std::chrono::system_clock::now();
    const std::regex ours(std::string(kStreamPrefix) + R"((\d+)-\d+)");
    for (const auto& s : list_streams()) {
      const std::string name = s.value("name", "");
      std::smatch m;
      if (!std::regex_match(name, m, ours)) continue;
      const auto made = std::chrono::system_clock::time_point(std::chrono::seconds(std::stoll(m[1])));
      if (now - made < kStaleAfter) continue;
      const json tags = s.value("tags", json::object());
      if (!tags.is_object() || !tags.contains(kTestRunTag)) continue;
      call("DELETE", "/api/streams/" + name);
    }
  }

  // `kwb ...` as a Kinesis client: SigV4 straight to the target the server uses.
  ProcessResult kwb(std::vector<std::string> args, const std::optional<std::string>& stdin_data = std::nullopt) {
    EnvMap env;
    if (kRealAws) {
      env = inherited_aws_env();
      env["AWS_REGION"] = region_;
    } else {
      env = {{"AWS_ACCESS_KEY_ID", "e2e"}, {"AWS_SECRET_ACCESS_KEY", "e2e"}, {"AWS_REGION", region_},
             {"AWS_ENDPOINT_URL", kinesis_endpoint_}};
    }
    env["PATH"] = "/usr/bin:/bin";
    if (!env.count("HOME")) env["HOME"] = home_.path();
    args.insert(args.begin(), kKwb);
    return testing::run_process(args, env, stdin_data, kRealAws ? 300s : 60s);
  }

  // Deadlines: the emulator settles in well under a second; AWS takes tens of seconds to a minute.
  static constexpr std::chrono::milliseconds settle_deadline() { return kRealAws ? 300s : 30s; }

  TempDir home_;
  TempDir data_;
  std::unique_ptr<aws::HttpTransport> transport_ = aws::make_curl_transport({});
  std::unique_ptr<ChildProcess> server_;
  std::string base_, token_, kinesis_endpoint_, region_;
  std::string run_, stream_, admin_password_;
};

TEST_F(EndToEndTest, CreatePutReadScaleAnalyzeDelete) {
  // Create through the API, tagged with this run.
  auto created = call("POST", "/api/streams",
                      json{{"name", stream_}, {"shard_count", 1}, {"tags", {{kTestRunTag, run_}, {"kwb:owner", "e2e"}}}});
  ASSERT_TRUE(created.status == 200 || created.status == 201 || created.status == 202) << created.raw;
  ASSERT_TRUE(poll_with_backoff([&] { return stream_state().value("status", "") == "ACTIVE"; }, settle_deadline(), 5s))
      << stream_state().dump();
  const json active = stream_state();
  EXPECT_EQ(active.value("shard_count", 0), 1) << active.dump();

  // Records over SigV4, read back in full from every shard.
  std::string lines;
  constexpr int kRecords = 200;
  for (int i = 0; i < kRecords; ++i) lines += "e2e-" + run_ + "-" + std::to_string(i) + "\n";
  auto put = kwb({"put", stream_}, lines);
  ASSERT_EQ(put.exit_code, 0) << put.describe();
  auto tail = kwb({"--output", "json", "tail", stream_, "--from", "trim-horizon", "--max-records", std::to_string(kRecords), "--timeout",
                   kRealAws ? "120" : "20"});
  ASSERT_EQ(tail.exit_code, 0) << tail.describe();
  int seen = 0;
  for (int i = 0; i < kRecords; ++i) {
    if (tail.out.find("e2e-" + run_ + "-" + std::to_string(i) + "\"") != std::string::npos) ++seen;
  }
  EXPECT_EQ(seen, kRecords) << tail.out.substr(0, 2000);

  // Scale 1 -> 2 through the API; both the API and Kinesis agree afterwards.
  auto scaled = call("POST", "/api/streams/" + stream_ + "/scale", json{{"target_shard_count", 2}});
  ASSERT_TRUE(scaled.status == 200 || scaled.status == 202) << scaled.raw;
  ASSERT_TRUE(poll_with_backoff(
      [&] {
        const json s = stream_state();
        return s.value("status", "") == "ACTIVE" && s.value("shard_count", 0) == 2;
      },
      settle_deadline(), 5s))
      << stream_state().dump();
  auto described = kwb({"--output", "json", "streams", "describe", stream_});
  ASSERT_EQ(described.exit_code, 0) << described.describe();
  EXPECT_NE(described.out.find("\"ACTIVE\""), std::string::npos) << described.out;

  // The analyzer reads CloudWatch for it (on AWS the minute's metrics may not be in yet: the run
  // must still succeed and report the stream).
  auto analyzed = kwb({"analyze", "--streams", stream_, "--window", "1h", "--output", "json", "--analyzer", "rules"});
  ASSERT_EQ(analyzed.exit_code, 0) << analyzed.describe();
  const json report = json::parse(analyzed.out, nullptr, false);
  ASSERT_TRUE(report.is_object()) << analyzed.out;
  ASSERT_EQ(report["streams"].size(), 1u) << analyzed.out;
  EXPECT_EQ(report["streams"][0]["stream"], stream_);
  EXPECT_EQ(report["streams"][0]["open_shard_count"], 2);

  // Delete through the API; Kinesis forgets the stream.
  auto deleted = call("DELETE", "/api/streams/" + stream_);
  ASSERT_TRUE(deleted.status == 200 || deleted.status == 202) << deleted.raw;
  EXPECT_TRUE(poll_with_backoff(
      [&] {
        auto gone = kwb({"streams", "describe", stream_});
        return gone.exit_code == 4;  // not found
      },
      settle_deadline(), 10s));
}

TEST_F(EndToEndTest, EveryStreamRouteRejectsAMissingToken) {
  const std::string saved = std::exchange(token_, "");
  EXPECT_EQ(call("GET", "/api/streams").status, 401);
  EXPECT_EQ(call("POST", "/api/streams", json{{"name", stream_}, {"shard_count", 1}}).status, 401);
  EXPECT_EQ(call("DELETE", "/api/streams/" + stream_).status, 401);
  token_ = saved;
  // And nothing was created by the rejected call.
  EXPECT_EQ(call("GET", "/api/streams/" + stream_).status, 404);
}

}  // namespace
}  // namespace kwb
