#include "kinesis/producer/types.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace kwb::kinesis::producer {

// Layout: group g holds values whose top set bit is at position g + kSubBits - 1 (g = 0 holds
// 0..31 exactly). Index = g * 32 + (value >> g); for g >= 1 the second term is in [16, 32), so the
// relative bucket width is at most 1/16.
std::size_t LatencyHistogram::index_of(std::uint64_t us) {
  if (us < (1u << kSubBits)) return static_cast<std::size_t>(us);
  const int msb = 63 - std::countl_zero(us);
  const int group = msb - (kSubBits - 1);
  return static_cast<std::size_t>(group) * (1u << kSubBits) + static_cast<std::size_t>(us >> group);
}

std::uint64_t LatencyHistogram::upper_edge(std::size_t index) {
  const std::size_t group = index >> kSubBits;
  const std::uint64_t sub = index & ((1u << kSubBits) - 1);
  if (group == 0) return sub;
  return ((sub + 1) << group) - 1;
}

void LatencyHistogram::record(std::chrono::nanoseconds latency) {
  const auto us = static_cast<std::uint64_t>(
      std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::microseconds>(latency).count()));
  ++buckets_[index_of(us)];
  ++count_;
  max_us_ = std::max(max_us_, us);
}

std::chrono::microseconds LatencyHistogram::percentile(double q) const {
  if (count_ == 0) return std::chrono::microseconds(0);
  q = std::clamp(q, 0.0, 1.0);
  const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= rank) return std::chrono::microseconds(std::min(upper_edge(i), max_us_));
  }
  return std::chrono::microseconds(max_us_);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  max_us_ = std::max(max_us_, other.max_us_);
}

}  // namespace kwb::kinesis::producer
