#include "auth/login_throttle.h"

#include <algorithm>

namespace kwb::auth {

LoginThrottle::LoginThrottle(LoginThrottleConfig config, const Clock& clock) : config_(config), clock_(clock) {}

void LoginThrottle::forget_old(Entry& entry, Instant now) const {
  while (!entry.failures.empty() && entry.failures.front() <= now - config_.window) entry.failures.pop_front();
}

void LoginThrottle::prune_if_full(Table& table, Instant now) {
  if (table.size() < config_.max_tracked_keys) return;
  // First the idle keys: not locked, no failure inside the window.
  for (auto& [key, entry] : table) forget_old(entry, now);
  std::erase_if(table, [&](const auto& item) {
    return item.second.locked_until <= now && item.second.failures.empty();
  });
  // Still full means a flood of fresh keys: drop unlocked ones rather than grow. Their partial
  // counts are lost, which favours the attacker slightly but keeps the server alive.
  if (table.size() >= config_.max_tracked_keys) {
    std::erase_if(table, [&](const auto& item) { return item.second.locked_until <= now; });
  }
}

void LoginThrottle::add_failure(Table& table, const std::string& key, int limit, Instant now) {
  prune_if_full(table, now);
  Entry& entry = table[key];
  if (entry.locked_until > now) return;  // already locked: failures do not extend the lockout
  forget_old(entry, now);
  entry.failures.push_back(now);
  if (static_cast<int>(entry.failures.size()) >= limit) {
    entry.locked_until = now + config_.lockout;
    entry.failures.clear();  // a fresh window starts when the lockout ends
  }
}

ThrottleDecision LoginThrottle::decide(Instant now, const std::string& user_key, const std::string& address_key) {
  ThrottleDecision decision;
  auto consider = [&](Table& table, const std::string& key, std::string_view name) {
    auto it = table.find(key);
    if (it == table.end() || it->second.locked_until <= now) return;
    const auto remaining = it->second.locked_until - now;
    // Round up: "retry in 0 seconds" while still locked would invite an immediate retry.
    const auto seconds = std::chrono::ceil<std::chrono::seconds>(remaining);
    if (!decision.allowed && seconds <= decision.retry_after) return;
    decision.allowed = false;
    decision.retry_after = std::max(seconds, std::chrono::seconds(1));
    decision.locked_by = name;
  };
  consider(users_, user_key, "user");
  consider(addresses_, address_key, "address");
  return decision;
}

ThrottleDecision LoginThrottle::check(std::string_view username, std::string_view address) {
  std::lock_guard lock(mutex_);
  return decide(clock_.steady_now(), std::string(username), std::string(address));
}

ThrottleDecision LoginThrottle::record_failure(std::string_view username, std::string_view address) {
  std::lock_guard lock(mutex_);
  const Instant now = clock_.steady_now();
  const std::string user_key(username);
  const std::string address_key(address);
  add_failure(users_, user_key, config_.max_failures_per_user, now);
  add_failure(addresses_, address_key, config_.max_failures_per_address, now);
  return decide(now, user_key, address_key);
}

void LoginThrottle::record_success(std::string_view username) {
  std::lock_guard lock(mutex_);
  auto it = users_.find(std::string(username));
  // A success cannot happen while the user is locked (check() refuses first), so erasing only
  // ever drops failure counts, never an active lockout.
  if (it != users_.end() && it->second.locked_until <= clock_.steady_now()) users_.erase(it);
}

}  // namespace kwb::auth
