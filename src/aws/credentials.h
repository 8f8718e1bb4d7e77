#pragma once
// Credentials and the default chain, in the AWS order:
//   1. explicit credentials (flags or code);
//   2. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN;
//   3. the profile (AWS_PROFILE, or "default") from the shared credentials file
//      (~/.aws/credentials or AWS_SHARED_CREDENTIALS_FILE) and the config file (~/.aws/config or
//      AWS_CONFIG_FILE, where sections are "[profile NAME]" except "[default]");
//   4. role_arn + source_profile in that profile: STS AssumeRole with the source profile's
//      credentials, cached and refreshed before expiry.
// Secret parts are kwb::Secret and never print.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/environment.h"
#include "core/result.h"
#include "core/secret.h"

namespace kwb::aws {

struct Credentials {
  std::string access_key_id;
  Secret secret_access_key;
  std::optional<Secret> session_token;
  std::optional<SystemTimePoint> expiration;
  std::string source;  // "explicit", "environment", "profile:NAME", "assume-role:ARN" (for whoami/logs)
};

// Thread-safe.
class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  virtual Result<Credentials> credentials() = 0;
};

// ---- Shared config files ----

// One INI section: "default", "dev", ... (the "profile " prefix of config-file sections removed).
struct ProfileSection {
  std::map<std::string, std::string> values;  // keys lower-cased, values trimmed
};

struct ProfileFiles {
  std::map<std::string, ProfileSection> credentials;  // from the credentials file
  std::map<std::string, ProfileSection> config;       // from the config file
  std::string credentials_path;  // where they were looked for (for error messages); may not exist
  std::string config_path;
  // Looks up key in the credentials file's section first, then the config file's.
  [[nodiscard]] std::optional<std::string> get(const std::string& profile, const std::string& key) const;
  [[nodiscard]] bool has_profile(const std::string& profile) const;
};

// Parses INI text. kConfig error naming the file and line on malformed input (a line outside any
// section, a section header without ']', a line without '=' that is not a continuation).
// The offending line's text is never quoted: it may hold a secret key.
// is_config_file: strip "profile " from section names; other config-file sections that are not
// profiles ("[sso-session x]", "[services x]") are skipped. Indented "k = v" lines under a
// "key =" line are stored as "key.k" (the nested form used by e.g. "s3 =").
// Comments start with '#' or ';' at the beginning of a line.
Result<std::map<std::string, ProfileSection>> parse_profile_file(const std::string& text, const std::string& filename,
                                                                 bool is_config_file);

// Reads both files as located by the environment: AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE
// (a leading "~/" is expanded), else $HOME/.aws/credentials and $HOME/.aws/config. Missing files
// are fine (empty maps); an unreadable or malformed one is a kConfig error.
Result<ProfileFiles> load_profile_files(const Environment& env);

// The profile name in force: the flag, else AWS_PROFILE, else "default".
std::string active_profile_name(const std::optional<std::string>& flag_profile, const Environment& env);

// STS AssumeRole as a function, so this file does not depend on the STS client (which depends on
// AwsClient, which depends on credentials). The session wires the real one in.
using AssumeRoleFunction = std::function<Result<Credentials>(const Credentials& source, const std::string& role_arn,
                                                             const std::string& session_name)>;

struct ChainOptions {
  std::optional<Credentials> explicit_credentials;
  std::string profile = "default";
  bool profile_named_explicitly = false;  // an unknown explicitly named profile is an error
};

// The default chain. Resolution happens on each credentials() call but assumed-role credentials
// are cached until 5 minutes before they expire. The error when nothing is found lists every
// source that was tried.
std::unique_ptr<CredentialsProvider> make_default_chain(ChainOptions options, ProfileFiles files,
                                                        const Environment& env, Clock& clock,
                                                        AssumeRoleFunction assume_role);

// A provider that always returns the same credentials (tests, embedded mode).
std::unique_ptr<CredentialsProvider> make_static_provider(Credentials credentials);

}  // namespace kwb::aws
