#include "aws/credentials.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/strings.h"

namespace kwb::aws {

namespace {

// Credentials from a role are refreshed this long before they expire, so that a request signed
// just before the refresh point still reaches AWS while its token is valid.
constexpr auto kRefreshBeforeExpiry = std::chrono::minutes(5);

bool starts_with_space(std::string_view line) { return !line.empty() && (line.front() == ' ' || line.front() == '\t'); }

Error ini_error(const std::string& filename, int line_number, const std::string& problem) {
  return Error::config("malformed " + filename + ", line " + std::to_string(line_number) + ": " + problem);
}

// Reads a whole file; nullopt when it does not exist.
Result<std::optional<std::string>> read_optional_file(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) return std::optional<std::string>();
  if (std::filesystem::is_directory(status))
    return Error::config(path + " is a directory, expected an AWS config file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::config("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Error::config("cannot read " + path);
  return std::optional<std::string>(text.str());
}

std::string expand_home(const std::string& path, const Environment& env) {
  if (path == "~" || path.rfind("~/", 0) == 0) {
    if (auto home = env.get("HOME")) return *home + path.substr(1);
  }
  return path;
}

class StaticProvider final : public CredentialsProvider {
 public:
  explicit StaticProvider(Credentials credentials) : credentials_(std::move(credentials)) {}
  Result<Credentials> credentials() override { return credentials_; }

 private:
  const Credentials credentials_;  // immutable, so no lock is needed
};

// The default chain. Owns copies of the options and parsed files; borrows the environment and
// clock. One mutex serialises profile resolution, so that when assumed-role credentials need a
// refresh exactly one thread calls STS and the others wait for its result.
class DefaultChain final : public CredentialsProvider {
 public:
  DefaultChain(ChainOptions options, ProfileFiles files, const Environment& env, Clock& clock,
               AssumeRoleFunction assume_role)
      : options_(std::move(options)),
        files_(std::move(files)),
        env_(env),
        clock_(clock),
        assume_role_(std::move(assume_role)) {}

  Result<Credentials> credentials() override {
    if (options_.explicit_credentials) {
      Credentials credentials = *options_.explicit_credentials;
      if (credentials.source.empty()) credentials.source = "explicit";
      return credentials;
    }
    std::vector<std::string> tried{"explicit credentials (none given)"};

    auto key = env_.get("AWS_ACCESS_KEY_ID");
    auto secret = env_.get("AWS_SECRET_ACCESS_KEY");
    if (key && secret) {
      Credentials credentials;
      credentials.access_key_id = *key;
      credentials.secret_access_key = Secret(*secret);
      if (auto token = env_.get("AWS_SESSION_TOKEN")) credentials.session_token = Secret(*token);
      credentials.source = "environment";
      return credentials;
    }
    if (key || secret) {
      // Half a key pair is always a mistake; silently falling through to a profile would sign
      // with credentials the user did not mean to use.
      return Error::config(key ? "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"
                               : "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
    }
    tried.emplace_back("environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY not set)");

    const std::string& profile = options_.profile;
    if (!files_.has_profile(profile)) {
      if (options_.profile_named_explicitly) {
        return Error::config("profile '" + profile + "' not found in " + files_description());
      }
      tried.push_back("profile '" + profile + "' (not found in " + files_description() + ")");
    } else {
      std::lock_guard lock(resolve_mutex_);
      std::vector<std::string> path;
      Result<std::optional<Credentials>> resolved = resolve_profile(profile, path);
      if (!resolved) return std::move(resolved).error();
      if (*resolved) return std::move(**resolved);
      tried.push_back("profile '" + profile + "' (no aws_access_key_id or role_arn in " + files_description() + ")");
    }

    std::string message = "no AWS credentials found; tried: ";
    for (std::size_t i = 0; i < tried.size(); ++i) {
      if (i > 0) message += "; ";
      message += tried[i];
    }
    Error error;
    error.kind = ErrorKind::kAuth;
    error.code = "NoCredentials";
    error.message = std::move(message);
    return error;
  }

 private:
  std::string files_description() const { return files_.credentials_path + " and " + files_.config_path; }

  // nullopt: the profile exists but holds no credentials. REQUIRES: resolve_mutex_ held.
  Result<std::optional<Credentials>> resolve_profile(const std::string& name, std::vector<std::string>& path) {
    for (const std::string& seen : path) {
      if (seen == name) {
        std::string cycle;
        for (const std::string& step : path) cycle += step + " -> ";
        return Error::config("source_profile cycle: " + cycle + name);
      }
    }
    if (!files_.has_profile(name)) {
      return Error::config("source_profile '" + name + "' (used by profile '" + path.back() + "') not found in " +
                           files_description());
    }
    path.push_back(name);

    auto role_arn = files_.get(name, "role_arn");
    if (!role_arn) return static_keys(name);

    auto source = files_.get(name, "source_profile");
    if (!source) {
      if (files_.get(name, "credential_source")) {
        return Error::config("profile '" + name + "': credential_source is not supported; use source_profile");
      }
      return Error::config("profile '" + name + "' has role_arn but no source_profile");
    }
    if (auto cached = cached_role(name)) return std::optional<Credentials>(std::move(*cached));

    std::optional<Credentials> source_credentials;
    if (*source == name) {
      // A profile may name itself as source: its own static keys then assume its role.
      Result<std::optional<Credentials>> own = static_keys(name);
      if (!own) return std::move(own).error();
      source_credentials = std::move(*own);
    } else {
      Result<std::optional<Credentials>> resolved = resolve_profile(*source, path);
      if (!resolved) return std::move(resolved).error();
      source_credentials = std::move(*resolved);
    }
    if (!source_credentials) {
      return Error::config("source_profile '" + *source + "' of profile '" + name + "' has no credentials");
    }
    if (!assume_role_) return Error::config("profile '" + name + "' needs STS AssumeRole, which is not available here");

    const std::string session_name =
        files_.get(name, "role_session_name")
            .value_or(
                "kwb-" +
                std::to_string(
                    std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch()).count()));
    Result<Credentials> assumed = assume_role_(*source_credentials, *role_arn, session_name);
    if (!assumed) {
      Error error = std::move(assumed).error();
      error.message = "assuming role " + *role_arn + " for profile '" + name + "': " + error.message;
      return error;
    }
    Credentials credentials = std::move(*assumed);
    credentials.source = "assume-role:" + *role_arn;
    if (credentials.expiration) role_cache_[name] = credentials;
    return std::optional<Credentials>(std::move(credentials));
  }

  std::optional<Credentials> cached_role(const std::string& name) {
    auto it = role_cache_.find(name);
    if (it == role_cache_.end()) return std::nullopt;
    if (clock_.now() >= *it->second.expiration - kRefreshBeforeExpiry) {
      role_cache_.erase(it);
      return std::nullopt;
    }
    return it->second;
  }

  Result<std::optional<Credentials>> static_keys(const std::string& name) const {
    auto key = files_.get(name, "aws_access_key_id");
    auto secret = files_.get(name, "aws_secret_access_key");
    if (!key && !secret) return std::optional<Credentials>();
    if (!key || !secret) {
      return Error::config("profile '" + name + "' has " + (key ? "aws_access_key_id" : "aws_secret_access_key") +
                           " but no " + (key ? "aws_secret_access_key" : "aws_access_key_id") + " in " +
                           files_description());
    }
    Credentials credentials;
    credentials.access_key_id = *key;
    credentials.secret_access_key = Secret(*secret);
    if (auto token = files_.get(name, "aws_session_token")) credentials.session_token = Secret(*token);
    credentials.source = "profile:" + name;
    return std::optional<Credentials>(std::move(credentials));
  }

  const ChainOptions options_;
  const ProfileFiles files_;
  const Environment& env_;
  Clock& clock_;
  const AssumeRoleFunction assume_role_;
  std::mutex resolve_mutex_;
  std::map<std::string, Credentials> role_cache_;  // GUARDED_BY(resolve_mutex_), by profile name
};

}  // namespace

std::optional<std::string> ProfileFiles::get(const std::string& profile, const std::string& key) const {
  for (const auto* sections : {&credentials, &config}) {
    auto section = sections->find(profile);
    if (section == sections->end()) continue;
    auto value = section->second.values.find(key);
    if (value != section->second.values.end()) return value->second;
  }
  return std::nullopt;
}

bool ProfileFiles::has_profile(const std::string& profile) const {
  return credentials.count(profile) > 0 || config.count(profile) > 0;
}

Result<std::map<std::string, ProfileSection>> parse_profile_file(const std::string& text, const std::string& filename,
                                                                 bool is_config_file) {
  std::map<std::string, ProfileSection> sections;
  ProfileSection* current = nullptr;
  bool skipping = false;  // inside a config-file section that is not a profile
  std::string last_key;   // the most recent key in the current section, for continuations
  int line_number = 0;
  std::istringstream in(text);
  std::string raw;
  while (std::getline(in, raw)) {
    ++line_number;
    if (!raw.empty() && raw.back() == '\r') raw.pop_back();
    const std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;

    if (line.front() == '[') {
      if (line.back() != ']') return ini_error(filename, line_number, "section header has no closing ']'");
      std::string name(trim(line.substr(1, line.size() - 2)));
      if (name.empty()) return ini_error(filename, line_number, "section name is empty");
      last_key.clear();
      if (is_config_file && name != "default") {
        if (name.rfind("profile", 0) == 0 && name.size() > 7 && std::isspace(static_cast<unsigned char>(name[7]))) {
          name = std::string(trim(std::string_view(name).substr(7)));
          if (name.empty()) return ini_error(filename, line_number, "profile name is empty");
        } else {
          // "[sso-session x]", "[services x]" and the like: not profiles.
          current = nullptr;
          skipping = true;
          continue;
        }
      }
      current = &sections[name];
      skipping = false;
      continue;
    }

    if (current == nullptr && !skipping) {
      return ini_error(filename, line_number, "setting appears before any [section] header");
    }
    const bool continuation = starts_with_space(raw) && !last_key.empty();
    const std::size_t equals = line.find('=');
    if (equals == std::string_view::npos) {
      if (!continuation) return ini_error(filename, line_number, "expected 'key = value'");
      if (current != nullptr) {
        std::string& value = current->values[last_key];
        value += value.empty() ? "" : "\n";
        value += std::string(line);
      }
      continue;
    }
    std::string key = to_lower(trim(line.substr(0, equals)));
    if (key.empty()) return ini_error(filename, line_number, "the key before '=' is empty");
    std::string value(trim(line.substr(equals + 1)));
    if (continuation) {
      // Nested setting such as "s3 =\n  max_concurrent_requests = 10": keep it as "s3.max_...".
      if (current != nullptr) current->values[last_key + "." + key] = std::move(value);
      continue;
    }
    last_key = key;
    if (current != nullptr) current->values[key] = std::move(value);
  }
  return sections;
}

Result<ProfileFiles> load_profile_files(const Environment& env) {
  ProfileFiles files;
  const std::string home = env.get("HOME").value_or("");
  auto locate = [&](const char* variable, const char* leaf) {
    if (auto path = env.get(variable)) return expand_home(*path, env);
    return home.empty() ? std::string("~/.aws/") + leaf : home + "/.aws/" + leaf;
  };
  files.credentials_path = locate("AWS_SHARED_CREDENTIALS_FILE", "credentials");
  files.config_path = locate("AWS_CONFIG_FILE", "config");

  for (const bool is_config : {false, true}) {
    const std::string& path = is_config ? files.config_path : files.credentials_path;
    if (path.rfind("~/", 0) == 0) continue;  // no HOME to find it in
    Result<std::optional<std::string>> text = read_optional_file(path);
    if (!text) return std::move(text).error();
    if (!*text) continue;
    auto parsed = parse_profile_file(**text, path, is_config);
    if (!parsed) return std::move(parsed).error();
    (is_config ? files.config : files.credentials) = std::move(*parsed);
  }
  return files;
}

std::string active_profile_name(const std::optional<std::string>& flag_profile, const Environment& env) {
  if (flag_profile && !flag_profile->empty()) return *flag_profile;
  if (auto profile = env.get("AWS_PROFILE")) return *profile;
  return "default";
}

std::unique_ptr<CredentialsProvider> make_default_chain(ChainOptions options, ProfileFiles files,
                                                        const Environment& env, Clock& clock,
                                                        AssumeRoleFunction assume_role) {
  return std::make_unique<DefaultChain>(std::move(options), std::move(files), env, clock, std::move(assume_role));
}

std::unique_ptr<CredentialsProvider> make_static_provider(Credentials credentials) {
  return std::make_unique<StaticProvider>(std::move(credentials));
}

}  // namespace kwb::aws
