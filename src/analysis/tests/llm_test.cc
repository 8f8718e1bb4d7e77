// The LLM analyzer and router against a tiny OpenAI-compatible server on 127.0.0.1 over real HTTP
// (libcurl → Beast): a valid answer, a garbage answer, an HTTP error, a schema mismatch and a
// timeout. Every failure must fall back to the rules with the reason recorded.

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include "analysis/llm.h"
#include "analysis/router.h"
#include "analysis/tests/snapshot_builder.h"
#include "http/server.h"

namespace kwb::analysis {
namespace {

using nlohmann::json;
using testing::kMiB;
using testing::SnapshotBuilder;

enum class Mode { kValid, kGarbage, kHttpError, kSchemaMismatch, kTimeout, kFenced };

// A fake chat-completions endpoint. Records every request it gets.
class FakeLlm final : public http::Handler {
 public:
  http::Response handle(const http::Request& request) override {
    {
      std::lock_guard lock(mutex_);
      bodies_.push_back(request.body);
      paths_.push_back(std::string(request.path()));
      authorization_ = std::string(request.headers.get("Authorization"));
    }
    const std::string answer = R"({"summary":"STREAM-0001 cannot keep up with its producers.",)"
                               R"("actions":[{"priority":2,"action":"Add alarms","finding_ids":[]},)"
                               R"({"priority":1,"action":"Scale STREAM-0001 out","finding_ids":["write-throttled:STREAM-0001"]}],)"
                               R"("hypotheses":[{"hypothesis":"Traffic grew past 2 shards","finding_ids":["write-throttled:STREAM-0001"]}]})";
    auto envelope = [](const std::string& content) {
      return json{{"id", "chatcmpl-1"}, {"model", "fake-model"},
                  {"choices", json::array({{{"index", 0}, {"message", {{"role", "assistant"}, {"content", content}}}}})}}
          .dump();
    };
    switch (mode.load()) {
      case Mode::kValid: return http::Response::json(200, envelope(answer));
      case Mode::kFenced: return http::Response::json(200, envelope("```json\n" + answer + "\n```"));
      case Mode::kGarbage: return http::Response::json(200, envelope("Sure! Here is my analysis: scale up."));
      case Mode::kHttpError: return http::Response::json(500, R"({"error":"overloaded"})");
      case Mode::kSchemaMismatch:
        return http::Response::json(200, envelope(R"({"summary":"x","actions":[],"hypotheses":[{"hypothesis":"y","finding_ids":["made-up:id"]}]})"));
      case Mode::kTimeout: {
        http::Response r;
        r.disposition = http::Disposition::kNeverAnswer;
        return r;
      }
    }
    return http::Response::json(500, "{}");
  }

  std::vector<std::string> bodies() {
    std::lock_guard lock(mutex_);
    return bodies_;
  }
  std::string authorization() {
    std::lock_guard lock(mutex_);
    return authorization_;
  }
  std::vector<std::string> paths() {
    std::lock_guard lock(mutex_);
    return paths_;
  }

  std::atomic<Mode> mode{Mode::kValid};

 private:
  std::mutex mutex_;
  std::vector<std::string> bodies_;
  std::vector<std::string> paths_;
  std::string authorization_;
};

class LlmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http::ServerOptions options;
    options.host = "127.0.0.1";
    options.drain_timeout = std::chrono::milliseconds(200);
    server_ = std::make_unique<http::HttpServer>(options, fake_);
    auto port = server_->start();
    ASSERT_TRUE(port.ok());
    aws::HttpOptions http;
    http.request_timeout = std::chrono::milliseconds(400);
    transport_ = aws::make_curl_transport(http);
    LlmConfig config;
    config.base_url = "http://127.0.0.1:" + std::to_string(*port) + "/v1";
    config.model = "fake-model";
    config.api_key = Secret("sk-test-secret");
    config.timeout = std::chrono::milliseconds(400);
    llm_ = std::make_unique<LlmAnalyzer>(config, *transport_);
  }
  void TearDown() override { server_->stop(); }

  // An under-provisioned stream: gives a write-throttled finding to cite.
  static std::vector<StreamSnapshot> snapshots() {
    return {SnapshotBuilder("clicks-prod", 2)
                .constant(metric::kIncomingBytes, "Sum", 2.0 * kMiB * 60)
                .constant(metric::kIncomingRecords, "Sum", 2000.0 * 60)
                .constant(metric::kWriteExceeded, "Sum", 600.0)
                .build()};
  }

  FakeLlm fake_;
  std::unique_ptr<http::HttpServer> server_;
  std::unique_ptr<aws::HttpTransport> transport_;
  std::unique_ptr<LlmAnalyzer> llm_;
  ManualClock clock_{testing::window_start()};
};

TEST_F(LlmTest, ValidAnswerIsUsedUnmaskedAndCached) {
  Router router({}, llm_.get(), clock_);
  AnalysisReport report = router.analyze(snapshots(), AnalyzerChoice::kAuto);
  EXPECT_EQ(report.analyzer, "llm");
  EXPECT_FALSE(report.fallback_reason.has_value());
  ASSERT_TRUE(report.insights.has_value());
  EXPECT_EQ(report.insights->summary, "clicks-prod cannot keep up with its producers.");
  ASSERT_EQ(report.insights->actions.size(), 2u);
  EXPECT_EQ(report.insights->actions[0].priority, 1);  // sorted
  EXPECT_EQ(report.insights->actions[0].finding_ids, std::vector<std::string>({"write-throttled:clicks-prod"}));
  EXPECT_EQ(report.insights->model, "fake-model");
  // Numbers still come from the rules.
  EXPECT_EQ(report.streams[0].sizing.recommended_shard_count, 3);
  EXPECT_FALSE(report.streams[0].findings.empty());

  // What was sent: masked, with the key only in the header.
  auto bodies = fake_.bodies();
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_EQ(fake_.paths()[0], "/v1/chat/completions");
  EXPECT_EQ(bodies[0].find("clicks-prod"), std::string::npos) << bodies[0];
  EXPECT_EQ(bodies[0].find("123456789012"), std::string::npos);
  EXPECT_EQ(bodies[0].find("sk-test-secret"), std::string::npos);
  EXPECT_NE(bodies[0].find("STREAM-0001"), std::string::npos);
  EXPECT_NE(bodies[0].find("ARN-0001"), std::string::npos);  // the account is inside the masked ARN
  EXPECT_EQ(fake_.authorization(), "Bearer sk-test-secret");
  auto request = json::parse(bodies[0]);
  EXPECT_EQ(request["model"], "fake-model");

  // Same input again: answered from the cache, no second request.
  AnalysisReport again = router.analyze(snapshots(), AnalyzerChoice::kLlm);
  EXPECT_EQ(again.analyzer, "llm");
  EXPECT_TRUE(again.insights->cached);
  EXPECT_EQ(fake_.bodies().size(), 1u);
  EXPECT_EQ(llm_->requests_sent(), 1);
}

TEST_F(LlmTest, FencedJsonIsAccepted) {
  fake_.mode = Mode::kFenced;
  Router router({}, llm_.get(), clock_);
  EXPECT_EQ(router.analyze(snapshots(), AnalyzerChoice::kLlm).analyzer, "llm");
}

TEST_F(LlmTest, GarbageAnswerFallsBackWithReason) {
  fake_.mode = Mode::kGarbage;
  Router router({}, llm_.get(), clock_);
  AnalysisReport report = router.analyze(snapshots(), AnalyzerChoice::kLlm);
  EXPECT_EQ(report.analyzer, "rules");
  ASSERT_TRUE(report.fallback_reason.has_value());
  EXPECT_EQ(report.fallback_reason->rfind("invalid_json:", 0), 0u) << *report.fallback_reason;
  EXPECT_FALSE(report.insights.has_value());
  EXPECT_FALSE(report.streams[0].findings.empty());  // the rules' result is still there
  EXPECT_EQ(to_json(report)["analyzer"], "rules");
  EXPECT_TRUE(to_json(report)["fallback_reason"].is_string());
}

TEST_F(LlmTest, TimeoutFallsBackWithReason) {
  fake_.mode = Mode::kTimeout;
  Router router({}, llm_.get(), clock_);
  AnalysisReport report = router.analyze(snapshots(), AnalyzerChoice::kAuto);
  EXPECT_EQ(report.analyzer, "rules");
  ASSERT_TRUE(report.fallback_reason.has_value());
  EXPECT_EQ(report.fallback_reason->rfind("timeout:", 0), 0u) << *report.fallback_reason;
  // auto now treats the LLM as unhealthy and does not wait for it again...
  fake_.mode = Mode::kValid;
  AnalysisReport next = router.analyze(snapshots(), AnalyzerChoice::kAuto);
  EXPECT_EQ(next.analyzer, "rules");
  EXPECT_EQ(next.fallback_reason->rfind("unhealthy: timeout:", 0), 0u) << *next.fallback_reason;
  EXPECT_EQ(fake_.bodies().size(), 1u);
  // ...until the cooldown has passed.
  clock_.advance(std::chrono::seconds(301));
  EXPECT_EQ(router.analyze(snapshots(), AnalyzerChoice::kAuto).analyzer, "llm");
}

TEST_F(LlmTest, HttpErrorAndSchemaMismatchFallBack) {
  Router router({}, llm_.get(), clock_);
  fake_.mode = Mode::kHttpError;
  AnalysisReport report = router.analyze(snapshots(), AnalyzerChoice::kLlm);
  EXPECT_EQ(report.analyzer, "rules");
  EXPECT_EQ(report.fallback_reason->rfind("http_error:", 0), 0u) << *report.fallback_reason;
  fake_.mode = Mode::kSchemaMismatch;
  report = router.analyze(snapshots(), AnalyzerChoice::kLlm);  // explicit llm ignores the cooldown
  EXPECT_EQ(report.analyzer, "rules");
  EXPECT_EQ(report.fallback_reason->rfind("schema_mismatch:", 0), 0u) << *report.fallback_reason;
  EXPECT_NE(report.fallback_reason->find("made-up:id"), std::string::npos);
}

TEST(Router, RulesOnlyAndNotConfigured) {
  ManualClock clock(testing::window_start());
  Router router({}, nullptr, clock);
  auto snapshots = std::vector<StreamSnapshot>{testing::healthy_stream()};
  AnalysisReport rules = router.analyze(snapshots, AnalyzerChoice::kRules);
  EXPECT_EQ(rules.analyzer, "rules");
  EXPECT_FALSE(rules.fallback_reason.has_value());
  EXPECT_FALSE(router.analyze(snapshots, AnalyzerChoice::kAuto).fallback_reason.has_value());
  AnalysisReport llm = router.analyze(snapshots, AnalyzerChoice::kLlm);
  EXPECT_EQ(llm.analyzer, "rules");
  EXPECT_EQ(llm.fallback_reason->rfind("not_configured", 0), 0u);
  auto doc = to_json(rules);
  EXPECT_EQ(doc["streams"][0]["recommended_shard_count"], rules.streams[0].sizing.recommended_shard_count);
  EXPECT_EQ(doc["streams"][0]["alarms"].size(), 5u);
  EXPECT_TRUE(doc["streams"][0].contains("findings"));
}

TEST(Masker, MasksWholeNamesArnsAndAccounts) {
  std::vector<StreamSnapshot> snapshots = {SnapshotBuilder("orders").build(), SnapshotBuilder("orders-dlq").build()};
  Masker masker(snapshots);
  const std::string text = "orders and orders-dlq in arn:aws:kinesis:us-east-1:123456789012:stream/orders; "
                           "preorders stays; account 123456789012";
  const std::string masked = masker.mask(text);
  EXPECT_EQ(masked, "STREAM-0001 and STREAM-0002 in ARN-0001; preorders stays; account ACCOUNT-0001");
  EXPECT_EQ(masker.unmask(masked), text);
}

TEST(LlmConfigTest, FromEnvironment) {
  MapEnvironment env;
  auto none = llm_config_from_env(env);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  env.set("KWB_LLM_BASE_URL", "http://127.0.0.1:9/v1");
  env.set("OPENAI_API_KEY", "sk-x");
  env.set("KWB_LLM_TIMEOUT_MS", "2500");
  auto config = llm_config_from_env(env);
  ASSERT_TRUE(config.ok() && config->has_value());
  EXPECT_EQ((*config)->api_key.reveal(), "sk-x");
  EXPECT_EQ((*config)->timeout, std::chrono::milliseconds(2500));
  env.set("KWB_LLM_TIMEOUT_MS", "soon");
  EXPECT_FALSE(llm_config_from_env(env).ok());
  EXPECT_EQ(chat_completions_url("http://h/v1/"), "http://h/v1/chat/completions");
  EXPECT_EQ(chat_completions_url("http://h:8000"), "http://h:8000/v1/chat/completions");
}

}  // namespace
}  // namespace kwb::analysis
