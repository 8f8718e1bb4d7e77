// Wire codecs: hash keys, sequence numbers, iterators, base64 and the JSON writer.

#include <gtest/gtest.h>

#include "core/random.h"
#include "emulator/hash_key.h"
#include "emulator/iterator_codec.h"
#include "emulator/json_writer.h"
#include "emulator/sequence.h"

namespace kwb::emulator {
namespace {

TEST(HashKey, ParsesAndFormatsTheWholeRange) {
  const std::string max = "340282366920938463463374607431768211455";
  auto parsed = parse_hash_key(max);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, kMaxHashKey);
  EXPECT_EQ(format_hash_key(*parsed), max);
  EXPECT_EQ(format_hash_key(0), "0");
  EXPECT_FALSE(parse_hash_key("340282366920938463463374607431768211456").has_value());  // 2^128
  EXPECT_FALSE(parse_hash_key("01").has_value());
  EXPECT_FALSE(parse_hash_key("-1").has_value());
  EXPECT_FALSE(parse_hash_key("").has_value());
}

TEST(HashKey, Md5MatchesTheKnownDigest) {
  // md5("") = d41d8cd98f00b204e9800998ecf8427e
  const HashKey key = md5_hash_key("");
  EXPECT_EQ(static_cast<std::uint64_t>(key >> 64), 0xd41d8cd98f00b204ULL);
  EXPECT_EQ(static_cast<std::uint64_t>(key), 0xe9800998ecf8427eULL);
}

TEST(HashKey, Md5MatchesRfc1321VectorsAcrossBlocks) {
  // RFC 1321 appendix A.5: a one-block key and an 80-byte key that spans two blocks.
  const HashKey abc = md5_hash_key("abc");
  EXPECT_EQ(static_cast<std::uint64_t>(abc >> 64), 0x900150983cd24fb0ULL);
  EXPECT_EQ(static_cast<std::uint64_t>(abc), 0xd6963f7d28e17f72ULL);
  std::string digits;
  for (int i = 0; i < 8; ++i) digits += "1234567890";
  const HashKey long_key = md5_hash_key(digits);
  EXPECT_EQ(static_cast<std::uint64_t>(long_key >> 64), 0x57edf4a22be3c955ULL);
  EXPECT_EQ(static_cast<std::uint64_t>(long_key), 0xac49da2e2107b67aULL);
}

TEST(HashKey, UniformRangesMatchAwsSplitsAndTileTheSpace) {
  auto two = uniform_ranges(2);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(format_hash_key(two[0].end), "170141183460469231731687303715884105727");
  EXPECT_EQ(format_hash_key(two[1].start), "170141183460469231731687303715884105728");
  for (std::uint32_t n : {1u, 3u, 4u, 7u, 10u}) {
    auto ranges = uniform_ranges(n);
    ASSERT_EQ(ranges.size(), n);
    EXPECT_EQ(ranges.front().start, 0u);
    EXPECT_EQ(ranges.back().end, kMaxHashKey);
    for (std::uint32_t i = 1; i < n; ++i) EXPECT_EQ(ranges[i].start, ranges[i - 1].end + 1) << n;
  }
}

TEST(Sequence, RoundTripsAndOrdersByCounter) {
  const SequenceParts a{3, 1700000000123, 41};
  const SequenceParts b{3, 1700000000123, 42};
  const std::string sa = format_sequence(a), sb = format_sequence(b);
  EXPECT_EQ(sa.size(), kSequenceDigits);
  EXPECT_LT(sa, sb);
  EXPECT_EQ(parse_sequence(sa), a);
  EXPECT_FALSE(parse_sequence("123").has_value());
  std::string bad = sa;
  bad[30] = 'x';
  EXPECT_FALSE(parse_sequence(bad).has_value());
}

TEST(Iterator, RoundTripsAndRejectsTampering) {
  SeededRandom random(7);
  IteratorCodec codec(random);
  const IteratorState state{1700000000000, 1699999999000, 12, 99, "my-stream"};
  const std::string text = codec.encode(state);
  EXPECT_EQ(codec.decode(text), state);
  std::string edited = text;
  edited[10] = edited[10] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(codec.decode(edited).has_value());
  EXPECT_FALSE(codec.decode("not an iterator").has_value());
  SeededRandom other_seed(8);
  IteratorCodec other(other_seed);
  EXPECT_FALSE(other.decode(text).has_value());
}

TEST(Sequence, PadsEveryFieldAndPatchesTheCounterInPlace) {
  const SequenceParts widest{4294967295u, 9999999999999, UINT64_MAX};
  EXPECT_EQ(format_sequence(widest), "49" "4294967295" "9999999999999" "18446744073709551615" "00000000000");
  EXPECT_EQ(format_sequence(SequenceParts{0, 0, 0}), "49" + std::string(54, '0'));
  // A batch writer formats one number per shard and rewrites only the counter digits.
  const SequenceParts first{7, 1700000000123, 99};
  std::string text = format_sequence(first);
  for (std::uint64_t counter : {100ULL, 12345678901234567ULL, 0ULL}) {
    write_sequence_counter(text.data() + kSequenceCounterOffset, counter);
    EXPECT_EQ(text, format_sequence(SequenceParts{7, 1700000000123, counter}));
  }
}

TEST(Base64, RoundTripsEveryLengthAndRejectsJunk) {
  std::string bytes;
  for (int i = 0; i < 40; ++i) {
    std::string encoded, decoded;
    append_base64(encoded, bytes);
    ASSERT_TRUE(append_base64_decoded(decoded, encoded)) << encoded;
    EXPECT_EQ(decoded, bytes);
    EXPECT_EQ(base64_decoded_size(encoded), bytes.size());
    bytes.push_back(static_cast<char>(i * 37));
  }
  std::string out;
  EXPECT_TRUE(append_base64_decoded(out, "aGVsbG8="));
  EXPECT_EQ(out, "hello");
  out.clear();
  EXPECT_FALSE(append_base64_decoded(out, "aGVsbG8"));
  EXPECT_FALSE(append_base64_decoded(out, "aGV$bG8="));
  EXPECT_FALSE(append_base64_decoded(out, "a=VsbG8="));
  // A bad character in an early quantum fails the call even when everything after it is valid.
  EXPECT_FALSE(append_base64_decoded(out, "$GVsbG8gd29ybGQh"));
  EXPECT_FALSE(append_base64_decoded(out, "aGVsbG8gd2-ybGQh"));
  EXPECT_FALSE(append_base64_decoded(out, "aGVs\x80G8gd29ybGQh"));
}

TEST(JsonWriter, EscapesAndSeparates) {
  std::string out;
  JsonWriter json(out);
  json.begin_object();
  json.field("a", "q\"\\\n\x01");
  json.key("b");
  json.begin_array();
  json.integer(-5);
  json.boolean(true);
  json.timestamp_ms(1700000000123);
  json.end_array();
  json.end_object();
  EXPECT_EQ(out, R"({"a":"q\"\\\n\u0001","b":[-5,true,1700000000.123]})");
}

}  // namespace
}  // namespace kwb::emulator
