#pragma once
// Sequence numbers: AWS's shape (a decimal string of 56 digits), our own layout.
//
// Layout, most significant digit first, every field zero-padded to its width:
//
//   | 2 "49" | 10 shard index | 13 shard creation ms | 20 record counter | 11 reserved "0" |
//
// Because every field has a fixed width, numeric order equals string order. Within a shard the
// prefix is constant, so the counter alone orders records: it rises by one per record, which
// makes sequence numbers strictly rising and lets a reader find a record by arithmetic. A child
// shard always has a higher index than its parents, so its numbers also sort after theirs. The
// creation time tells a number from an earlier stream of the same name ("did not come from this
// stream"). See docs/emulator.md.
//
// Thread safety: pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kwb::emulator {

inline constexpr std::size_t kSequenceDigits = 56;

struct SequenceParts {
  std::uint32_t shard_index = 0;
  std::int64_t shard_created_ms = 0;
  std::uint64_t counter = 0;
  bool operator==(const SequenceParts&) const = default;
};

// The record counter's place inside the 56 digits. Everything else is constant for a shard, so a
// batch writer can format one number per shard and rewrite only these digits for each record.
inline constexpr std::size_t kSequenceCounterOffset = 25;
inline constexpr std::size_t kSequenceCounterDigits = 20;

// Writes exactly kSequenceDigits characters at `out`.
void write_sequence(char* out, const SequenceParts& parts);
// Writes exactly kSequenceCounterDigits characters at `out` (zero-padded).
void write_sequence_counter(char* out, std::uint64_t counter);
void append_sequence(std::string& out, const SequenceParts& parts);
std::string format_sequence(const SequenceParts& parts);
// nullopt for anything that is not one of ours (wrong length, non-digits, wrong prefix).
std::optional<SequenceParts> parse_sequence(std::string_view text);

}  // namespace kwb::emulator
