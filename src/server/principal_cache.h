#pragma once
// A short-lived memory of tokens that passed authentication, so a client polling the API does not
// pay for an HMAC check and two store lookups (deny-list, user row) on every request.
//
// What it trades: a token revoked, or a user disabled, by ANOTHER `kwb serve` instance sharing the
// database is still accepted here for at most `ttl` (1 s by default, `auth_cache_ms`). Changes made
// through this instance clear the cache at once, so they take effect on its next request. A token's
// own expiry is checked on every hit, never cached past `exp`. ttl 0 turns the cache off.
//
// The key is the whole token text, so a token that differs in any byte (tampered, re-signed) misses.
// Memory is bounded: at `capacity` entries the cache is emptied before the next insert (a burst of
// distinct tokens costs a re-check each, never unbounded growth).
//
// Thread safety: every method may be called concurrently (one mutex; the critical sections are a
// hash lookup or insert).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"
#include "server/api.h"

namespace kwb::server {

class PrincipalCache {
 public:
  PrincipalCache(std::chrono::milliseconds ttl, std::size_t capacity, const Clock& clock)
      : ttl_(ttl), capacity_(capacity), clock_(clock) {}

  // The principal remembered for exactly this token, if still fresh and the token unexpired.
  [[nodiscard]] std::optional<Principal> find(std::string_view token) const;
  // Take a generation before checking a token the slow way and pass it to remember(): if clear()
  // ran in between (a user disabled while their request was being checked), the answer may
  // already be stale and is not remembered.
  [[nodiscard]] std::uint64_t generation() const;
  void remember(std::string_view token, const Principal& principal, std::uint64_t generation_before_check);
  // Forget everything: called after any write that can change an authentication outcome
  // (logout, disable, password reset or change).
  void clear();

  [[nodiscard]] bool enabled() const { return ttl_.count() > 0 && capacity_ > 0; }
  [[nodiscard]] std::size_t size() const;

 private:
  struct Entry {
    Principal principal;
    std::chrono::steady_clock::time_point fresh_until;
  };

  std::chrono::milliseconds ttl_;
  std::size_t capacity_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  // Transparent hash and equality: find() looks up a string_view without copying the token.
  struct TokenHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view token) const { return std::hash<std::string_view>{}(token); }
  };
  std::unordered_map<std::string, Entry, TokenHash, std::equal_to<>> entries_;
  std::uint64_t generation_ = 0;  // bumped by clear()
};

}  // namespace kwb::server
