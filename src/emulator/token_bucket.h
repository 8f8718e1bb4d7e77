#pragma once
// A token bucket on caller-supplied time, for the per-shard throughput limits.
//
// Time comes in as nanoseconds from the injected Clock's steady_now(), so unit tests drive it with a
// ManualClock. The bucket starts full: an idle shard accepts one full second (by default) of its
// rate at once, as AWS accepts a 500-record PutRecords on an idle shard. A rate of 0 or less means
// "unlimited" and every take succeeds.
//
// Thread safety: none; the owning shard's mutex guards it.

#include <algorithm>
#include <cstdint>

namespace kwb::emulator {

class TokenBucket {
 public:
  TokenBucket() = default;
  TokenBucket(double rate_per_second, double capacity, std::int64_t now_ns)
      : rate_per_ns_(rate_per_second / 1e9), capacity_(capacity), tokens_(capacity), last_ns_(now_ns) {}

  [[nodiscard]] bool unlimited() const { return rate_per_ns_ <= 0; }

  // Takes n tokens if that many are there; otherwise takes nothing and returns false.
  bool try_take(double n, std::int64_t now_ns) {
    if (unlimited()) return true;
    refill(now_ns);
    if (tokens_ < n) return false;
    tokens_ -= n;
    return true;
  }

  // True when the bucket is not in debt (some tokens left).
  bool positive(std::int64_t now_ns) {
    if (unlimited()) return true;
    refill(now_ns);
    return tokens_ > 0;
  }

  // Takes n tokens even if that leaves the bucket in debt: GetRecords may return more bytes than
  // the per-second rate, and the shard then refuses reads until the debt is paid off.
  void force_take(double n, std::int64_t now_ns) {
    if (unlimited()) return;
    refill(now_ns);
    tokens_ -= n;
  }

  // Gives tokens back (a multi-bucket take that failed half-way).
  void give_back(double n) {
    if (!unlimited()) tokens_ = std::min(capacity_, tokens_ + n);
  }

  [[nodiscard]] double tokens() const { return tokens_; }

 private:
  void refill(std::int64_t now_ns) {
    if (now_ns > last_ns_) {
      tokens_ = std::min(capacity_, tokens_ + static_cast<double>(now_ns - last_ns_) * rate_per_ns_);
      last_ns_ = now_ns;
    }
  }

  double rate_per_ns_ = 0;
  double capacity_ = 0;
  double tokens_ = 0;
  std::int64_t last_ns_ = 0;
};

}  // namespace kwb::emulator
