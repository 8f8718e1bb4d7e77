#pragma once
// Brute-force protection for POST /api/auth/login.
//
// Failures are counted per username and per client address within a sliding window. When either
// count reaches its limit, that key is locked out for a fixed time, and every attempt on it is
// refused (HTTP 429 with Retry-After) without checking the password, so a locked account costs
// the attacker nothing to learn and the server no argon2 work.
//
// Why both keys: per-user stops guessing one account's password from many addresses; per-address
// stops one client spraying a common password across many accounts.
//
// A success resets the user's counter but NOT the address's: otherwise an attacker holding one
// valid account could log into it between guesses and never be throttled.
//
// State is in memory, per server instance. Behind a load balancer each instance counts on its
// own, which multiplies the attacker's budget by the instance count; acceptable for now, and the
// interface would not change if the counts moved into the store.

#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"

namespace kwb::auth {

struct LoginThrottleConfig {
  int max_failures_per_user = 5;
  int max_failures_per_address = 5;
  std::chrono::seconds window = std::chrono::minutes(15);   // failures older than this are forgotten
  std::chrono::seconds lockout = std::chrono::minutes(15);  // how long a tripped key stays locked
  // Upper bound on remembered keys, so spraying random usernames cannot grow memory without
  // limit. Past it, idle keys are dropped first; locked keys are kept.
  std::size_t max_tracked_keys = 100'000;
};

struct ThrottleDecision {
  bool allowed = true;
  // When !allowed: whole seconds until the lockout ends, rounded up (>= 1), for Retry-After.
  std::chrono::seconds retry_after{0};
  // When !allowed: "user" or "address", which key is locked (for logs; do not tell the client).
  std::string_view locked_by;
};

// Purpose: counts login failures and decides lockouts.
// Ownership: borrows the Clock (must outlive it); owns its counters.
// Thread safety: all methods are safe to call concurrently (one internal mutex).
class LoginThrottle {
 public:
  LoginThrottle(LoginThrottleConfig config, const Clock& clock);

  // Call before checking the password.
  [[nodiscard]] ThrottleDecision check(std::string_view username, std::string_view address);
  // Call after a wrong password (or unknown user). Returns the decision for the next attempt,
  // so the failure that trips the limit can already answer 429.
  ThrottleDecision record_failure(std::string_view username, std::string_view address);
  // Call after a correct password: forgets the user's failures.
  void record_success(std::string_view username);

  [[nodiscard]] const LoginThrottleConfig& config() const { return config_; }

 private:
  using Instant = std::chrono::steady_clock::time_point;
  struct Entry {
    std::deque<Instant> failures;  // within the window, oldest first
    Instant locked_until{};        // default (epoch) = not locked
  };
  using Table = std::unordered_map<std::string, Entry>;

  ThrottleDecision decide(Instant now, const std::string& user_key, const std::string& address_key);
  void add_failure(Table& table, const std::string& key, int limit, Instant now);
  void forget_old(Entry& entry, Instant now) const;
  void prune_if_full(Table& table, Instant now);

  const LoginThrottleConfig config_;
  const Clock& clock_;
  std::mutex mutex_;
  Table users_;      // GUARDED_BY(mutex_)
  Table addresses_;  // GUARDED_BY(mutex_)
};

}  // namespace kwb::auth
