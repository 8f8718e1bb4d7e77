#pragma once
// Test helpers for the producer: shard lists, a ShardMap, and a scripted PutRecords answerer that
// routes by the *true* shard map (which a test may change to simulate a resharding) and fails the
// entries a test's rule picks.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kinesis/model.h"
#include "kinesis/producer/pipeline.h"
#include "kinesis/shard_map.h"

namespace kwb::kinesis::producer::testing {

// n open shards splitting the hash space evenly, ids "shardId-00000000000<first+i>".
inline std::vector<Shard> even_shards(int n, int first = 0) {
  std::vector<Shard> shards;
  const HashKey max = HashKey::max();
  for (int i = 0; i < n; ++i) {
    // Split on the top 64 bits, which is exact enough for tests.
    const std::uint64_t step = ~std::uint64_t{0} / static_cast<std::uint64_t>(n);
    HashKey start(step * static_cast<std::uint64_t>(i), 0);
    HashKey end = i == n - 1 ? max : HashKey(step * static_cast<std::uint64_t>(i + 1) - 1, ~std::uint64_t{0});
    Shard shard;
    shard.shard_id = ShardId("shardId-" + std::string(11 - std::to_string(first + i).size(), '0') +
                             std::to_string(first + i));
    shard.hash_key_range = {start.to_decimal(), end.to_decimal()};
    shard.sequence_number_range.starting_sequence_number = "0";
    shards.push_back(shard);
  }
  return shards;
}

inline ShardMap map_of(const std::vector<Shard>& shards) { return *ShardMap::build(shards); }

// Failure rule: given (record id, attempt number 1-based, entry), an error code to fail it with.
using FailRule = std::function<std::optional<std::string>(RecordId, int, const PutRecordsEntry&)>;

class FakeStream {
 public:
  explicit FakeStream(std::vector<Shard> shards) : map_(map_of(shards)), shards_(std::move(shards)) {}
  void reshard(std::vector<Shard> shards) {
    map_ = map_of(shards);
    shards_ = std::move(shards);
  }
  const std::vector<Shard>& shards() const { return shards_; }

  PutRecordsResponse answer(const Batch& batch, const FailRule& fail = nullptr) {
    PutRecordsResponse response;
    for (std::size_t i = 0; i < batch.request.records.size(); ++i) {
      const PutRecordsEntry& entry = batch.request.records[i];
      const RecordId id = batch.record_ids[i];
      const int attempt = ++attempts_[id];
      PutRecordsResultEntry result;
      std::optional<std::string> code = fail ? fail(id, attempt, entry) : std::nullopt;
      if (code) {
        result.error_code = *code;
        result.error_message = "injected " + *code;
        ++response.failed_record_count;
      } else {
        const ShardId shard = *map_.shard_for(entry.partition_key, entry.explicit_hash_key);
        result.shard_id = shard;
        result.sequence_number = std::to_string(++sequence_);
        written_[shard].push_back(entry);
        ++writes_[id];
      }
      response.records.push_back(result);
    }
    return response;
  }

  // Every entry written, per shard, in write order.
  const std::map<ShardId, std::vector<PutRecordsEntry>>& written() const { return written_; }
  int writes(RecordId id) const { auto it = writes_.find(id); return it == writes_.end() ? 0 : it->second; }

 private:
  ShardMap map_;
  std::vector<Shard> shards_;
  std::map<RecordId, int> attempts_;
  std::map<RecordId, int> writes_;
  std::map<ShardId, std::vector<PutRecordsEntry>> written_;
  std::uint64_t sequence_ = 0;
};

}  // namespace kwb::kinesis::producer::testing
