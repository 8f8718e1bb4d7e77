#include "kinesis/shard_map.h"

#include <algorithm>

#include "core/crypto.h"

namespace kwb::kinesis {

namespace {
// GCC and Clang both provide a 128-bit integer; it stays inside this file so the public type is
// plain standard C++.
__extension__ using U128 = unsigned __int128;

U128 to_u128(const HashKey& key) { return (static_cast<U128>(key.high()) << 64) | key.low(); }
HashKey from_u128(U128 value) {
  return HashKey(static_cast<std::uint64_t>(value >> 64), static_cast<std::uint64_t>(value));
}
}  // namespace

Result<HashKey> HashKey::parse_decimal(std::string_view text, const std::string& field) {
  if (text.empty()) return Error::invalid_input(field, field + " must not be empty");
  if (text.size() > 39) return Error::invalid_input(field, field + " is larger than 2^128 - 1");
  const U128 max = ~static_cast<U128>(0);
  U128 value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return Error::invalid_input(field, field + " must be a decimal integer");
    unsigned digit = static_cast<unsigned>(c - '0');
    // value * 10 + digit must not exceed max.
    if (value > (max - digit) / 10) return Error::invalid_input(field, field + " is larger than 2^128 - 1");
    value = value * 10 + digit;
  }
  return from_u128(value);
}

HashKey HashKey::from_big_endian(std::string_view digest) {
  U128 value = 0;
  for (std::size_t i = 0; i < 16 && i < digest.size(); ++i) {
    value = (value << 8) | static_cast<unsigned char>(digest[i]);
  }
  return from_u128(value);
}

HashKey HashKey::for_partition_key(std::string_view partition_key) { return from_big_endian(md5(partition_key)); }

std::string HashKey::to_decimal() const {
  U128 value = to_u128(*this);
  if (value == 0) return "0";
  std::string digits;
  while (value != 0) {
    digits.push_back(static_cast<char>('0' + static_cast<int>(value % 10)));
    value /= 10;
  }
  std::reverse(digits.begin(), digits.end());
  return digits;
}

Result<ShardMap> ShardMap::build(const std::vector<Shard>& shards) {
  ShardMap map;
  for (const Shard& shard : shards) {
    if (!shard.is_open()) continue;
    auto start = HashKey::parse_decimal(shard.hash_key_range.starting_hash_key, "StartingHashKey");
    auto end = HashKey::parse_decimal(shard.hash_key_range.ending_hash_key, "EndingHashKey");
    if (!start || !end) {
      return Error::parse("shard " + shard.shard_id.str() + " has a malformed HashKeyRange");
    }
    if (*end < *start) return Error::parse("shard " + shard.shard_id.str() + " has an inverted HashKeyRange");
    map.entries_.push_back(Entry{shard.shard_id, *start, *end});
  }
  std::sort(map.entries_.begin(), map.entries_.end(),
            [](const Entry& a, const Entry& b) { return a.start < b.start; });
  return map;
}

Result<ShardId> ShardMap::shard_for(std::string_view partition_key,
                                    const std::optional<std::string>& explicit_hash_key) const {
  if (explicit_hash_key) {
    auto key = HashKey::parse_decimal(*explicit_hash_key, "ExplicitHashKey");
    if (!key) return key.error();
    return shard_for_hash_key(*key);
  }
  return shard_for_hash_key(HashKey::for_partition_key(partition_key));
}

Result<ShardId> ShardMap::shard_for_hash_key(const HashKey& key) const {
  // The last entry whose start is <= key is the only candidate (entries are sorted by start).
  auto it = std::upper_bound(entries_.begin(), entries_.end(), key,
                             [](const HashKey& k, const Entry& e) { return k < e.start; });
  if (it != entries_.begin()) {
    --it;
    if (key <= it->end) return it->shard_id;
  }
  return Error::not_found("no open shard covers hash key " + key.to_decimal());
}

}  // namespace kwb::kinesis
