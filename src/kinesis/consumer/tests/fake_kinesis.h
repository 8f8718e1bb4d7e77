#pragma once
// A scripted in-memory stream for consumer tests: shards with records, closed shards with
// children, iterators "<shard>|<index>", and injected faults (expired iterators, throttling).
// Logs every call with the time a test-provided function reports, to check pacing and order.

#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "aws/error_table.h"
#include "kinesis/consumer/consumer.h"

namespace kwb::kinesis::consumer::testing {

class FakeKinesis final : public ConsumerBackend {
 public:
  struct Call {
    std::string op;
    ShardId shard;
    Instant at;
    std::string detail;
  };

  explicit FakeKinesis(std::function<Instant()> now, std::function<void()> on_get_records = nullptr)
      : now_(std::move(now)), on_get_records_(std::move(on_get_records)) {}

  // Adds a shard; parents name existing shards. A closed shard's children are derived from the
  // shards that name it as parent.
  void add_shard(const std::string& id, int records, bool closed, std::vector<std::string> parents = {},
                 std::string start_key = "0", std::string end_key = "340282366920938463463374607431768211455") {
    std::lock_guard lock(mutex_);
    FakeShard& shard = shards_[ShardId(id)];
    shard.info.shard_id = ShardId(id);
    if (!parents.empty()) shard.info.parent_shard_id = ShardId(parents[0]);
    if (parents.size() > 1) shard.info.adjacent_parent_shard_id = ShardId(parents[1]);
    shard.info.hash_key_range = {start_key, end_key};
    for (int i = 0; i < records; ++i) append_locked(shard);
    shard.closed = closed;
    update_ranges_locked();
  }
  void append(const std::string& id, int records) {
    std::lock_guard lock(mutex_);
    for (int i = 0; i < records; ++i) append_locked(shards_.at(ShardId(id)));
  }
  void close(const std::string& id) {
    std::lock_guard lock(mutex_);
    shards_.at(ShardId(id)).closed = true;
    update_ranges_locked();
  }
  void expire_next(const std::string& id, int n = 1) { std::lock_guard lock(mutex_); expire_[ShardId(id)] += n; }
  void throttle_next(const std::string& id, int n) { std::lock_guard lock(mutex_); throttle_[ShardId(id)] += n; }
  void set_page_size(int n) { std::lock_guard lock(mutex_); page_ = n; }
  void send_child_shards(bool on) { std::lock_guard lock(mutex_); child_shards_ = on; }

  std::vector<Call> calls() const { std::lock_guard lock(mutex_); return calls_; }
  std::size_t total_records() const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& [id, s] : shards_) n += s.records.size();
    return n;
  }

  Result<std::vector<Shard>> list_shards(const StreamRef&) override {
    std::lock_guard lock(mutex_);
    calls_.push_back({"ListShards", ShardId(), now_(), ""});
    std::vector<Shard> out;
    for (const auto& [id, s] : shards_) out.push_back(s.info);
    return out;
  }

  Result<GetShardIteratorResponse> get_shard_iterator(const GetShardIteratorRequest& request) override {
    std::lock_guard lock(mutex_);
    calls_.push_back({"GetShardIterator", request.shard_id, now_(), std::string(to_string(request.type)) +
                                                                        (request.starting_sequence_number ? " " + *request.starting_sequence_number : "")});
    auto it = shards_.find(request.shard_id);
    if (it == shards_.end()) return aws::make_aws_error("ResourceNotFoundException", "no such shard", 400);
    const FakeShard& shard = it->second;
    std::size_t index = 0;
    switch (request.type) {
      case ShardIteratorType::kTrimHorizon: index = 0; break;
      case ShardIteratorType::kLatest: index = shard.records.size(); break;
      case ShardIteratorType::kAtTimestamp:
        while (index < shard.records.size() && *shard.records[index].approximate_arrival_timestamp < *request.timestamp) ++index;
        break;
      case ShardIteratorType::kAtSequenceNumber:
      case ShardIteratorType::kAfterSequenceNumber: {
        index = shard.records.size();
        for (std::size_t i = 0; i < shard.records.size(); ++i) {
          if (shard.records[i].sequence_number == *request.starting_sequence_number) index = i;
        }
        if (request.type == ShardIteratorType::kAfterSequenceNumber) ++index;
        break;
      }
    }
    return GetShardIteratorResponse{request.shard_id.str() + "|" + std::to_string(index)};
  }

  Result<GetRecordsResponse> get_records(const GetRecordsRequest& request) override {
    if (on_get_records_) on_get_records_();
    std::lock_guard lock(mutex_);
    const auto bar = request.shard_iterator.find('|');
    const ShardId id(request.shard_iterator.substr(0, bar));
    std::size_t index = std::stoul(request.shard_iterator.substr(bar + 1));
    calls_.push_back({"GetRecords", id, now_(), std::to_string(index)});
    if (expire_[id] > 0) {
      --expire_[id];
      return aws::make_aws_error("ExpiredIteratorException", "Iterator expired", 400);
    }
    if (throttle_[id] > 0) {
      --throttle_[id];
      return aws::make_aws_error("ProvisionedThroughputExceededException", "Rate exceeded for shard", 400);
    }
    const FakeShard& shard = shards_.at(id);
    GetRecordsResponse response;
    const std::size_t end = std::min(shard.records.size(), index + static_cast<std::size_t>(page_));
    for (std::size_t i = index; i < end; ++i) response.records.push_back(shard.records[i]);
    response.millis_behind_latest = static_cast<std::int64_t>(shard.records.size() - end);
    if (shard.closed && end == shard.records.size()) {
      if (child_shards_) {
        for (const auto& [cid, c] : shards_) {
          const bool child = (c.info.parent_shard_id && *c.info.parent_shard_id == id) ||
                             (c.info.adjacent_parent_shard_id && *c.info.adjacent_parent_shard_id == id);
          if (!child) continue;
          ChildShard cs{cid, {}, c.info.hash_key_range};
          if (c.info.parent_shard_id) cs.parent_shards.push_back(*c.info.parent_shard_id);
          if (c.info.adjacent_parent_shard_id) cs.parent_shards.push_back(*c.info.adjacent_parent_shard_id);
          response.child_shards.push_back(cs);
        }
      }
    } else {
      response.next_shard_iterator = id.str() + "|" + std::to_string(end);
    }
    return response;
  }

 private:
  struct FakeShard {
    Shard info;
    std::vector<Record> records;
    bool closed = false;
  };
  void append_locked(FakeShard& shard) {
    Record r;
    char seq[32];
    std::snprintf(seq, sizeof seq, "%020llu", static_cast<unsigned long long>(++sequence_));
    r.sequence_number = seq;
    r.partition_key = "k";
    r.data = shard.info.shard_id.str() + "#" + std::to_string(shard.records.size());
    r.approximate_arrival_timestamp = SystemTimePoint(std::chrono::seconds(1000 + sequence_));
    shard.records.push_back(r);
  }
  void update_ranges_locked() {
    for (auto& [id, s] : shards_) {
      s.info.sequence_number_range.starting_sequence_number = "0";
      if (s.closed) s.info.sequence_number_range.ending_sequence_number = "99999999999999999999";
      else s.info.sequence_number_range.ending_sequence_number.reset();
    }
  }

  std::function<Instant()> now_;
  std::function<void()> on_get_records_;
  mutable std::mutex mutex_;
  std::map<ShardId, FakeShard> shards_;
  std::map<ShardId, int> expire_;
  std::map<ShardId, int> throttle_;
  std::vector<Call> calls_;
  int page_ = 3;
  bool child_shards_ = true;
  std::uint64_t sequence_ = 0;
};

}  // namespace kwb::kinesis::consumer::testing
