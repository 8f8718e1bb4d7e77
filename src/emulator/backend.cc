#include "emulator/backend.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "emulator/durable_log.h"

namespace kwb::emulator {
namespace {
namespace fs = std::filesystem;
constexpr std::size_t kIteratorKeyBytes = 32;
}  // namespace

SubscriptionLimits subscription_limits(const EmulatorConfig& config) {
  SubscriptionLimits limits;
  limits.lifetime = std::chrono::milliseconds(config.subscription_lifetime_ms);
  return limits;
}

Backend::~Backend() {
  subscriptions_.shutdown();  // its thread reads the engines
  engines_.clear();  // flush and close every log before letting go of the lock
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

std::unique_ptr<Engine> Backend::make_engine(std::string_view region, bool load, Status* status) {
  auto engine = std::make_unique<Engine>(std::string(region), config_, clock_, random_);
  engine->set_append_listener(&subscriptions_);
  if (config_.data_dir.empty()) return engine;
  auto store = std::make_unique<StreamStore>(fs::path(config_.data_dir) / "regions" / region_directory_name(region),
                                             config_.fsync, config_.fsync_interval_ms);
  Status attached = engine->attach_storage(std::move(store), load, iterator_key_);
  if (status != nullptr) *status = std::move(attached);
  return engine;
}

Status Backend::open_storage() {
  if (config_.data_dir.empty()) return ok_status();
  const fs::path root(config_.data_dir);
  std::error_code ec;
  fs::create_directories(root / "regions", ec);
  if (ec) return Error::io("cannot create data directory " + root.string() + ": " + ec.message());

  const fs::path lock_path = root / "LOCK";
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) return Error::io("cannot open " + lock_path.string() + ": " + std::strerror(errno));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    return Error::io("data directory " + root.string() + " is in use by another emulator");
  }

  const fs::path key_path = root / "iterator.key";
  if (fs::exists(key_path, ec)) {
    std::ifstream in(key_path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    iterator_key_ = text.str();
  }
  if (iterator_key_.size() != kIteratorKeyBytes) {
    iterator_key_.clear();
    while (iterator_key_.size() < kIteratorKeyBytes) {
      const std::uint64_t word = random_.next_u64();
      iterator_key_.append(reinterpret_cast<const char*>(&word), sizeof word);
    }
    KWB_RETURN_IF_ERROR(write_file_atomically(key_path, iterator_key_, config_.fsync));
  }

  std::unique_lock lock(mutex_);
  for (const auto& entry : fs::directory_iterator(root / "regions", ec)) {
    if (!entry.is_directory()) continue;
    const auto region = region_from_directory_name(entry.path().filename().string());
    if (!region) continue;
    Status loaded;
    auto engine = make_engine(*region, true, &loaded);
    if (!loaded.ok()) return loaded;
    engines_[*region] = std::move(engine);
  }
  if (ec) return Error::io("cannot list " + (root / "regions").string() + ": " + ec.message());
  return ok_status();
}

}  // namespace kwb::emulator
