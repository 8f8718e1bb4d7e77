#pragma once
// The LLM analyzer: asks any OpenAI-compatible chat-completions endpoint to explain the rules'
// findings — a summary, prioritized actions and root-cause hypotheses that cite finding ids.
//
// What it never does:
//   - produce numbers. Its input is the rules' findings (with their evidence) and compact metric
//     summaries; its output is prose attached to those findings. The report's findings, evidence,
//     shard counts and costs always come from the rules (router.h).
//   - see names. Stream names, stream ARNs and account ids are replaced by fixed tokens
//     (STREAM-0001, ARN-0001, ACCOUNT-0001) before sending and restored in the answer (Masker).
//   - log the API key. It is a Secret and goes only into the Authorization header.
//
// The answer must be JSON matching this schema (validate_insights), else the call fails:
//   {"summary": string,
//    "actions": [{"priority": int ≥ 1, "action": string, "finding_ids": [string]}],
//    "hypotheses": [{"hypothesis": string, "finding_ids": [known finding id, ≥ 1]}]}
//
// Failures come back as Errors whose `code` is the reason the router records: "timeout",
// "network", "http_error", "invalid_json", "schema_mismatch". Answers are cached by the SHA-256 of
// the request body, so the same input is asked once per process.
//
// Ownership: owns its configuration and cache; borrows the transport, which must outlive it.
// Thread-safe: analyze() may run concurrently (the cache is guarded by a mutex).

#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "analysis/finding.h"
#include "analysis/snapshot.h"
#include "aws/http_client.h"
#include "core/environment.h"
#include "core/result.h"
#include "core/secret.h"

namespace kwb::analysis {

struct LlmConfig {
  std::string base_url;  // e.g. https://api.openai.com/v1 or http://127.0.0.1:11434
  std::string model;
  Secret api_key;        // may be empty for local servers
  std::chrono::milliseconds timeout{30000};
};

// KWB_LLM_BASE_URL, KWB_LLM_MODEL, KWB_LLM_API_KEY (else OPENAI_API_KEY), KWB_LLM_TIMEOUT_MS.
// nullopt when KWB_LLM_BASE_URL is unset (no LLM configured); kConfig on a malformed value.
Result<std::optional<LlmConfig>> llm_config_from_env(const Environment& env);

// The chat-completions URL for a base URL: ".../v1" gets "/chat/completions", anything else
// "/v1/chat/completions".
std::string chat_completions_url(const std::string& base_url);

struct LlmAction {
  int priority = 1;
  std::string action;
  std::vector<std::string> finding_ids;
};

struct LlmHypothesis {
  std::string hypothesis;
  std::vector<std::string> finding_ids;
};

struct LlmInsights {
  std::string summary;
  std::vector<LlmAction> actions;  // sorted by priority
  std::vector<LlmHypothesis> hypotheses;
  std::string model;
  bool cached = false;
};

nlohmann::json to_json(const LlmInsights& insights);

// Checks an answer document against the schema above; finding ids must be in known_ids.
// kParse with code "schema_mismatch" naming the first problem.
Result<LlmInsights> validate_insights(const nlohmann::json& answer, const std::vector<std::string>& known_ids);

// Replaces names with tokens and back. Build it with every stream of the analysis.
class Masker {
 public:
  explicit Masker(const std::vector<StreamSnapshot>& snapshots);
  [[nodiscard]] std::string mask(const std::string& text) const;
  [[nodiscard]] std::string unmask(const std::string& text) const;
  [[nodiscard]] nlohmann::json mask(const nlohmann::json& doc) const;
  [[nodiscard]] nlohmann::json unmask(const nlohmann::json& doc) const;

 private:
  // Longest original first, so an ARN is replaced before the stream name inside it.
  std::vector<std::pair<std::string, std::string>> to_token_;
};

// The compact metric summary sent for one stream (peaks, p95s, means; no raw series).
nlohmann::json metric_summary(const StreamSnapshot& snapshot);

class LlmAnalyzer {
 public:
  // REQUIRES: transport outlives the analyzer. The transport's own timeout should be at least
  // config.timeout; the analyzer reports a transport timeout as "timeout".
  LlmAnalyzer(LlmConfig config, aws::HttpTransport& transport);

  [[nodiscard]] Result<LlmInsights> analyze(const std::vector<StreamSnapshot>& snapshots,
                                            const std::vector<Finding>& findings);

  [[nodiscard]] const LlmConfig& config() const { return config_; }
  // Requests actually sent (cache hits excluded); for tests and stats.
  [[nodiscard]] int requests_sent() const;

 private:
  LlmConfig config_;
  aws::HttpTransport& transport_;
  mutable std::mutex mutex_;
  std::map<std::string, LlmInsights> cache_;  // GUARDED_BY(mutex_), by request hash
  int requests_sent_ = 0;                     // GUARDED_BY(mutex_)
};

}  // namespace kwb::analysis
