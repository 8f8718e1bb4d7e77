#pragma once
// The emulator's controllable clock: system time, shifted by an offset that only grows
// (POST /_kwb/clock/advance) and optionally running faster than real time (--time-scale), so a
// 15-minute alarm or a 3-hour trend can be tested in seconds. Emulator-only: AWS has nothing like it.
//
//   now() = origin + offset + scale * (base.now() - origin)
//
// Both now() and steady_now() move together, so token buckets, iterator expiry, retention,
// lifecycle delays, metric timestamps and alarm evaluation all see the same time. Advancing never
// moves time backwards.
//
// Ownership: borrows the base clock, which must outlive it.
// Thread safety: every method may be called from any thread.

#include <atomic>
#include <chrono>

#include "core/clock.h"

namespace kwb::emulator {

class ControlledClock final : public Clock {
 public:
  // REQUIRES: scale > 0.
  explicit ControlledClock(Clock& base, double scale = 1.0);

  [[nodiscard]] SystemTimePoint now() const override;
  [[nodiscard]] std::chrono::steady_clock::time_point steady_now() const override;
  // Sleeps the real time that corresponds to `duration` of this clock.
  void sleep_for(std::chrono::nanoseconds duration) override;

  // REQUIRES: duration >= 0.
  void advance(std::chrono::nanoseconds duration);
  [[nodiscard]] std::chrono::nanoseconds offset() const { return std::chrono::nanoseconds(offset_ns_.load()); }
  [[nodiscard]] double scale() const { return scale_; }

 private:
  Clock& base_;
  const double scale_;
  const SystemTimePoint wall_origin_;
  const std::chrono::steady_clock::time_point steady_origin_;
  std::atomic<std::int64_t> offset_ns_{0};
};

}  // namespace kwb::emulator
