#pragma once
// 128-bit hash keys, as Kinesis routes records: MD5(partition key) read as an unsigned big-endian
// 128-bit integer, or an ExplicitHashKey given in decimal. GCC's unsigned __int128 holds the whole
// key space [0, 2^128 - 1], so range checks are plain comparisons.
//
// Thread safety: free functions; md5_hash_key keeps a per-thread OpenSSL context.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kwb::emulator {

using HashKey = unsigned __int128;

inline constexpr HashKey kMaxHashKey = ~static_cast<HashKey>(0);

// Decimal text with no sign, no leading zeros (except "0") and at most 2^128 - 1; nullopt otherwise.
std::optional<HashKey> parse_hash_key(std::string_view text);
std::string format_hash_key(HashKey key);
// Appends the decimal digits to out (no allocation beyond out's growth).
void append_hash_key(std::string& out, HashKey key);

// The key Kinesis derives from a partition key.
HashKey md5_hash_key(std::string_view partition_key);

struct HashRange {
  HashKey start = 0;
  HashKey end = 0;  // inclusive
  bool operator==(const HashRange&) const = default;
};

// The n ranges AWS gives a new stream of n shards: shard i starts at floor(i * 2^128 / n).
// REQUIRES: n >= 1.
std::vector<HashRange> uniform_ranges(std::uint32_t n);

}  // namespace kwb::emulator
