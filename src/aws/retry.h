#pragma once
// The AWS SDK "standard" retry mode.
//
// - At most max_attempts attempts in all (default 3, AWS_MAX_ATTEMPTS).
// - Only errors whose kind is retryable (aws/error_table.h) are retried.
// - Delay before retry i (i = 1, 2, ...): random(0, 1) * min(base * 2^(i-1), 20 s) — exponential
//   backoff with full jitter, capped at 20 seconds. Base is 100 ms for transient errors and
//   1 s for throttling, as in the SDKs.
// - A retry quota shared by the whole session: a token bucket of 500; a retry costs 5 (10 after a
//   timeout); a successful call refunds what its retry took (or 1 when it needed no retry).
//   An empty bucket means no retry: in an outage, clients stop multiplying load.
//
// Randomness is injected, so tests know every delay. Thread-safe.

#include <chrono>
#include <mutex>
#include <optional>

#include "core/environment.h"
#include "core/random.h"
#include "core/result.h"

namespace kwb::aws {

struct RetryConfig {
  int max_attempts = 3;
  std::chrono::milliseconds base_delay{100};
  std::chrono::milliseconds throttling_base_delay{1000};
  std::chrono::milliseconds max_backoff{20000};
  int initial_quota = 500;
  int retry_cost = 5;
  int timeout_retry_cost = 10;
  int no_retry_increment = 1;
};

// AWS_MAX_ATTEMPTS when set and valid (1..100), else the default. kConfig error when malformed.
Result<RetryConfig> retry_config_from_env(const Environment& env);

class RetryStrategy {
 public:
  RetryStrategy(RetryConfig config, Random& random);

  // Called after failed attempt number `attempt` (1-based). Returns the delay to sleep before the
  // next attempt, or nullopt when the call must give up (not retryable, attempts exhausted, or the
  // quota is empty). Takes the retry's cost from the quota when it returns a delay.
  std::optional<std::chrono::milliseconds> on_failure(int attempt, const Error& error);
  // Called after a successful attempt; `attempt` is 1 when no retry was needed.
  void on_success(int attempt);

  [[nodiscard]] int quota_available() const;
  [[nodiscard]] const RetryConfig& config() const { return config_; }

 private:
  RetryConfig config_;
  Random& random_;
  mutable std::mutex mutex_;
  int quota_;          // GUARDED_BY(mutex_)
  int last_cost_ = 0;  // GUARDED_BY(mutex_): what the most recent retry took, refunded on success
};

}  // namespace kwb::aws
