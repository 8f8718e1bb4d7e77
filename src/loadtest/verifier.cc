#include "loadtest/verifier.h"

#include <algorithm>
#include <cmath>

#include "loadtest/envelope.h"

namespace kwb::loadtest {

namespace {

double to_ms(std::chrono::microseconds us) { return static_cast<double>(us.count()) / 1000.0; }

LatencySummary summarize(const kinesis::producer::LatencyHistogram& h) {
  LatencySummary s;
  s.count = h.count();
  s.p50_ms = to_ms(h.percentile(0.50));
  s.p90_ms = to_ms(h.percentile(0.90));
  s.p99_ms = to_ms(h.percentile(0.99));
  s.p999_ms = to_ms(h.percentile(0.999));
  s.max_ms = to_ms(h.max());
  return s;
}

}  // namespace

Verifier::Verifier(std::string run_id, SystemTimePoint start, double interval_s)
    : run_id_(std::move(run_id)), start_(start), interval_s_(interval_s) {}

Verifier::RecordState& Verifier::state_locked(std::uint64_t seq) {
  if (seq >= records_.size()) records_.resize(std::max<std::size_t>(seq + 1, records_.size() * 3 / 2));
  return records_[seq];
}

Verifier::Bucket& Verifier::bucket_locked(SystemTimePoint at) {
  const double t = std::chrono::duration<double>(at - start_).count();
  // Events a moment before the start (clock granularity) count in the first interval.
  const auto index = static_cast<std::size_t>(std::max(0.0, std::floor(t / interval_s_)));
  while (buckets_.size() <= index) buckets_.emplace_back();
  return buckets_[index];
}

void Verifier::on_sent(std::uint64_t seq, std::size_t /*bytes*/, SystemTimePoint at) {
  std::lock_guard lock(mutex_);
  (void)state_locked(seq);
  ++sent_;
  ++bucket_locked(at).sent;
}

void Verifier::on_acked(std::uint64_t seq, std::size_t bytes, SystemTimePoint sent_at, SystemTimePoint at) {
  std::lock_guard lock(mutex_);
  RecordState& state = state_locked(seq);
  if (state.flags & kAcked) return;  // an outcome is delivered once; be safe anyway
  state.flags |= kAcked;
  ++acked_;
  acked_bytes_ += bytes;
  Bucket& bucket = bucket_locked(at);
  ++bucket.acked;
  bucket.acked_bytes += bytes;
  ack_latency_.record(at - sent_at);
  if (state.reads == 0) {
    ++acked_unread_;
    ack_queue_.emplace_back(at, seq);
  }
}

void Verifier::on_failed(std::uint64_t seq, const std::string& code, bool expired, SystemTimePoint at) {
  std::lock_guard lock(mutex_);
  RecordState& state = state_locked(seq);
  state.flags |= kFailed;
  ++failed_;
  if (expired) ++expired_;
  ++failure_codes_[code.empty() ? "unknown" : code];
  ++bucket_locked(at).failed;
}

std::uint32_t Verifier::shard_index_locked(const ShardId& shard) {
  auto [it, inserted] = shard_index_.try_emplace(shard, static_cast<std::uint32_t>(shard_ids_.size()));
  if (inserted) {
    shard_ids_.push_back(shard);
    shard_parents_.emplace_back();
  }
  return it->second;
}

void Verifier::set_lineage(const std::vector<kinesis::Shard>& shards) {
  std::lock_guard lock(mutex_);
  for (const kinesis::Shard& shard : shards) {
    const std::uint32_t child = shard_index_locked(shard.shard_id);
    std::vector<std::uint32_t> parents;
    if (shard.parent_shard_id) parents.push_back(shard_index_locked(*shard.parent_shard_id));
    if (shard.adjacent_parent_shard_id) parents.push_back(shard_index_locked(*shard.adjacent_parent_shard_id));
    shard_parents_[child] = std::move(parents);
  }
}

std::uint64_t Verifier::lineage_violations_locked() const {
  // Ancestors of every shard (parents, transitively). Lineage is a DAG of a handful of shards per
  // resharding, so a walk per shard is cheap.
  const std::size_t n = shard_ids_.size();
  std::vector<std::vector<bool>> ancestor(n, std::vector<bool>(n, false));  // ancestor[d][a]
  for (std::size_t d = 0; d < n; ++d) {
    std::vector<std::uint32_t> stack(shard_parents_[d].begin(), shard_parents_[d].end());
    while (!stack.empty()) {
      const std::uint32_t a = stack.back();
      stack.pop_back();
      if (a == d || ancestor[d][a]) continue;  // a malformed listing with a cycle ends here
      ancestor[d][a] = true;
      stack.insert(stack.end(), shard_parents_[a].begin(), shard_parents_[a].end());
    }
  }
  std::uint64_t violations = 0;
  for (const auto& [key, spans] : key_spans_) {
    if (spans.size() < 2) continue;
    for (const KeySpan& older : spans) {
      for (const KeySpan& newer : spans) {
        // Everything in an ancestor precedes everything in its descendant.
        if (ancestor[newer.shard][older.shard] && older.max_seq > newer.min_seq) ++violations;
      }
    }
  }
  return violations;
}

void Verifier::on_read(std::string_view data, std::string_view partition_key, const ShardId& shard,
                       SystemTimePoint at) {
  std::optional<Envelope> envelope = decode(data);
  std::lock_guard lock(mutex_);
  if (!envelope || envelope->run_id != run_id_) {
    ++foreign_;
    return;
  }
  RecordState& state = state_locked(envelope->seq);
  if (state.reads > 0) {
    ++duplicates_;
    if (state.reads < 255) ++state.reads;
    return;
  }
  state.reads = 1;
  ++read_;
  if (state.flags & kAcked) --acked_unread_;
  const auto latency = at - from_epoch_us(envelope->send_us);
  latency_.record(latency);
  Bucket& bucket = bucket_locked(at);
  ++bucket.read;
  bucket.latency.record(latency);

  std::string key = std::to_string(envelope->producer);
  key += '/';
  key += partition_key;
  const std::uint32_t shard_index = shard_index_locked(shard);
  std::vector<KeySpan>& spans = key_spans_[std::move(key)];
  auto span = std::find_if(spans.begin(), spans.end(), [&](const KeySpan& s) { return s.shard == shard_index; });
  if (span == spans.end()) {
    spans.push_back(KeySpan{shard_index, envelope->seq, envelope->seq});
    return;
  }
  // Within one shard, read order is the shard's order.
  if (envelope->seq < span->max_seq) ++order_violations_;
  span->max_seq = std::max(span->max_seq, envelope->seq);
  span->min_seq = std::min(span->min_seq, envelope->seq);
}

void Verifier::on_producer_sample(std::uint64_t throttled_total, std::uint64_t retried_total, SystemTimePoint at) {
  std::lock_guard lock(mutex_);
  Bucket& bucket = bucket_locked(at);
  if (throttled_total > last_throttled_) bucket.throttled += throttled_total - last_throttled_;
  if (retried_total > last_retried_) bucket.retried += retried_total - last_retried_;
  last_throttled_ = std::max(last_throttled_, throttled_total);
  last_retried_ = std::max(last_retried_, retried_total);
}

std::uint64_t Verifier::acked_unread() const {
  std::lock_guard lock(mutex_);
  return acked_unread_;
}

VerifierSnapshot Verifier::snapshot(SystemTimePoint now, std::chrono::milliseconds grace) {
  std::lock_guard lock(mutex_);
  // Drop the read records from the front of the ack queue; what stays at the front past the grace
  // period is overdue. Scanning stops at the first record still inside the grace period.
  while (!ack_queue_.empty() && records_[ack_queue_.front().second].reads > 0) ack_queue_.pop_front();
  VerifierSnapshot s;
  for (const auto& [acked_at, seq] : ack_queue_) {
    if (acked_at + grace > now) break;
    if (records_[seq].reads == 0) ++s.overdue;
  }
  s.sent = sent_;
  s.acked = acked_;
  s.failed = failed_;
  s.read = read_;
  s.unread = acked_unread_;
  s.duplicates = duplicates_;
  s.order_violations = order_violations_ + lineage_violations_locked();
  s.throttled = last_throttled_;
  s.p99_ms = to_ms(latency_.percentile(0.99));
  const double t = std::chrono::duration<double>(now - start_).count();
  const auto current = static_cast<std::size_t>(std::max(0.0, std::floor(t / interval_s_)));
  if (current >= 1 && current - 1 < buckets_.size()) {
    s.recent_read_rps = static_cast<double>(buckets_[current - 1].read) / interval_s_;
  }
  return s;
}

void Verifier::finish(Report& report, const std::function<double(double)>& target, double run_s) const {
  std::lock_guard lock(mutex_);
  report.interval_s = interval_s_;
  report.sent = sent_;
  report.acked = acked_;
  report.failed = failed_;
  report.expired = expired_;
  report.read = read_;
  report.duplicates = duplicates_;
  report.order_violations = order_violations_ + lineage_violations_locked();
  report.foreign = foreign_;
  report.failure_codes = failure_codes_;
  report.throttled = last_throttled_;
  report.retried = last_retried_;
  std::uint64_t lost = 0;
  std::uint64_t unacked_read = 0;
  for (const RecordState& r : records_) {
    if ((r.flags & kAcked) && r.reads == 0) ++lost;
    if (!(r.flags & kAcked) && r.reads > 0) ++unacked_read;
  }
  report.lost = lost;
  report.unacked_read = unacked_read;
  report.latency = summarize(latency_);
  report.ack_latency = summarize(ack_latency_);

  std::uint64_t acked_in_run = 0;
  std::uint64_t bytes_in_run = 0;
  report.series.clear();
  const auto intervals =
      std::max<std::size_t>(buckets_.size(), static_cast<std::size_t>(std::ceil(run_s / interval_s_ - 1e-9)));
  static const Bucket kEmpty{};
  for (std::size_t i = 0; i < intervals; ++i) {
    const Bucket& b = i < buckets_.size() ? buckets_[i] : kEmpty;
    const double t = static_cast<double>(i) * interval_s_;
    if (t + 1e-9 < run_s) {
      acked_in_run += b.acked;
      bytes_in_run += b.acked_bytes;
    }
    SeriesPoint p;
    p.t_s = t;
    p.target_rps = target ? target(t + interval_s_ / 2) : 0;
    p.sent_rps = static_cast<double>(b.sent) / interval_s_;
    p.achieved_rps = static_cast<double>(b.acked) / interval_s_;
    p.achieved_mb_s = static_cast<double>(b.acked_bytes) / interval_s_ / 1e6;
    p.read_rps = static_cast<double>(b.read) / interval_s_;
    p.p50_ms = to_ms(b.latency.percentile(0.50));
    p.p90_ms = to_ms(b.latency.percentile(0.90));
    p.p99_ms = to_ms(b.latency.percentile(0.99));
    p.max_ms = to_ms(b.latency.max());
    p.throttled = b.throttled;
    p.retried = b.retried;
    p.failed = b.failed;
    report.series.push_back(p);
  }
  if (run_s > 0) {
    report.achieved_rps = static_cast<double>(acked_in_run) / run_s;
    report.achieved_mb_s = static_cast<double>(bytes_in_run) / run_s / 1e6;
  }
}

}  // namespace kwb::loadtest
