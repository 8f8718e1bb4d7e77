#pragma once
// All Kinesis state of one emulator: one Engine per region, made on first use.
//
// AWS regions are separate worlds (a stream in us-west-2 is not listed in us-east-1); the region of
// a request comes from its SigV4 credential scope.
//
// Ownership: owns the engines; config, clock and random must outlive it.
// Thread safety: all methods may be called from any thread; engines are never destroyed before
// the Backend, so the references handed out stay valid.

#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/engine.h"

namespace kwb::emulator {

class Backend {
 public:
  Backend(const EmulatorConfig& config, Clock& clock, Random& random)
      : config_(config), clock_(clock), random_(random) {}

  Engine& engine(std::string_view region) {
    {
      std::shared_lock lock(mutex_);
      auto it = engines_.find(region);
      if (it != engines_.end()) return *it->second;
    }
    std::unique_lock lock(mutex_);
    auto& slot = engines_[std::string(region)];
    if (!slot) slot = std::make_unique<Engine>(std::string(region), config_, clock_, random_);
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

 private:
  const EmulatorConfig& config_;
  Clock& clock_;
  Random& random_;
  std::shared_mutex mutex_;
  std::map<std::string, std::unique_ptr<Engine>, std::less<>> engines_;  // GUARDED_BY(mutex_)
};

}  // namespace kwb::emulator
