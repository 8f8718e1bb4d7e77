#include "aws/retry.h"

#include <algorithm>
#include <charconv>

#include "aws/error_table.h"

namespace kwb::aws {

Result<RetryConfig> retry_config_from_env(const Environment& env) {
  RetryConfig config;
  std::optional<std::string> text = env.get("AWS_MAX_ATTEMPTS");
  if (!text) return config;
  int value = 0;
  const char* begin = text->data();
  const char* end = begin + text->size();
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr != end || value < 1 || value > 100) {
    return Error::config("AWS_MAX_ATTEMPTS must be a whole number from 1 to 100, got '" + *text + "'");
  }
  config.max_attempts = value;
  return config;
}

RetryStrategy::RetryStrategy(RetryConfig config, Random& random)
    : config_(config), random_(random), quota_(config.initial_quota) {}

std::optional<std::chrono::milliseconds> RetryStrategy::on_failure(int attempt, const Error& error) {
  if (!is_retryable(error.kind)) return std::nullopt;
  if (attempt >= config_.max_attempts) return std::nullopt;

  const int cost = error.kind == ErrorKind::kTimeout ? config_.timeout_retry_cost : config_.retry_cost;
  {
    std::lock_guard lock(mutex_);
    if (quota_ < cost) return std::nullopt;
    quota_ -= cost;
    last_cost_ = cost;
  }

  const auto base = is_throttling(error.kind) ? config_.throttling_base_delay : config_.base_delay;
  // base * 2^(attempt-1) computed in double so that large attempt numbers cannot overflow; the
  // cap makes the exact value irrelevant once it is past max_backoff.
  const int exponent = std::clamp(attempt - 1, 0, 62);
  const double ceiling = std::min(static_cast<double>(base.count()) * static_cast<double>(1ULL << exponent),
                                  static_cast<double>(config_.max_backoff.count()));
  // Full jitter: anywhere in [0, ceiling), so that clients failing together do not retry together.
  const double delay = random_.uniform01() * ceiling;
  return std::chrono::milliseconds(static_cast<std::int64_t>(delay));
}

void RetryStrategy::on_success(int attempt) {
  std::lock_guard lock(mutex_);
  // The quota only refills through successes, so a long outage drains it and then stops retries
  // until the service answers again.
  const int refund = attempt <= 1 ? config_.no_retry_increment : last_cost_;
  quota_ = std::min(config_.initial_quota, quota_ + refund);
}

int RetryStrategy::quota_available() const {
  std::lock_guard lock(mutex_);
  return quota_;
}

}  // namespace kwb::aws
