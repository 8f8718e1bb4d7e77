#include "emulator/clock_control.h"

namespace kwb::emulator {

namespace {

template <typename Duration>
std::chrono::nanoseconds scaled(Duration elapsed, double scale) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count();
  return std::chrono::nanoseconds(static_cast<std::int64_t>(static_cast<double>(ns) * scale));
}

}  // namespace

ControlledClock::ControlledClock(Clock& base, double scale)
    : base_(base), scale_(scale > 0 ? scale : 1.0), wall_origin_(base.now()), steady_origin_(base.steady_now()) {}

SystemTimePoint ControlledClock::now() const {
  const auto elapsed = scaled(base_.now() - wall_origin_, scale_);
  return wall_origin_ + std::chrono::duration_cast<SystemTimePoint::duration>(elapsed + offset());
}

std::chrono::steady_clock::time_point ControlledClock::steady_now() const {
  const auto elapsed = scaled(base_.steady_now() - steady_origin_, scale_);
  return steady_origin_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(elapsed + offset());
}

void ControlledClock::sleep_for(std::chrono::nanoseconds duration) { base_.sleep_for(scaled(duration, 1.0 / scale_)); }

void ControlledClock::advance(std::chrono::nanoseconds duration) {
  if (duration.count() > 0) offset_ns_.fetch_add(duration.count());
}

}  // namespace kwb::emulator
