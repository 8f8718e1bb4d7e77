#pragma once
// Time as a seam. Production code asks a Clock for "now" and for sleeping; tests hand in a
// ManualClock whose time moves only when the test (or a sleep through it) moves it, so no unit
// test ever waits on the wall clock.

#include <chrono>
#include <mutex>

namespace kwb {

using SystemTimePoint = std::chrono::system_clock::time_point;
using Millis = std::chrono::milliseconds;

// Thread-safe: every implementation may be called from any thread.
class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time (used for signatures, timestamps on the wire, metrics).
  [[nodiscard]] virtual SystemTimePoint now() const = 0;
  // Monotonic time for timeouts and rates. ManualClock keeps both in step.
  [[nodiscard]] virtual std::chrono::steady_clock::time_point steady_now() const = 0;
  virtual void sleep_for(std::chrono::nanoseconds duration) = 0;
};

class SystemClock final : public Clock {
 public:
  [[nodiscard]] SystemTimePoint now() const override;
  [[nodiscard]] std::chrono::steady_clock::time_point steady_now() const override;
  void sleep_for(std::chrono::nanoseconds duration) override;
  // A process-wide instance for code that has no clock injected from above.
  static SystemClock& instance();
};

// A clock that stands still until advanced. sleep_for advances it (and records the total slept),
// so code under test that backs off "sleeps" instantly and the test can assert how long it slept.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(SystemTimePoint start);
  [[nodiscard]] SystemTimePoint now() const override;
  [[nodiscard]] std::chrono::steady_clock::time_point steady_now() const override;
  void sleep_for(std::chrono::nanoseconds duration) override;
  void advance(std::chrono::nanoseconds duration);
  [[nodiscard]] std::chrono::nanoseconds total_slept() const;

 private:
  mutable std::mutex mutex_;
  SystemTimePoint now_;                         // GUARDED_BY(mutex_)
  std::chrono::nanoseconds elapsed_{0};         // GUARDED_BY(mutex_)
  std::chrono::nanoseconds slept_{0};           // GUARDED_BY(mutex_)
};

// 2013-05-24T00:00:00Z style helpers used by SigV4 and logs.
// "20150830T123600Z"
std::string format_amz_date(SystemTimePoint time);
// "2015-08-30T12:36:00.000Z"
std::string format_iso8601_millis(SystemTimePoint time);
// Parses "20150830T123600Z", "2015-08-30T12:36:00Z" and "2015-08-30T12:36:00.123Z".
bool parse_iso8601(std::string_view text, SystemTimePoint& out);

}  // namespace kwb
