#include "emulator/record_log.h"

#include <algorithm>
#include <cstring>

namespace kwb::emulator {
namespace {
// Segments start small so that thousands of idle shards cost little, and double up to a size
// where the per-segment bookkeeping no longer matters.
constexpr std::uint32_t kFirstSegmentBytes = 64 * 1024;
constexpr std::uint32_t kMaxSegmentBytes = 8 * 1024 * 1024;
}  // namespace

MemoryRecordLog::MemoryRecordLog(std::uint64_t first_counter)
    : first_counter_(first_counter), next_counter_(first_counter) {}

std::uint64_t MemoryRecordLog::append(std::int64_t arrival_ms, std::string_view partition_key,
                                      std::string_view data) {
  const auto needed = static_cast<std::uint32_t>(partition_key.size() + data.size());
  if (segments_.empty() || segments_.back().capacity - segments_.back().used < needed) {
    std::uint32_t capacity = segments_.empty() ? kFirstSegmentBytes
                                               : std::min(kMaxSegmentBytes, segments_.back().capacity * 2);
    capacity = std::max(capacity, needed);
    Segment& segment = segments_.emplace_back();
    segment.first_counter = next_counter_;
    segment.bytes.reset(new char[capacity]);
    segment.capacity = capacity;
    segment.entries.reserve(capacity / 256);
    reserved_bytes_ += capacity;
  }
  Segment& segment = segments_.back();
  char* dst = segment.bytes.get() + segment.used;
  if (!partition_key.empty()) std::memcpy(dst, partition_key.data(), partition_key.size());
  if (!data.empty()) std::memcpy(dst + partition_key.size(), data.data(), data.size());
  segment.entries.push_back(IndexEntry{arrival_ms, segment.used, static_cast<std::uint32_t>(data.size()),
                                       static_cast<std::uint16_t>(partition_key.size())});
  segment.used += needed;
  stored_bytes_ += needed;
  last_arrival_ms_ = arrival_ms;
  return next_counter_++;
}

std::deque<MemoryRecordLog::Segment>::const_iterator MemoryRecordLog::segment_for(std::uint64_t counter) const {
  // Few segments (they double in size), so a binary search over their first counters is cheap.
  auto it = std::upper_bound(segments_.begin(), segments_.end(), counter,
                             [](std::uint64_t c, const Segment& s) { return c < s.first_counter; });
  return it - 1;
}

const MemoryRecordLog::IndexEntry& MemoryRecordLog::entry_for(std::uint64_t counter) const {
  auto it = segment_for(counter);
  return it->entries[counter - it->first_counter];
}

StoredRecord MemoryRecordLog::view(const Segment& segment, const IndexEntry& entry, std::uint64_t counter) const {
  const char* base = segment.bytes.get() + entry.offset;
  return StoredRecord{counter, entry.arrival_ms, std::string_view(base, entry.key_size),
                      std::string_view(base + entry.key_size, entry.data_size)};
}

std::uint64_t MemoryRecordLog::read(std::uint64_t from, std::size_t max_records, std::size_t max_bytes,
                                    std::vector<StoredRecord>& out) const {
  std::uint64_t counter = std::max(from, first_counter_);
  if (counter >= next_counter_ || max_records == 0) return counter;
  auto segment_it = segment_for(counter);
  std::size_t bytes = 0;
  std::size_t taken = 0;
  while (counter < next_counter_ && taken < max_records) {
    std::size_t index = counter - segment_it->first_counter;
    if (index >= segment_it->entries.size()) {
      ++segment_it;
      continue;
    }
    const IndexEntry& e = segment_it->entries[index];
    const std::size_t size = e.key_size + e.data_size;
    if (taken > 0 && bytes + size > max_bytes) break;
    out.push_back(view(*segment_it, e, counter));
    bytes += size;
    ++taken;
    ++counter;
  }
  return counter;
}

std::uint64_t MemoryRecordLog::find_by_time(std::int64_t time_ms) const {
  // Arrival times never decrease, so the first record at or after time_ms is found by bisection
  // over counters.
  std::uint64_t lo = first_counter_, hi = next_counter_;
  while (lo < hi) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    if (entry_for(mid).arrival_ms < time_ms) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

std::int64_t MemoryRecordLog::arrival_of(std::uint64_t counter) const {
  if (counter < first_counter_ || counter >= next_counter_) return -1;
  return entry_for(counter).arrival_ms;
}

void MemoryRecordLog::trim_before(std::int64_t cutoff_ms) {
  while (first_counter_ < next_counter_) {
    Segment& front = segments_.front();
    const std::size_t index = first_counter_ - front.first_counter;
    if (index >= front.entries.size()) {
      // Every record of the front segment is gone: give its memory back.
      reserved_bytes_ -= front.capacity;
      segments_.pop_front();
      continue;
    }
    // Skip quickly over a whole expired segment.
    const IndexEntry& last = front.entries.back();
    if (last.arrival_ms < cutoff_ms && segments_.size() > 1) {
      stored_bytes_ -= front.used - front.entries[index].offset;
      first_counter_ = front.first_counter + front.entries.size();
      continue;
    }
    const IndexEntry& entry = front.entries[index];
    if (entry.arrival_ms >= cutoff_ms) break;
    stored_bytes_ -= entry.key_size + entry.data_size;
    ++first_counter_;
  }
  // The last segment stays allocated even when emptied by trimming: the next append reuses it.
}

}  // namespace kwb::emulator
