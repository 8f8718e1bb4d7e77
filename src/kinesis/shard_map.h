#pragma once
// Which shard a record goes to, computed the way Kinesis does it.
//
// Kinesis routes a record by a 128-bit hash key: the MD5 digest of the partition key read as a
// big-endian unsigned integer, unless the producer sets ExplicitHashKey (a decimal integer).
// Each open shard owns an inclusive HashKeyRange; the open shards' ranges tile 0 .. 2^128-1.
// A producer that knows the map can batch per shard and apply per-shard rate limits before AWS
// rejects anything. The write-up is in docs/kinesis.md ("Hash-key routing").

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/named_type.h"
#include "core/result.h"
#include "kinesis/model.h"

namespace kwb::kinesis {

// An unsigned 128-bit integer, comparable, convertible to and from AWS's decimal strings.
// A value type; thread-safe as any const value.
class HashKey {
 public:
  constexpr HashKey() = default;
  constexpr HashKey(std::uint64_t high, std::uint64_t low) : high_(high), low_(low) {}

  // Decimal digits only, no sign, no spaces; kInvalidInput (field as given) when out of range.
  static Result<HashKey> parse_decimal(std::string_view text, const std::string& field = "HashKey");
  // The 16 raw bytes of a digest, big-endian. REQUIRES: digest.size() == 16.
  static HashKey from_big_endian(std::string_view digest);
  // MD5(partition_key) as Kinesis computes it.
  static HashKey for_partition_key(std::string_view partition_key);
  static constexpr HashKey max() { return HashKey(~std::uint64_t{0}, ~std::uint64_t{0}); }

  [[nodiscard]] std::string to_decimal() const;
  [[nodiscard]] std::uint64_t high() const { return high_; }
  [[nodiscard]] std::uint64_t low() const { return low_; }
  auto operator<=>(const HashKey&) const = default;

 private:
  std::uint64_t high_ = 0;
  std::uint64_t low_ = 0;
};

// The open shards of a stream, sorted by range, for routing.
//
// Built from a shard list (ListShards / DescribeStream); closed shards are ignored. Immutable after
// build(), so concurrent lookups are safe; rebuild it after a resharding.
class ShardMap {
 public:
  struct Entry {
    ShardId shard_id;
    HashKey start;  // inclusive
    HashKey end;    // inclusive
  };

  // kParse when a hash key is not a valid 128-bit decimal or a range is inverted.
  // Gaps and overlaps are accepted (a listing taken mid-resharding can show both); lookups that
  // fall into a gap fail with kNotFound.
  static Result<ShardMap> build(const std::vector<Shard>& shards);

  // The shard for a record with this partition key (and optional ExplicitHashKey, which wins).
  [[nodiscard]] Result<ShardId> shard_for(std::string_view partition_key,
                                          const std::optional<std::string>& explicit_hash_key = std::nullopt) const;
  [[nodiscard]] Result<ShardId> shard_for_hash_key(const HashKey& key) const;

  [[nodiscard]] const std::vector<Entry>& entries() const { return entries_; }
  [[nodiscard]] std::size_t size() const { return entries_.size(); }

 private:
  std::vector<Entry> entries_;  // sorted by start
};

}  // namespace kwb::kinesis
