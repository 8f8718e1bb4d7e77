#include "core/clock.h"

#include <cstdio>
#include <ctime>
#include <string>
#include <thread>

namespace kwb {

SystemTimePoint SystemClock::now() const { return std::chrono::system_clock::now(); }
std::chrono::steady_clock::time_point SystemClock::steady_now() const {
  return std::chrono::steady_clock::now();
}
void SystemClock::sleep_for(std::chrono::nanoseconds duration) {
  if (duration.count() > 0) std::this_thread::sleep_for(duration);
}
SystemClock& SystemClock::instance() {
  static SystemClock clock;
  return clock;
}

ManualClock::ManualClock(SystemTimePoint start) : now_(start) {}
SystemTimePoint ManualClock::now() const {
  std::lock_guard lock(mutex_);
  return now_;
}
std::chrono::steady_clock::time_point ManualClock::steady_now() const {
  std::lock_guard lock(mutex_);
  return std::chrono::steady_clock::time_point(elapsed_);
}
void ManualClock::sleep_for(std::chrono::nanoseconds duration) {
  std::lock_guard lock(mutex_);
  if (duration.count() <= 0) return;
  now_ += std::chrono::duration_cast<SystemTimePoint::duration>(duration);
  elapsed_ += duration;
  slept_ += duration;
}
void ManualClock::advance(std::chrono::nanoseconds duration) {
  std::lock_guard lock(mutex_);
  now_ += std::chrono::duration_cast<SystemTimePoint::duration>(duration);
  elapsed_ += duration;
}
std::chrono::nanoseconds ManualClock::total_slept() const {
  std::lock_guard lock(mutex_);
  return slept_;
}

namespace {
std::tm to_utc(SystemTimePoint time) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return utc;
}
}  // namespace

std::string format_amz_date(SystemTimePoint time) {
  std::tm utc = to_utc(time);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &utc);
  return buffer;
}

std::string format_iso8601_millis(SystemTimePoint time) {
  std::tm utc = to_utc(time);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count() % 1000;
  if (millis < 0) millis += 1000;
  char buffer[40];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buffer, static_cast<int>(millis));
  return out;
}

bool parse_iso8601(std::string_view text, SystemTimePoint& out) {
  std::tm utc{};
  int millis = 0;
  std::string owned(text);
  int year, month, day, hour, minute, second;
  char fraction[16] = {0};
  if (std::sscanf(owned.c_str(), "%4d%2d%2dT%2d%2d%2dZ", &year, &month, &day, &hour, &minute, &second) == 6 &&
      owned.size() == 16) {
  } else if (std::sscanf(owned.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%15[0-9]Z", &year, &month, &day, &hour, &minute,
                         &second, fraction) == 7) {
    std::string digits(fraction);
    digits.resize(3, '0');
    millis = std::stoi(digits);
  } else if (std::sscanf(owned.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ", &year, &month, &day, &hour, &minute, &second) ==
             6) {
  } else {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return false;
  utc.tm_year = year - 1900;
  utc.tm_mon = month - 1;
  utc.tm_mday = day;
  utc.tm_hour = hour;
  utc.tm_min = minute;
  utc.tm_sec = second;
  std::time_t seconds = timegm(&utc);
  out = std::chrono::system_clock::from_time_t(seconds) + std::chrono::milliseconds(millis);
  return true;
}

}  // namespace kwb
