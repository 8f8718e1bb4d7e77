#include "server/principal_cache.h"

namespace kwb::server {

std::optional<Principal> PrincipalCache::find(std::string_view token) const {
  if (!enabled()) return std::nullopt;
  const auto steady = clock_.steady_now();
  const auto wall = clock_.now();
  std::lock_guard lock(mutex_);
  const auto found = entries_.find(token);
  if (found == entries_.end()) return std::nullopt;
  if (steady >= found->second.fresh_until || wall >= found->second.principal.claims.expires_at) {
    return std::nullopt;
  }
  return found->second.principal;
}

std::uint64_t PrincipalCache::generation() const {
  std::lock_guard lock(mutex_);
  return generation_;
}

void PrincipalCache::remember(std::string_view token, const Principal& principal,
                              std::uint64_t generation_before_check) {
  if (!enabled()) return;
  const auto fresh_until = clock_.steady_now() + ttl_;
  std::lock_guard lock(mutex_);
  if (generation_before_check != generation_) return;
  if (entries_.size() >= capacity_) entries_.clear();
  entries_.insert_or_assign(std::string(token), Entry{principal, fresh_until});
}

void PrincipalCache::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
  ++generation_;
}

std::size_t PrincipalCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace kwb::server
