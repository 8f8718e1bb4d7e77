#pragma once
// Randomness as a seam: jitter, fault injection and load generation draw from a Random that the
// caller provides, so tests pin the seed and get the same sequence every run.

#include <cstdint>
#include <mutex>
#include <random>

namespace kwb {

// Thread-safe.
class Random {
 public:
  virtual ~Random() = default;
  virtual std::uint64_t next_u64() = 0;
  // Uniform in [0, 1).
  double uniform01() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  // Uniform integer in [0, bound); bound > 0.
  std::uint64_t below(std::uint64_t bound) { return bound == 0 ? 0 : next_u64() % bound; }
};

class SeededRandom final : public Random {
 public:
  explicit SeededRandom(std::uint64_t seed) : engine_(seed) {}
  std::uint64_t next_u64() override {
    std::lock_guard lock(mutex_);
    return engine_();
  }

 private:
  std::mutex mutex_;
  std::mt19937_64 engine_;  // GUARDED_BY(mutex_)
};

// Seeded from std::random_device; for production paths that have no seed configured.
SeededRandom& process_random();

}  // namespace kwb
