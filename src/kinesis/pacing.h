#pragma once
// Pacing primitives shared by the producer and the consumer: a token bucket and exponential
// backoff with full jitter, both on caller-supplied time and randomness.
//
// Why here and header-only: the producer (per-shard PutRecords limits) and the consumer (GetRecords
// calls per shard) both need them, and neither should depend on the other. Time is passed in as a
// steady_clock time point taken from the injected kwb::Clock, so tests drive both with a
// ManualClock and never sleep.
//
// Thread safety: none. Each bucket belongs to one shard's state, guarded by its owner's lock.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "core/random.h"

namespace kwb::kinesis {

using Instant = std::chrono::steady_clock::time_point;
using Nanos = std::chrono::nanoseconds;

// A bucket of `capacity` tokens refilled at `rate_per_second`. It starts full, as an idle shard
// accepts a full second of its rate at once. A rate <= 0 means unlimited.
class TokenBucket {
 public:
  TokenBucket() = default;
  TokenBucket(double rate_per_second, double capacity, Instant now)
      : rate_per_second_(rate_per_second), capacity_(capacity), tokens_(capacity), last_(now) {}

  [[nodiscard]] bool unlimited() const { return rate_per_second_ <= 0; }

  [[nodiscard]] double available(Instant now) {
    refill(now);
    return unlimited() ? std::numeric_limits<double>::infinity() : tokens_;
  }

  // Takes n tokens when that many are there; otherwise takes nothing.
  bool try_take(double n, Instant now) {
    if (unlimited()) return true;
    refill(now);
    if (tokens_ + 1e-9 < n) return false;
    tokens_ -= n;
    return true;
  }

  // Takes n tokens even into debt. Used for a single item larger than the whole bucket (a 1 MiB
  // record against a bucket scaled below 1 MiB/s), which could otherwise never pass.
  void force_take(double n, Instant now) {
    if (unlimited()) return;
    refill(now);
    tokens_ -= n;
  }

  // Returns tokens taken for an item that was not sent after all.
  void give_back(double n) {
    if (!unlimited()) tokens_ = std::min(capacity_, tokens_ + n);
  }

  // When n tokens will be there (now when they already are). n is capped at the capacity so the
  // answer is always finite.
  [[nodiscard]] Instant when_available(double n, Instant now) {
    if (unlimited()) return now;
    refill(now);
    n = std::min(n, capacity_);
    if (tokens_ >= n) return now;
    const double seconds = (n - tokens_) / rate_per_second_;
    return now + std::chrono::duration_cast<Nanos>(std::chrono::duration<double>(seconds)) + Nanos(1);
  }

 private:
  void refill(Instant now) {
    if (unlimited() || now <= last_) return;
    const double seconds = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(capacity_, tokens_ + seconds * rate_per_second_);
    last_ = now;
  }

  double rate_per_second_ = 0;
  double capacity_ = 0;
  double tokens_ = 0;
  Instant last_{};
};

// Delay before retry number `attempt` (1-based): uniform(0, min(cap, base * 2^(attempt-1))).
// "Full jitter" (AWS Architecture Blog, "Exponential Backoff And Jitter"): spreads retries of many
// clients that failed together, which matters when the cause was a shared throttle.
struct BackoffPolicy {
  std::chrono::milliseconds base{100};
  std::chrono::milliseconds cap{5000};

  [[nodiscard]] Nanos delay(int attempt, Random& random) const {
    const int exponent = std::clamp(attempt - 1, 0, 30);
    const double ceiling_ms =
        std::min(static_cast<double>(cap.count()), static_cast<double>(base.count()) * std::ldexp(1.0, exponent));
    const double ms = random.uniform01() * ceiling_ms;
    return std::chrono::duration_cast<Nanos>(std::chrono::duration<double, std::milli>(ms));
  }
};

}  // namespace kwb::kinesis
