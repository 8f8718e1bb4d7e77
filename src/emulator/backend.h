#pragma once
// All Kinesis state of one emulator: one Engine per region, made on first use.
//
// AWS regions are separate worlds (a stream in us-west-2 is not listed in us-east-1); the region of
// a request comes from its SigV4 credential scope.
//
// Ownership: owns the engines; config, clock and random must outlive it.
// Thread safety: all methods may be called from any thread; engines are never destroyed before
// the Backend, so the references handed out stay valid. open_storage() runs once, before serving.
//
// Durability (--data-dir): open_storage() takes an exclusive lock on DATA_DIR/LOCK (two emulators
// on one directory would corrupt it), loads DATA_DIR/iterator.key (made on first use, so shard
// iterators survive restarts) and every region under DATA_DIR/regions/ with its streams. Engines
// made later for new regions write there too.

#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/engine.h"
#include "emulator/subscriptions.h"

namespace kwb::emulator {

SubscriptionLimits subscription_limits(const EmulatorConfig& config);

class Backend {
 public:
  Backend(const EmulatorConfig& config, Clock& clock, Random& random)
      : config_(config), clock_(clock), random_(random), subscriptions_(clock, subscription_limits(config)) {}
  ~Backend();
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  // No-op without config.data_dir. Fails (naming the file) on unreadable or corrupt data.
  [[nodiscard]] Status open_storage();

  Engine& engine(std::string_view region) {
    {
      std::shared_lock lock(mutex_);
      auto it = engines_.find(region);
      if (it != engines_.end()) return *it->second;
    }
    std::unique_lock lock(mutex_);
    auto& slot = engines_[std::string(region)];
    if (!slot) slot = make_engine(region, false);
    return *slot;
  }

  std::vector<Engine*> engines() {
    std::shared_lock lock(mutex_);
    std::vector<Engine*> out;
    for (auto& [region, engine] : engines_) out.push_back(engine.get());
    return out;
  }

  [[nodiscard]] const EmulatorConfig& config() const { return config_; }
  [[nodiscard]] Clock& clock() const { return clock_; }
  // SubscribeToShard streams of every region (woken by every engine's appends).
  SubscriptionHub& subscriptions() { return subscriptions_; }

 private:
  // REQUIRES: mutex_ held exclusively, or open_storage() running. With load, errors are fatal;
  // without, a new region's engine cannot fail (its files are made on first write).
  std::unique_ptr<Engine> make_engine(std::string_view region, bool load, Status* status = nullptr);

  const EmulatorConfig& config_;
  Clock& clock_;
  Random& random_;
  SubscriptionHub subscriptions_;  // shut down before the engines go
  std::shared_mutex mutex_;
  std::map<std::string, std::unique_ptr<Engine>, std::less<>> engines_;  // GUARDED_BY(mutex_)
  std::string iterator_key_;  // set by open_storage()
  int lock_fd_ = -1;
};

}  // namespace kwb::emulator
