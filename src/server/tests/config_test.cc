#include "server/config.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace kwb::server {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  std::filesystem::path write_file(const std::string& text) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("kwb_serve_config_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
                       ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".toml");
    std::ofstream(path) << text;
    files_.push_back(path);
    return path;
  }
  void TearDown() override {
    for (const auto& f : files_) std::filesystem::remove(f);
  }
  std::vector<std::filesystem::path> files_;
};

TEST_F(ConfigTest, DefaultsListenOnLoopback8080) {
  auto config = load_config({}, MapEnvironment());
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->host, "127.0.0.1");
  EXPECT_EQ(config->port, 8080);
  EXPECT_EQ(config->data_dir, "./data");
  EXPECT_EQ(config->target, TargetMode::kAuto);
  EXPECT_FALSE(config->production);
}

TEST_F(ConfigTest, FileThenEnvironmentThenFlags) {
  const auto file = write_file("port = 9000\nthreads = 3\ndata_dir = \"/tmp/from-file\"\nproduction = false\n");
  MapEnvironment env({{"KWB_PORT", "9100"}, {"KWB_THREADS", "5"}});
  ConfigSources sources;
  sources.file = file;
  sources.flags = {{"port", "9200"}};
  auto config = load_config(sources, env);
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->port, 9200);                 // flag wins
  EXPECT_EQ(config->threads, 5);                 // environment beats the file
  EXPECT_EQ(config->data_dir, "/tmp/from-file");  // file beats the default
}

TEST_F(ConfigTest, OutOfRangeNamesSettingSourceAndBounds) {
  auto config = load_config({}, MapEnvironment(std::map<std::string, std::string>{{"KWB_PORT", "70000"}}));
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().kind, ErrorKind::kConfig);
  EXPECT_NE(config.error().message.find("'port'"), std::string::npos) << config.error().message;
  EXPECT_NE(config.error().message.find("KWB_PORT"), std::string::npos);
  EXPECT_NE(config.error().message.find("[0, 65535]"), std::string::npos);
}

TEST_F(ConfigTest, RejectsNonNumbersBadBooleansAndBadChoices) {
  ConfigSources sources;
  sources.flags = {{"threads", "four"}};
  EXPECT_FALSE(load_config(sources, MapEnvironment()).ok());
  EXPECT_FALSE(load_config({}, MapEnvironment(std::map<std::string, std::string>{{"KWB_PRODUCTION", "perhaps"}})).ok());
  auto bad_target = load_config({}, MapEnvironment(std::map<std::string, std::string>{{"KWB_TARGET", "mars"}}));
  ASSERT_FALSE(bad_target.ok());
  EXPECT_NE(bad_target.error().message.find("auto, embedded, aws"), std::string::npos);
}

TEST_F(ConfigTest, UnknownKeyInFileIsAnError) {
  const auto file = write_file("prot = 9000\n");
  ConfigSources sources;
  sources.file = file;
  auto config = load_config(sources, MapEnvironment());
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message.find("unknown setting 'prot'"), std::string::npos);
}

TEST_F(ConfigTest, MalformedTomlSaysWhere) {
  const auto file = write_file("port = = 1\n");
  ConfigSources sources;
  sources.file = file;
  auto config = load_config(sources, MapEnvironment());
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message.find(file.string()), std::string::npos);
}

TEST_F(ConfigTest, SecretsAreNeverEchoed) {
  auto short_key = load_config({}, MapEnvironment(std::map<std::string, std::string>{{"KWB_JWT_SECRET", "tooshort-secret-value"}}));
  ASSERT_FALSE(short_key.ok());
  EXPECT_EQ(short_key.error().message.find("tooshort-secret-value"), std::string::npos);

  auto config = load_config({}, MapEnvironment(std::map<std::string, std::string>{{"KWB_ADMIN_PASSWORD", "hunter2-hunter2"},
                                                {"KWB_DATABASE_URL", "postgresql://kwb:pw-in-url@db/kwb"}}));
  ASSERT_TRUE(config.ok());
  const std::string text = describe(*config);
  EXPECT_EQ(text.find("hunter2"), std::string::npos) << text;
  EXPECT_EQ(text.find("pw-in-url"), std::string::npos) << text;
  EXPECT_NE(text.find("admin_password = ****"), std::string::npos);
}

TEST_F(ConfigTest, ProductionRefusesTheTestHashCost) {
  auto config = load_config({}, MapEnvironment(std::map<std::string, std::string>{{"KWB_PRODUCTION", "true"}, {"KWB_PASSWORD_HASH_COST", "minimum"}}));
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message.find("password_hash_cost"), std::string::npos);
}

TEST_F(ConfigTest, EverySettingHasEnvDescriptionAndBounds) {
  for (const auto& spec : settings_table()) {
    EXPECT_EQ(spec.env.rfind("KWB_", 0), 0u) << spec.name;
    EXPECT_FALSE(spec.description.empty()) << spec.name;
    if (spec.kind == SettingKind::kInt) {
      EXPECT_LT(spec.min, spec.max) << spec.name;
    }
    if (spec.kind == SettingKind::kEnum) {
      EXPECT_FALSE(spec.choices.empty()) << spec.name;
    }
  }
}

}  // namespace
}  // namespace kwb::server
