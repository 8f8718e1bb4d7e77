#pragma once
// Records as Kinesis JSON objects ({"SequenceNumber", "ApproximateArrivalTimestamp", "Data",
// "PartitionKey"[, "EncryptionType"]}), written straight from the shard while its lock is held.
// GetRecords and SubscribeToShard's events share it.
//
// Thread safety: one sink per call; not shared.

#include <cstdint>

#include "emulator/engine.h"
#include "emulator/hash_key.h"
#include "emulator/json_writer.h"
#include "emulator/sequence.h"

namespace kwb::emulator {

class JsonRecordSink final : public RecordSink {
 public:
  JsonRecordSink(JsonWriter& json, bool encrypted) : json_(json), encrypted_(encrypted) {}
  // Up to 10,000 records per call: each is appended as one literal-framed object, and the 56-digit
  // sequence number is formatted in full once (a call reads one shard) and then only its counter.
  void record(const StoredRecord& record, const SequenceParts& sequence) override {
    if (!sequence_ready_ || sequence.shard_index != sequence_shard_ || sequence.shard_created_ms != sequence_created_) {
      write_sequence(sequence_digits_, sequence);
      sequence_shard_ = sequence.shard_index;
      sequence_created_ = sequence.shard_created_ms;
      sequence_ready_ = true;
    } else {
      write_sequence_counter(sequence_digits_ + kSequenceCounterOffset, sequence.counter);
    }
    std::string& out = json_.raw_value();
    out.append(R"({"SequenceNumber":")");
    out.append(sequence_digits_, kSequenceDigits);
    out.append(R"(","ApproximateArrivalTimestamp":)");
    JsonWriter(out).timestamp_ms(record.arrival_ms);
    out.append(R"(,"Data":")");
    append_base64(out, record.data);
    out.append(R"(","PartitionKey":)");
    JsonWriter(out).string(record.partition_key);
    if (encrypted_) out.append(R"(,"EncryptionType":"KMS")");
    out.push_back('}');
    last_arrival_ms = record.arrival_ms;
  }

  std::int64_t last_arrival_ms = -1;  // of the last record returned (iterator age), -1 when none

 private:
  JsonWriter& json_;
  bool encrypted_;
  char sequence_digits_[kSequenceDigits];
  bool sequence_ready_ = false;
  std::uint32_t sequence_shard_ = 0;
  std::int64_t sequence_created_ = 0;
};

// "HashKeyRange": {"StartingHashKey": "...", "EndingHashKey": "..."} as a member of the open object.
inline void write_hash_range(JsonWriter& json, const HashRange& range) {
  json.key("HashKeyRange");
  json.begin_object();
  std::string text;
  append_hash_key(text, range.start);
  json.key("StartingHashKey");
  json.raw_string(text);
  text.clear();
  append_hash_key(text, range.end);
  json.key("EndingHashKey");
  json.raw_string(text);
  json.end_object();
}

// "ChildShards": [...] as a member of the open object (GetRecords, SubscribeToShardEvent).
inline void write_child_shards(JsonWriter& json, const std::vector<ChildShard>& children) {
  json.key("ChildShards");
  json.begin_array();
  for (const auto& child : children) {
    json.begin_object();
    json.field("ShardId", child.shard_id);
    json.key("ParentShards");
    json.begin_array();
    for (const auto& parent : child.parents) json.string(parent);
    json.end_array();
    write_hash_range(json, child.range);
    json.end_object();
  }
  json.end_array();
}

}  // namespace kwb::emulator
