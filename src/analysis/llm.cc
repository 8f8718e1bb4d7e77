#include "analysis/llm.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "core/crypto.h"
#include "core/encoding.h"

namespace kwb::analysis {

namespace {

using nlohmann::json;

Error failure(ErrorKind kind, std::string code, std::string message, int http_status = 0) {
  Error e;
  e.kind = kind;
  e.code = std::move(code);
  e.message = std::move(message);
  e.http_status = http_status;
  return e;
}

Error schema_error(std::string message) {
  return failure(ErrorKind::kParse, "schema_mismatch", "LLM answer does not match the schema: " + std::move(message));
}

std::string token(const char* kind, std::size_t n) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%s-%04zu", kind, n);
  return buffer;
}

bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-'; }

// Replaces whole-word occurrences of `from` (not inside a longer name) with `to`.
std::string replace_words(const std::string& text, const std::string& from, const std::string& to) {
  if (from.empty()) return text;
  std::string out;
  std::size_t pos = 0;
  while (true) {
    std::size_t hit = text.find(from, pos);
    if (hit == std::string::npos) break;
    const bool start_ok = hit == 0 || !name_char(text[hit - 1]);
    const bool end_ok = hit + from.size() >= text.size() || !name_char(text[hit + from.size()]);
    out.append(text, pos, hit - pos);
    out += (start_ok && end_ok) ? to : from;
    pos = hit + from.size();
  }
  out.append(text, pos, std::string::npos);
  return out;
}

json map_strings(const json& doc, const std::function<std::string(const std::string&)>& fn) {
  if (doc.is_string()) return fn(doc.get<std::string>());
  if (doc.is_array()) {
    json out = json::array();
    for (const auto& item : doc) out.push_back(map_strings(item, fn));
    return out;
  }
  if (doc.is_object()) {
    json out = json::object();
    for (auto it = doc.begin(); it != doc.end(); ++it) out[fn(it.key())] = map_strings(it.value(), fn);
    return out;
  }
  return doc;
}

double round3(double v) { return std::round(v * 1000.0) / 1000.0; }

const char* kSystemPrompt =
    "You are a senior AWS Kinesis Data Streams operator. You receive the findings of a rules-based analyzer "
    "(each with an id, severity, evidence and recommendation) and compact metric summaries per stream. "
    "Stream names, ARNs and account ids are masked as tokens such as STREAM-0001; keep the tokens as they are. "
    "Explain what is going on and what to do first. Do not invent numbers: refer to the evidence by finding id. "
    "Answer with one JSON object and nothing else, in exactly this schema: "
    "{\"summary\": string, "
    "\"actions\": [{\"priority\": integer >= 1 (1 = first), \"action\": string, \"finding_ids\": [finding id]}], "
    "\"hypotheses\": [{\"hypothesis\": string, \"finding_ids\": [at least one finding id from the input]}]}.";

}  // namespace

Result<std::optional<LlmConfig>> llm_config_from_env(const Environment& env) {
  auto base = env.get("KWB_LLM_BASE_URL");
  if (!base) return std::optional<LlmConfig>();
  LlmConfig config;
  config.base_url = *base;
  if (config.base_url.rfind("http://", 0) != 0 && config.base_url.rfind("https://", 0) != 0) {
    return Error::config("KWB_LLM_BASE_URL must start with http:// or https://");
  }
  config.model = env.get("KWB_LLM_MODEL").value_or("gpt-4o-mini");
  if (auto key = env.get("KWB_LLM_API_KEY")) {
    config.api_key = Secret(*key);
  } else if (auto openai = env.get("OPENAI_API_KEY")) {
    config.api_key = Secret(*openai);
  }
  if (auto timeout = env.get("KWB_LLM_TIMEOUT_MS")) {
    const bool digits = !timeout->empty() && timeout->size() <= 7 &&
                        std::all_of(timeout->begin(), timeout->end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || std::stoi(*timeout) < 100) {
      return Error::config("KWB_LLM_TIMEOUT_MS must be a number of milliseconds >= 100");
    }
    config.timeout = std::chrono::milliseconds(std::stoi(*timeout));
  }
  return std::optional<LlmConfig>(std::move(config));
}

std::string chat_completions_url(const std::string& base_url) {
  std::string base = base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (base.size() >= 3 && base.compare(base.size() - 3, 3, "/v1") == 0) return base + "/chat/completions";
  return base + "/v1/chat/completions";
}

json to_json(const LlmInsights& insights) {
  json actions = json::array();
  for (const auto& a : insights.actions) {
    actions.push_back({{"priority", a.priority}, {"action", a.action}, {"finding_ids", a.finding_ids}});
  }
  json hypotheses = json::array();
  for (const auto& h : insights.hypotheses) {
    hypotheses.push_back({{"hypothesis", h.hypothesis}, {"finding_ids", h.finding_ids}});
  }
  return {{"summary", insights.summary}, {"actions", actions}, {"hypotheses", hypotheses},
          {"model", insights.model}, {"cached", insights.cached}};
}

Result<LlmInsights> validate_insights(const json& answer, const std::vector<std::string>& known_ids) {
  const std::set<std::string> known(known_ids.begin(), known_ids.end());
  if (!answer.is_object()) return schema_error("the answer is not a JSON object");
  LlmInsights out;
  if (!answer.contains("summary") || !answer["summary"].is_string() || answer["summary"].get<std::string>().empty()) {
    return schema_error("'summary' must be a non-empty string");
  }
  out.summary = answer["summary"].get<std::string>();
  auto ids = [&](const json& item, const std::string& where, bool required) -> Result<std::vector<std::string>> {
    std::vector<std::string> result;
    if (!item.contains("finding_ids") || !item["finding_ids"].is_array()) {
      return schema_error(where + ".finding_ids must be an array");
    }
    for (const auto& id : item["finding_ids"]) {
      if (!id.is_string()) return schema_error(where + ".finding_ids must hold strings");
      if (!known.count(id.get<std::string>())) {
        return schema_error(where + " cites unknown finding id '" + id.get<std::string>() + "'");
      }
      result.push_back(id.get<std::string>());
    }
    if (required && result.empty()) return schema_error(where + " must cite at least one finding id");
    return result;
  };
  if (!answer.contains("actions") || !answer["actions"].is_array()) return schema_error("'actions' must be an array");
  for (std::size_t i = 0; i < answer["actions"].size(); ++i) {
    const json& a = answer["actions"][i];
    const std::string where = "actions[" + std::to_string(i) + "]";
    if (!a.is_object() || !a.contains("action") || !a["action"].is_string()) {
      return schema_error(where + ".action must be a string");
    }
    if (!a.contains("priority") || !a["priority"].is_number_integer() || a["priority"].get<int>() < 1) {
      return schema_error(where + ".priority must be an integer >= 1");
    }
    auto cited = ids(a, where, false);
    if (!cited) return cited.error();
    out.actions.push_back({a["priority"].get<int>(), a["action"].get<std::string>(), std::move(*cited)});
  }
  std::stable_sort(out.actions.begin(), out.actions.end(),
                   [](const LlmAction& x, const LlmAction& y) { return x.priority < y.priority; });
  if (!answer.contains("hypotheses") || !answer["hypotheses"].is_array()) {
    return schema_error("'hypotheses' must be an array");
  }
  for (std::size_t i = 0; i < answer["hypotheses"].size(); ++i) {
    const json& h = answer["hypotheses"][i];
    const std::string where = "hypotheses[" + std::to_string(i) + "]";
    if (!h.is_object() || !h.contains("hypothesis") || !h["hypothesis"].is_string()) {
      return schema_error(where + ".hypothesis must be a string");
    }
    auto cited = ids(h, where, true);
    if (!cited) return cited.error();
    out.hypotheses.push_back({h["hypothesis"].get<std::string>(), std::move(*cited)});
  }
  return out;
}

Masker::Masker(const std::vector<StreamSnapshot>& snapshots) {
  std::map<std::string, std::string> accounts;
  std::size_t n = 0;
  for (const auto& s : snapshots) {
    ++n;
    if (!s.stream_arn.empty()) {
      to_token_.emplace_back(s.stream_arn, token("ARN", n));
      // arn:partition:kinesis:region:ACCOUNT:stream/name
      auto parts = std::vector<std::string>{};
      std::size_t start = 0;
      for (int field = 0; field < 5; ++field) {
        std::size_t colon = s.stream_arn.find(':', start);
        if (colon == std::string::npos) break;
        parts.push_back(s.stream_arn.substr(start, colon - start));
        start = colon + 1;
      }
      if (parts.size() == 5 && !parts[4].empty() && !accounts.count(parts[4])) {
        accounts[parts[4]] = token("ACCOUNT", accounts.size() + 1);
      }
    }
    to_token_.emplace_back(s.stream_name, token("STREAM", n));
  }
  for (const auto& [account, tok] : accounts) to_token_.emplace_back(account, tok);
  std::stable_sort(to_token_.begin(), to_token_.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
}

std::string Masker::mask(const std::string& text) const {
  std::string out = text;
  for (const auto& [original, tok] : to_token_) out = replace_words(out, original, tok);
  return out;
}

std::string Masker::unmask(const std::string& text) const {
  std::string out = text;
  // Tokens are fixed width (KIND-NNNN), so none is a prefix of another.
  for (const auto& [original, tok] : to_token_) {
    for (std::size_t pos = out.find(tok); pos != std::string::npos; pos = out.find(tok, pos + original.size())) {
      out.replace(pos, tok.size(), original);
    }
  }
  return out;
}

json Masker::mask(const json& doc) const {
  return map_strings(doc, [this](const std::string& s) { return mask(s); });
}

json Masker::unmask(const json& doc) const {
  return map_strings(doc, [this](const std::string& s) { return unmask(s); });
}

json metric_summary(const StreamSnapshot& s) {
  json metrics = json::object();
  for (const auto& [key, series] : s.metrics) {
    if (series.empty()) continue;
    metrics[key.metric + ":" + key.statistic] = {{"max", round3(series_max(series)->value)},
                                                 {"p95", round3(*series_percentile(series, 95))},
                                                 {"mean", round3(*series_mean(series))},
                                                 {"last", round3(series.values.back())}};
  }
  return {{"stream", s.stream_name},
          {"arn", s.stream_arn},
          {"mode", s.mode == CapacityMode::kOnDemand ? "ON_DEMAND" : "PROVISIONED"},
          {"open_shards", s.open_shard_count},
          {"retention_hours", s.retention_hours},
          {"consumers", s.consumer_count},
          {"encrypted", s.encrypted},
          {"enhanced_monitoring", s.enhanced_monitoring()},
          {"period_seconds", s.period_seconds},
          {"metrics", metrics}};
}

LlmAnalyzer::LlmAnalyzer(LlmConfig config, aws::HttpTransport& transport)
    : config_(std::move(config)), transport_(transport) {}

int LlmAnalyzer::requests_sent() const {
  std::lock_guard lock(mutex_);
  return requests_sent_;
}

Result<LlmInsights> LlmAnalyzer::analyze(const std::vector<StreamSnapshot>& snapshots,
                                         const std::vector<Finding>& findings) {
  const Masker masker(snapshots);
  json input = {{"streams", json::array()}, {"findings", json::array()}};
  for (const auto& s : snapshots) input["streams"].push_back(metric_summary(s));
  std::vector<std::string> ids;
  for (const auto& f : findings) {
    input["findings"].push_back(to_json(f));
    ids.push_back(f.id);
  }
  json request = {{"model", config_.model},
                  {"temperature", 0},
                  {"response_format", {{"type", "json_object"}}},
                  {"messages", json::array({{{"role", "system"}, {"content", kSystemPrompt}},
                                            {{"role", "user"}, {"content", masker.mask(input).dump()}}})}};
  const std::string body = request.dump();
  const std::string key = hex_encode(sha256(body));
  {
    std::lock_guard lock(mutex_);
    if (auto it = cache_.find(key); it != cache_.end()) {
      LlmInsights hit = it->second;
      hit.cached = true;
      return hit;
    }
    ++requests_sent_;
  }

  aws::HttpRequest http;
  http.method = "POST";
  http.url = chat_completions_url(config_.base_url);
  http.headers.push_back({"Content-Type", "application/json"});
  if (!config_.api_key.empty()) http.headers.push_back({"Authorization", "Bearer " + config_.api_key.reveal()});
  http.body = body;
  auto response = transport_.send(http);
  if (!response) {
    const Error& e = response.error();
    if (e.kind == ErrorKind::kTimeout) {
      return failure(ErrorKind::kTimeout, "timeout", "LLM endpoint did not answer within " +
                                                         std::to_string(config_.timeout.count()) + " ms");
    }
    return failure(e.kind, "network", "LLM endpoint unreachable: " + e.message);
  }
  if (response->status < 200 || response->status >= 300) {
    return failure(ErrorKind::kTransient, "http_error",
                   "LLM endpoint answered HTTP " + std::to_string(response->status), response->status);
  }
  json envelope = json::parse(response->body, nullptr, false);
  if (envelope.is_discarded() || !envelope.is_object()) {
    return failure(ErrorKind::kParse, "invalid_json", "LLM endpoint answered with a body that is not JSON");
  }
  const json* content = nullptr;
  if (envelope.contains("choices") && envelope["choices"].is_array() && !envelope["choices"].empty()) {
    const json& choice = envelope["choices"][0];
    if (choice.contains("message") && choice["message"].contains("content") && choice["message"]["content"].is_string()) {
      content = &choice["message"]["content"];
    }
  }
  if (content == nullptr) {
    return failure(ErrorKind::kParse, "invalid_json", "LLM response has no choices[0].message.content");
  }
  std::string text = content->get<std::string>();
  // Models sometimes wrap JSON in a Markdown fence despite being asked not to.
  if (auto fence = text.find("```"); fence != std::string::npos) {
    auto open = text.find('\n', fence);
    auto close = text.rfind("```");
    if (open != std::string::npos && close > open) text = text.substr(open + 1, close - open - 1);
  }
  json answer = json::parse(text, nullptr, false);
  if (answer.is_discarded()) {
    return failure(ErrorKind::kParse, "invalid_json", "the model's answer is not valid JSON");
  }
  auto insights = validate_insights(masker.unmask(answer), ids);
  if (!insights) return insights.error();
  insights->model = envelope.value("model", config_.model);
  {
    std::lock_guard lock(mutex_);
    cache_[key] = *insights;
  }
  return insights;
}

}  // namespace kwb::analysis
