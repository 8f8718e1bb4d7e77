#include "aws/credentials.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

namespace kwb::aws {
namespace {

constexpr const char* kSecret = "s3cr3t/KEY+value";

// A scratch directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("kwb-aws-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string write(const std::string& name, const std::string& text) {
    auto file = path_ / name;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file) << text;
    return file.string();
  }
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

// ---- INI parsing ----

TEST(ParseProfileFile, SectionsKeysAndComments) {
  const std::string text =
      "# a comment\n"
      "[default]\n"
      "AWS_Access_Key_ID = AKIDDEFAULT  \n"
      "aws_secret_access_key=abc=def\n"
      "; another comment\n"
      "\n"
      "[ dev ]\r\n"
      "region = eu-west-1\r\n";
  auto sections = parse_profile_file(text, "creds", false);
  ASSERT_TRUE(sections) << sections.error();
  ASSERT_EQ(sections->size(), 2u);
  EXPECT_EQ(sections->at("default").values.at("aws_access_key_id"), "AKIDDEFAULT");
  EXPECT_EQ(sections->at("default").values.at("aws_secret_access_key"), "abc=def");
  EXPECT_EQ(sections->at("dev").values.at("region"), "eu-west-1");
}

TEST(ParseProfileFile, ConfigFileStripsProfilePrefixAndSkipsOtherSections) {
  const std::string text =
      "[default]\nregion = us-east-1\n"
      "[profile dev]\nregion = eu-west-1\n"
      "s3 =\n  max_concurrent_requests = 10\n"
      "[sso-session corp]\nsso_region = us-east-1\n"
      "[profile   spaced  ]\nregion = ap-south-1\n";
  auto sections = parse_profile_file(text, "config", true);
  ASSERT_TRUE(sections) << sections.error();
  EXPECT_EQ(sections->size(), 3u);
  EXPECT_EQ(sections->at("dev").values.at("region"), "eu-west-1");
  EXPECT_EQ(sections->at("dev").values.at("s3.max_concurrent_requests"), "10");
  EXPECT_EQ(sections->at("spaced").values.at("region"), "ap-south-1");
  EXPECT_EQ(sections->count("sso-session corp"), 0u);
  // In the credentials file "profile dev" would be a literal name.
  auto literal = parse_profile_file("[profile dev]\nx = 1\n", "credentials", false);
  ASSERT_TRUE(literal);
  EXPECT_EQ(literal->count("profile dev"), 1u);
}

struct MalformedCase {
  std::string text;
  int line;
  std::string problem;
};

TEST(ParseProfileFile, MalformedInputNamesFileAndLineButNotTheSecret) {
  const std::vector<MalformedCase> cases = {
      {std::string("aws_secret_access_key = ") + kSecret + "\n[default]\n", 1, "before any [section]"},
      {"[default]\nregion = us-east-1\n[dev\n", 3, "no closing ']'"},
      {std::string("[default]\n\n# c\n") + kSecret + "\n", 4, "key = value"},
      {"[default]\n = value\n", 2, "key before '=' is empty"},
      {"[]\n", 1, "section name is empty"},
  };
  for (const MalformedCase& c : cases) {
    auto sections = parse_profile_file(c.text, "/home/u/.aws/credentials", false);
    ASSERT_FALSE(sections) << c.text;
    const Error& error = sections.error();
    EXPECT_EQ(error.kind, ErrorKind::kConfig);
    EXPECT_NE(error.message.find("/home/u/.aws/credentials"), std::string::npos) << error.message;
    EXPECT_NE(error.message.find("line " + std::to_string(c.line)), std::string::npos) << error.message;
    EXPECT_NE(error.message.find(c.problem), std::string::npos) << error.message;
    EXPECT_EQ(error.message.find(kSecret), std::string::npos) << error.message;
  }
}

// ---- Locating the files ----

TEST(LoadProfileFiles, HonoursEnvironmentOverrides) {
  TempDir dir;
  const std::string credentials = dir.write("c.ini", "[default]\naws_access_key_id = FROMFILE\n");
  const std::string config = dir.write("conf.ini", "[profile dev]\nregion = eu-west-1\n");
  MapEnvironment env(
      {{"AWS_SHARED_CREDENTIALS_FILE", credentials}, {"AWS_CONFIG_FILE", config}, {"HOME", "/nonexistent"}});
  auto files = load_profile_files(env);
  ASSERT_TRUE(files) << files.error();
  EXPECT_EQ(files->get("default", "aws_access_key_id"), "FROMFILE");
  EXPECT_EQ(files->get("dev", "region"), "eu-west-1");
  EXPECT_EQ(files->credentials_path, credentials);
  EXPECT_EQ(files->config_path, config);
}

TEST(LoadProfileFiles, DefaultsToHomeAndToleratesMissingFiles) {
  TempDir dir;
  dir.write(".aws/config", "[default]\nregion = us-west-2\n");
  MapEnvironment env({{"HOME", dir.path()}});
  auto files = load_profile_files(env);
  ASSERT_TRUE(files) << files.error();
  EXPECT_EQ(files->get("default", "region"), "us-west-2");
  EXPECT_TRUE(files->credentials.empty());
  EXPECT_EQ(files->credentials_path, dir.path() + "/.aws/credentials");

  MapEnvironment nothing({{"HOME", dir.path() + "/nope"}});
  auto empty = load_profile_files(nothing);
  ASSERT_TRUE(empty);
  EXPECT_FALSE(empty->has_profile("default"));
}

TEST(LoadProfileFiles, MalformedFileIsAConfigErrorNamingIt) {
  TempDir dir;
  const std::string path = dir.write("bad", "[default]\nregion us-east-1\n");
  MapEnvironment env({{"AWS_CONFIG_FILE", path}, {"HOME", dir.path()}});
  auto files = load_profile_files(env);
  ASSERT_FALSE(files);
  EXPECT_EQ(files.error().kind, ErrorKind::kConfig);
  EXPECT_NE(files.error().message.find(path + ", line 2"), std::string::npos) << files.error().message;
}

TEST(LoadProfileFiles, CredentialsFileWinsOverConfigFile) {
  ProfileFiles files;
  files.credentials["p"].values["region"] = "from-credentials";
  files.config["p"].values["region"] = "from-config";
  files.config["p"].values["output"] = "json";
  EXPECT_EQ(files.get("p", "region"), "from-credentials");
  EXPECT_EQ(files.get("p", "output"), "json");
  EXPECT_FALSE(files.get("p", "missing"));
  EXPECT_FALSE(files.get("q", "region"));
}

TEST(ActiveProfileName, FlagThenEnvThenDefault) {
  MapEnvironment env;
  EXPECT_EQ(active_profile_name(std::nullopt, env), "default");
  env.set("AWS_PROFILE", "fromenv");
  EXPECT_EQ(active_profile_name(std::nullopt, env), "fromenv");
  EXPECT_EQ(active_profile_name(std::string("flag"), env), "flag");
}

// ---- The chain ----

ProfileFiles files_with_static(const std::string& profile, const std::string& key) {
  ProfileFiles files;
  files.credentials_path = "/h/.aws/credentials";
  files.config_path = "/h/.aws/config";
  files.credentials[profile].values = {{"aws_access_key_id", key}, {"aws_secret_access_key", kSecret}};
  return files;
}

struct FakeAssumeRole {
  int calls = 0;
  std::vector<std::string> source_keys;
  std::vector<std::string> session_names;
  Clock* clock = nullptr;
  std::chrono::minutes lifetime{60};
  std::optional<Error> fail;

  AssumeRoleFunction function() {
    return [this](const Credentials& source, const std::string& role_arn,
                  const std::string& session_name) -> Result<Credentials> {
      ++calls;
      source_keys.push_back(source.access_key_id);
      session_names.push_back(session_name);
      if (fail) return *fail;
      Credentials c;
      c.access_key_id = "ASIA" + std::to_string(calls);
      c.secret_access_key = Secret("role-secret");
      c.session_token = Secret("token");
      c.expiration = clock->now() + lifetime;
      c.source = role_arn;
      return c;
    };
  }
};

TEST(DefaultChain, ExplicitThenEnvironmentThenProfile) {
  ManualClock clock(SystemTimePoint{});
  MapEnvironment env(
      {{"AWS_ACCESS_KEY_ID", "AKIDENV"}, {"AWS_SECRET_ACCESS_KEY", "envsecret"}, {"AWS_SESSION_TOKEN", "envtoken"}});
  ChainOptions options;
  Credentials explicit_credentials;
  explicit_credentials.access_key_id = "AKIDEXPLICIT";
  explicit_credentials.secret_access_key = Secret("x");
  options.explicit_credentials = explicit_credentials;

  auto chain = make_default_chain(options, files_with_static("default", "AKIDPROFILE"), env, clock, nullptr);
  EXPECT_EQ(chain->credentials()->access_key_id, "AKIDEXPLICIT");
  EXPECT_EQ(chain->credentials()->source, "explicit");

  options.explicit_credentials.reset();
  chain = make_default_chain(options, files_with_static("default", "AKIDPROFILE"), env, clock, nullptr);
  auto from_env = chain->credentials();
  ASSERT_TRUE(from_env);
  EXPECT_EQ(from_env->access_key_id, "AKIDENV");
  EXPECT_EQ(from_env->session_token->reveal(), "envtoken");
  EXPECT_EQ(from_env->source, "environment");

  MapEnvironment empty;
  chain = make_default_chain(options, files_with_static("default", "AKIDPROFILE"), empty, clock, nullptr);
  auto from_profile = chain->credentials();
  ASSERT_TRUE(from_profile);
  EXPECT_EQ(from_profile->access_key_id, "AKIDPROFILE");
  EXPECT_EQ(from_profile->secret_access_key.reveal(), kSecret);
  EXPECT_EQ(from_profile->source, "profile:default");
}

TEST(DefaultChain, HalfAnEnvironmentKeyPairIsAnError) {
  ManualClock clock(SystemTimePoint{});
  MapEnvironment env;
  env.set("AWS_ACCESS_KEY_ID", "AKIDENV");
  auto chain = make_default_chain({}, files_with_static("default", "AKIDPROFILE"), env, clock, nullptr);
  auto credentials = chain->credentials();
  ASSERT_FALSE(credentials);
  EXPECT_EQ(credentials.error().kind, ErrorKind::kConfig);
  EXPECT_NE(credentials.error().message.find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
}

TEST(DefaultChain, UnknownExplicitProfileIsAConfigError) {
  ManualClock clock(SystemTimePoint{});
  MapEnvironment env;
  ChainOptions options;
  options.profile = "prod";
  options.profile_named_explicitly = true;
  auto chain = make_default_chain(options, files_with_static("default", "AKID"), env, clock, nullptr);
  auto credentials = chain->credentials();
  ASSERT_FALSE(credentials);
  EXPECT_EQ(credentials.error().kind, ErrorKind::kConfig);
  EXPECT_EQ(credentials.error().message, "profile 'prod' not found in /h/.aws/credentials and /h/.aws/config");
}

TEST(DefaultChain, NothingFoundListsWhatWasTried) {
  ManualClock clock(SystemTimePoint{});
  MapEnvironment env;
  ProfileFiles files;
  files.credentials_path = "/h/.aws/credentials";
  files.config_path = "/h/.aws/config";
  auto chain = make_default_chain({}, files, env, clock, nullptr);
  auto credentials = chain->credentials();
  ASSERT_FALSE(credentials);
  EXPECT_EQ(credentials.error().kind, ErrorKind::kAuth);
  const std::string& message = credentials.error().message;
  EXPECT_NE(message.find("explicit"), std::string::npos) << message;
  EXPECT_NE(message.find("AWS_ACCESS_KEY_ID"), std::string::npos) << message;
  EXPECT_NE(message.find("profile 'default'"), std::string::npos) << message;
  EXPECT_NE(message.find("/h/.aws/config"), std::string::npos) << message;
}

TEST(DefaultChain, PartialProfileKeysAreAnError) {
  ManualClock clock(SystemTimePoint{});
  MapEnvironment env;
  ProfileFiles files;
  files.credentials["default"].values = {{"aws_access_key_id", "AKID"}};
  auto chain = make_default_chain({}, files, env, clock, nullptr);
  auto credentials = chain->credentials();
  ASSERT_FALSE(credentials);
  EXPECT_EQ(credentials.error().kind, ErrorKind::kConfig);
  EXPECT_NE(credentials.error().message.find("no aws_secret_access_key"), std::string::npos);
}

ProfileFiles role_files() {
  ProfileFiles files = files_with_static("base", "AKIDBASE");
  files.config["admin"].values = {
      {"role_arn", "arn:aws:iam::123456789012:role/admin"}, {"source_profile", "base"}, {"role_session_name", "alice"}};
  return files;
}

TEST(DefaultChain, AssumesRoleWithSourceProfileAndCachesUntilFiveMinutesBeforeExpiry) {
  ManualClock clock(std::chrono::system_clock::from_time_t(1700000000));
  MapEnvironment env;
  FakeAssumeRole sts;
  sts.clock = &clock;
  ChainOptions options;
  options.profile = "admin";
  auto chain = make_default_chain(options, role_files(), env, clock, sts.function());

  auto first = chain->credentials();
  ASSERT_TRUE(first) << first.error();
  EXPECT_EQ(first->access_key_id, "ASIA1");
  EXPECT_EQ(first->source, "assume-role:arn:aws:iam::123456789012:role/admin");
  ASSERT_EQ(sts.calls, 1);
  EXPECT_EQ(sts.source_keys[0], "AKIDBASE");
  EXPECT_EQ(sts.session_names[0], "alice");

  clock.advance(std::chrono::minutes(54));
  EXPECT_EQ(chain->credentials()->access_key_id, "ASIA1");
  EXPECT_EQ(sts.calls, 1);

  clock.advance(std::chrono::minutes(1));  // exactly 5 minutes before expiry: refresh
  EXPECT_EQ(chain->credentials()->access_key_id, "ASIA2");
  EXPECT_EQ(sts.calls, 2);
  EXPECT_EQ(chain->credentials()->access_key_id, "ASIA2");
  EXPECT_EQ(sts.calls, 2);
}

TEST(DefaultChain, ChainedRolesAndSelfSourcedRole) {
  ManualClock clock(std::chrono::system_clock::from_time_t(1700000000));
  MapEnvironment env;
  FakeAssumeRole sts;
  sts.clock = &clock;
  ProfileFiles files = role_files();
  files.config["deep"].values = {{"role_arn", "arn:aws:iam::1:role/deep"}, {"source_profile", "admin"}};
  ChainOptions options;
  options.profile = "deep";
  auto chain = make_default_chain(options, files, env, clock, sts.function());
  auto deep = chain->credentials();
  ASSERT_TRUE(deep) << deep.error();
  EXPECT_EQ(sts.calls, 2);
  EXPECT_EQ(sts.source_keys[0], "AKIDBASE");  // admin assumed with base's keys...
  EXPECT_EQ(sts.source_keys[1], "ASIA1");     // ...then deep with admin's role credentials
  EXPECT_EQ(deep->access_key_id, "ASIA2");

  ProfileFiles self = files_with_static("me", "AKIDME");
  self.credentials["me"].values["role_arn"] = "arn:aws:iam::1:role/me";
  self.credentials["me"].values["source_profile"] = "me";
  options.profile = "me";
  FakeAssumeRole sts2;
  sts2.clock = &clock;
  chain = make_default_chain(options, self, env, clock, sts2.function());
  ASSERT_TRUE(chain->credentials());
  ASSERT_EQ(sts2.calls, 1);
  EXPECT_EQ(sts2.source_keys[0], "AKIDME");
}

TEST(DefaultChain, DetectsSourceProfileCycles) {
  ManualClock clock(SystemTimePoint{});
  MapEnvironment env;
  FakeAssumeRole sts;
  sts.clock = &clock;
  ProfileFiles files;
  files.config["a"].values = {{"role_arn", "arn:aws:iam::1:role/a"}, {"source_profile", "b"}};
  files.config["b"].values = {{"role_arn", "arn:aws:iam::1:role/b"}, {"source_profile", "a"}};
  ChainOptions options;
  options.profile = "a";
  auto chain = make_default_chain(options, files, env, clock, sts.function());
  auto credentials = chain->credentials();
  ASSERT_FALSE(credentials);
  EXPECT_EQ(credentials.error().kind, ErrorKind::kConfig);
  EXPECT_NE(credentials.error().message.find("cycle: a -> b -> a"), std::string::npos) << credentials.error().message;
  EXPECT_EQ(sts.calls, 0);
}

TEST(DefaultChain, RoleConfigurationErrors) {
  ManualClock clock(SystemTimePoint{});
  MapEnvironment env;
  FakeAssumeRole sts;
  sts.clock = &clock;
  ChainOptions options;
  options.profile = "r";

  ProfileFiles no_source;
  no_source.config["r"].values = {{"role_arn", "arn:aws:iam::1:role/r"}};
  auto result = make_default_chain(options, no_source, env, clock, sts.function())->credentials();
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("no source_profile"), std::string::npos);

  ProfileFiles missing_source;
  missing_source.config["r"].values = {{"role_arn", "arn:aws:iam::1:role/r"}, {"source_profile", "ghost"}};
  result = make_default_chain(options, missing_source, env, clock, sts.function())->credentials();
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("source_profile 'ghost'"), std::string::npos) << result.error().message;
  EXPECT_EQ(sts.calls, 0);
}

TEST(DefaultChain, AssumeRoleFailureKeepsKindAndAddsContext) {
  ManualClock clock(SystemTimePoint{});
  MapEnvironment env;
  FakeAssumeRole sts;
  sts.clock = &clock;
  Error denied;
  denied.kind = ErrorKind::kAuth;
  denied.code = "AccessDenied";
  denied.message = "not authorized to perform sts:AssumeRole";
  sts.fail = denied;
  ChainOptions options;
  options.profile = "admin";
  auto chain = make_default_chain(options, role_files(), env, clock, sts.function());
  auto credentials = chain->credentials();
  ASSERT_FALSE(credentials);
  EXPECT_EQ(credentials.error().kind, ErrorKind::kAuth);
  EXPECT_EQ(credentials.error().code, "AccessDenied");
  EXPECT_NE(credentials.error().message.find("arn:aws:iam::123456789012:role/admin"), std::string::npos);
  EXPECT_NE(credentials.error().message.find("not authorized"), std::string::npos);
  // A failure is not cached: the next call tries again.
  (void)chain->credentials();
  EXPECT_EQ(sts.calls, 2);
}

TEST(StaticProvider, ReturnsItsCredentials) {
  Credentials c;
  c.access_key_id = "AKID";
  c.secret_access_key = Secret("s");
  auto provider = make_static_provider(c);
  EXPECT_EQ(provider->credentials()->access_key_id, "AKID");
}

}  // namespace
}  // namespace kwb::aws
