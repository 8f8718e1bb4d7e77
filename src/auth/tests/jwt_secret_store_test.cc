#include "auth/jwt_secret_store.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <fstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace kwb::auth {
namespace {

class JwtSecretStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "kwb-auth-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(JwtSecretStoreTest, GeneratedOnceWithMode0600AndReused) {
  const auto data = dir_ / "data";
  auto first = load_or_create_jwt_secret(data);
  ASSERT_TRUE(first.ok()) << first.error();
  EXPECT_EQ(first->reveal().size(), 32u);
  struct stat info {};
  ASSERT_EQ(::stat((data / kJwtSecretFileName).c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);

  auto second = load_or_create_jwt_secret(data);
  ASSERT_TRUE(second.ok()) << second.error();
  EXPECT_EQ(first->reveal(), second->reveal());
  // No temporary files left behind.
  int files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(data)) ++files;
  EXPECT_EQ(files, 1);
}

TEST_F(JwtSecretStoreTest, ConfiguredSecretWinsAndMustBeLongEnough) {
  auto configured = load_or_create_jwt_secret(dir_, Secret(std::string(40, 'c')));
  ASSERT_TRUE(configured.ok());
  EXPECT_EQ(configured->reveal(), std::string(40, 'c'));
  EXPECT_FALSE(std::filesystem::exists(dir_ / kJwtSecretFileName));

  auto short_one = load_or_create_jwt_secret(dir_, Secret("short"));
  ASSERT_FALSE(short_one.ok());
  EXPECT_EQ(short_one.error().kind, ErrorKind::kConfig);
  EXPECT_EQ(short_one.error().message.find("short"), short_one.error().message.find("shorter"));  // no echo
}

TEST_F(JwtSecretStoreTest, WorldReadableFileIsRefused) {
  ASSERT_TRUE(load_or_create_jwt_secret(dir_).ok());
  std::filesystem::permissions(dir_ / kJwtSecretFileName, std::filesystem::perms::others_read,
                               std::filesystem::perm_options::add);
  auto result = load_or_create_jwt_secret(dir_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::kConfig);
  EXPECT_NE(result.error().message.find("chmod 600"), std::string::npos);
}

TEST_F(JwtSecretStoreTest, CorruptFileIsRefused) {
  {
    std::ofstream out(dir_ / kJwtSecretFileName);
    out << "not base64 at all!\n";
  }
  std::filesystem::permissions(dir_ / kJwtSecretFileName, std::filesystem::perms::owner_read |
                                                              std::filesystem::perms::owner_write);
  auto result = load_or_create_jwt_secret(dir_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::kConfig);
}

TEST_F(JwtSecretStoreTest, ConcurrentFirstStartsAgreeOnOneKey) {
  std::vector<std::string> keys(8);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    threads.emplace_back([&, i] {
      auto key = load_or_create_jwt_secret(dir_);
      if (key.ok()) keys[i] = key->reveal();
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& key : keys) {
    EXPECT_EQ(key.size(), 32u);
    EXPECT_EQ(key, keys[0]);
  }
}

}  // namespace
}  // namespace kwb::auth
