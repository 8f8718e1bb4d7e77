// Runs the AWS SigV4 test suite (shared/testdata/sigv4/v4): every case folder, in both header and
// query mode, checked at every stage against the expected files byte for byte.
//
// The request.txt and context.json formats are parsed here rather than in the module: they are
// the suite's own formats, not something production code ever reads.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "core/clock.h"
#include "sigv4/signer.h"

namespace kwb::sigv4 {

// Readable parameter names in failure messages instead of "4-byte object <00-00 00-00>".
void PrintTo(SignatureLocation location, std::ostream* out) {  // NOLINT(readability-identifier-naming): gtest's name
  *out << (location == SignatureLocation::kHeaders ? "header" : "query");
}

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kSuiteCaseCount = 38;

fs::path suite_root() { return fs::path(KWB_SHARED_DIR) / "testdata" / "sigv4" / "v4"; }

std::vector<std::string> discover_cases() {
  std::vector<std::string> cases;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(suite_root(), error)) {
    if (entry.is_directory()) cases.push_back(entry.path().filename().string());
  }
  std::sort(cases.begin(), cases.end());
  return cases;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// An HTTP/1.1 request in the suite's text form.
struct SuiteRequest {
  std::string method;
  std::string path;
  std::string query;
  bool has_query_mark = false;
  std::string version;
  std::vector<Header> headers;
  std::string body;

  [[nodiscard]] Signable to_signable() const { return Signable{method, path, query, headers, body}; }
};

// Request line "METHOD target VERSION" (the target may itself contain spaces, e.g. get-space),
// then "Name:value" lines where a line starting with whitespace continues the previous value,
// then an optional blank line and the body.
SuiteRequest parse_request(const std::string& text) {
  SuiteRequest request;
  std::size_t line_end = text.find('\n');
  std::string request_line = text.substr(0, line_end);
  std::size_t first_space = request_line.find(' ');
  std::size_t last_space = request_line.rfind(' ');
  request.method = request_line.substr(0, first_space);
  request.version = request_line.substr(last_space + 1);
  std::string target = request_line.substr(first_space + 1, last_space - first_space - 1);
  std::size_t question = target.find('?');
  request.has_query_mark = question != std::string::npos;
  request.path = target.substr(0, question);
  if (request.has_query_mark) request.query = target.substr(question + 1);

  std::size_t position = line_end == std::string::npos ? text.size() : line_end + 1;
  while (position < text.size()) {
    std::size_t end = text.find('\n', position);
    std::string line = text.substr(position, end == std::string::npos ? std::string::npos : end - position);
    position = end == std::string::npos ? text.size() : end + 1;
    if (line.empty()) {
      request.body = text.substr(position);
      break;
    }
    if ((line[0] == ' ' || line[0] == '\t') && !request.headers.empty()) {
      request.headers.back().value.append("\n").append(line);
      continue;
    }
    std::size_t colon = line.find(':');
    request.headers.push_back({line.substr(0, colon), colon == std::string::npos ? "" : line.substr(colon + 1)});
  }
  return request;
}

// The inverse of parse_request, in the layout of the *-signed-request.txt files: every header on
// its own line, always a blank line, then the body.
std::string serialize(const SuiteRequest& request, const Signable& signed_request) {
  std::string out = signed_request.method + " " + signed_request.path;
  if (!signed_request.query.empty() || request.has_query_mark) out += "?" + signed_request.query;
  out += " " + request.version + "\n";
  for (const auto& header : signed_request.headers) out += header.name + ":" + header.value + "\n";
  out += "\n";
  out += signed_request.body;
  return out;
}

SigningConfig parse_context(const std::string& text, SignatureLocation location) {
  auto json = nlohmann::json::parse(text);
  SigningConfig config;
  const auto& credentials = json.at("credentials");
  config.credentials.access_key_id = credentials.at("access_key_id").get<std::string>();
  config.credentials.secret_access_key = Secret(credentials.at("secret_access_key").get<std::string>());
  if (credentials.contains("token")) {
    config.credentials.session_token = Secret(credentials.at("token").get<std::string>());
  }
  config.region = json.at("region").get<std::string>();
  config.service = json.at("service").get<std::string>();
  EXPECT_TRUE(parse_iso8601(json.at("timestamp").get<std::string>(), config.time));
  config.normalize_path = json.at("normalize").get<bool>();
  config.sign_body = json.at("sign_body").get<bool>();
  config.expires = std::chrono::seconds(json.at("expiration_in_seconds").get<long>());
  config.omit_session_token_from_signature = json.value("omit_session_token", false);
  config.location = location;
  return config;
}

using SuiteParam = std::tuple<std::string, SignatureLocation>;

class Sigv4Suite : public ::testing::TestWithParam<SuiteParam> {
 protected:
  [[nodiscard]] fs::path case_dir() const { return suite_root() / std::get<0>(GetParam()); }
  [[nodiscard]] SignatureLocation location() const { return std::get<1>(GetParam()); }
  [[nodiscard]] std::string expected(const std::string& stage) const {
    std::string prefix = location() == SignatureLocation::kHeaders ? "header-" : "query-";
    fs::path path = case_dir() / (prefix + stage + ".txt");
    EXPECT_TRUE(fs::exists(path)) << path;
    return read_file(path);
  }
};

TEST(Sigv4SuiteDiscovery, FindsEveryCase) {
  ASSERT_TRUE(fs::is_directory(suite_root())) << suite_root();
  EXPECT_EQ(discover_cases().size(), kSuiteCaseCount);
}

TEST_P(Sigv4Suite, EveryStageMatches) {
  SuiteRequest request = parse_request(read_file(case_dir() / "request.txt"));
  SigningConfig config = parse_context(read_file(case_dir() / "context.json"), location());
  Signable signable = request.to_signable();

  auto result = sign(signable, config);
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(result->canonical_request, expected("canonical-request"));
  EXPECT_EQ(result->string_to_sign, expected("string-to-sign"));
  EXPECT_EQ(result->signature, expected("signature"));
  EXPECT_EQ(serialize(request, apply(signable, *result)), expected("signed-request"));

  // The stage functions on their own give the same answers as sign().
  auto canonical = canonical_request(signable, config);
  ASSERT_TRUE(canonical.ok()) << canonical.error();
  EXPECT_EQ(*canonical, expected("canonical-request"));
  EXPECT_EQ(string_to_sign(*canonical, config), expected("string-to-sign"));
  EXPECT_EQ(signature(string_to_sign(*canonical, config), config), expected("signature"));

  // With a signing-key cache: a miss, then a hit, both give the suite's signature.
  SigningKeyCache cache;
  config.key_cache = &cache;
  for (int round = 0; round < 2; ++round) {
    auto cached = sign(signable, config);
    ASSERT_TRUE(cached.ok()) << cached.error();
    EXPECT_EQ(cached->signature, expected("signature")) << "round " << round;
  }
  EXPECT_EQ(cache.derivations(), 1u);
}

std::string case_name(const ::testing::TestParamInfo<SuiteParam>& info) {
  std::string name = std::get<0>(info.param);
  std::replace(name.begin(), name.end(), '-', '_');
  return name + (std::get<1>(info.param) == SignatureLocation::kHeaders ? "_header" : "_query");
}

INSTANTIATE_TEST_SUITE_P(AwsSuite, Sigv4Suite,
                         ::testing::Combine(::testing::ValuesIn(discover_cases()),
                                            ::testing::Values(SignatureLocation::kHeaders, SignatureLocation::kQuery)),
                         case_name);

}  // namespace
}  // namespace kwb::sigv4
