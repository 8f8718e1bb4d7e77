// Hash-key routing checked against MD5 values written out as hex literals. The expected decimal
// hash keys are computed here by schoolbook base conversion on digit strings, independently of
// HashKey's 128-bit arithmetic.

#include "kinesis/shard_map.h"

#include <gtest/gtest.h>

namespace kwb::kinesis {
namespace {

// Hex digits -> decimal digits, by repeated "multiply by 16, add digit" on a decimal string.
std::string hex_to_decimal(const std::string& hex) {
  std::string decimal = "0";
  for (char h : hex) {
    int digit = (h >= '0' && h <= '9') ? h - '0' : (h - 'a' + 10);
    int carry = digit;
    for (auto it = decimal.rbegin(); it != decimal.rend(); ++it) {
      int value = (*it - '0') * 16 + carry;
      *it = static_cast<char>('0' + value % 10);
      carry = value / 10;
    }
    while (carry > 0) {
      decimal.insert(decimal.begin(), static_cast<char>('0' + carry % 10));
      carry /= 10;
    }
  }
  auto first = decimal.find_first_not_of('0');
  return first == std::string::npos ? "0" : decimal.substr(first);
}

Shard open_shard(const std::string& id, const std::string& start, const std::string& end) {
  Shard shard;
  shard.shard_id = ShardId(id);
  shard.hash_key_range = {start, end};
  shard.sequence_number_range.starting_sequence_number = "1";
  return shard;
}

// Well-known MD5 digests (RFC 1321 test suite and common values).
struct Md5Case {
  const char* input;
  const char* hex;
};
constexpr Md5Case kCases[] = {
    {"", "d41d8cd98f00b204e9800998ecf8427e"},
    {"a", "0cc175b9c0f1b6a831c399e269772661"},
    {"abc", "900150983cd24fb0d6963f7d28e17f72"},
    {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
    {"b", "92eb5ffee6ae2fec3ad71c777531578f"},
};

TEST(HashKeyTest, PartitionKeyHashIsBigEndianMd5) {
  for (const auto& c : kCases) {
    EXPECT_EQ(HashKey::for_partition_key(c.input).to_decimal(), hex_to_decimal(c.hex)) << "'" << c.input << "'";
  }
}

TEST(HashKeyTest, DecimalRoundTripAndLimits) {
  const std::string max = hex_to_decimal("ffffffffffffffffffffffffffffffff");
  auto parsed = HashKey::parse_decimal(max);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, HashKey::max());
  EXPECT_EQ(parsed->to_decimal(), max);
  EXPECT_FALSE(HashKey::parse_decimal("340282366920938463463374607431768211456").ok());
  EXPECT_FALSE(HashKey::parse_decimal("-1").ok());
  EXPECT_EQ(HashKey::parse_decimal("0")->to_decimal(), "0");
  const std::string half = hex_to_decimal("80000000000000000000000000000000");
  EXPECT_EQ(*HashKey::parse_decimal(half), HashKey(std::uint64_t{1} << 63, 0));
  EXPECT_LT(*HashKey::parse_decimal("18446744073709551615"), *HashKey::parse_decimal("18446744073709551616"));
}

class ShardMapTest : public ::testing::Test {
 protected:
  // Two shards split at 2^127, as CreateStream makes them, plus a closed parent to be ignored.
  std::vector<Shard> shards() const {
    Shard closed = open_shard("shardId-000000000000", "0", hex_to_decimal("ffffffffffffffffffffffffffffffff"));
    closed.sequence_number_range.ending_sequence_number = "99";
    return {closed,
            open_shard("shardId-000000000002", hex_to_decimal("80000000000000000000000000000000"),
                       hex_to_decimal("ffffffffffffffffffffffffffffffff")),
            open_shard("shardId-000000000001", "0", hex_to_decimal("7fffffffffffffffffffffffffffffff"))};
  }
};

TEST_F(ShardMapTest, RoutesByMd5AndIgnoresClosedShards) {
  auto map = ShardMap::build(shards());
  ASSERT_TRUE(map.ok()) << map.error();
  EXPECT_EQ(map->size(), 2u);
  // MD5("a") starts 0x0c: low half. MD5("b") starts 0x92 and MD5("abc") 0x90: high half.
  EXPECT_EQ(*map->shard_for("a"), ShardId("shardId-000000000001"));
  EXPECT_EQ(*map->shard_for("b"), ShardId("shardId-000000000002"));
  EXPECT_EQ(*map->shard_for("abc"), ShardId("shardId-000000000002"));
  EXPECT_EQ(*map->shard_for(""), ShardId("shardId-000000000002"));  // 0xd4...
}

TEST_F(ShardMapTest, ExplicitHashKeyWins) {
  auto map = ShardMap::build(shards());
  ASSERT_TRUE(map.ok());
  EXPECT_EQ(*map->shard_for("b", std::string("0")), ShardId("shardId-000000000001"));
  // Range ends are inclusive.
  EXPECT_EQ(*map->shard_for("a", hex_to_decimal("7fffffffffffffffffffffffffffffff")), ShardId("shardId-000000000001"));
  EXPECT_EQ(*map->shard_for("a", hex_to_decimal("80000000000000000000000000000000")), ShardId("shardId-000000000002"));
  auto bad = map->shard_for("a", std::string("not-a-number"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "ExplicitHashKey");
}

TEST_F(ShardMapTest, GapIsNotFound) {
  auto map = ShardMap::build({open_shard("shardId-000000000001", "0", "100")});
  ASSERT_TRUE(map.ok());
  auto miss = map->shard_for_hash_key(HashKey(0, 101));
  ASSERT_FALSE(miss.ok());
  EXPECT_EQ(miss.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(*map->shard_for_hash_key(HashKey(0, 100)), ShardId("shardId-000000000001"));
}

TEST_F(ShardMapTest, MalformedRangeIsParseError) {
  auto map = ShardMap::build({open_shard("shardId-000000000001", "x", "100")});
  ASSERT_FALSE(map.ok());
  EXPECT_EQ(map.error().kind, ErrorKind::kParse);
  auto inverted = ShardMap::build({open_shard("shardId-000000000001", "100", "5")});
  ASSERT_FALSE(inverted.ok());
}

}  // namespace
}  // namespace kwb::kinesis
