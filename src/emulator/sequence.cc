#include "emulator/sequence.h"

#include <array>
#include <cstring>

namespace kwb::emulator {
namespace {

// "00", "01", ... "99": formatting two digits per division halves the divisions, and this runs
// once per record in every PutRecords and GetRecords response.
constexpr auto kDigitPairs = [] {
  std::array<char, 200> pairs{};
  for (int i = 0; i < 100; ++i) {
    pairs[static_cast<std::size_t>(2 * i)] = static_cast<char>('0' + i / 10);
    pairs[static_cast<std::size_t>(2 * i + 1)] = static_cast<char>('0' + i % 10);
  }
  return pairs;
}();

// Writes `value` as exactly `width` digits, zero-padded (higher digits beyond width are dropped).
void write_padded(char* out, std::uint64_t value, int width) {
  char* p = out + width;
  while (p - out >= 2) {
    p -= 2;
    std::memcpy(p, &kDigitPairs[static_cast<std::size_t>(value % 100) * 2], 2);
    value /= 100;
  }
  if (p > out) *--p = static_cast<char>('0' + value % 10);
}

std::optional<std::uint64_t> read_digits(std::string_view text) {
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

}  // namespace

void write_sequence(char* out, const SequenceParts& parts) {
  out[0] = '4';
  out[1] = '9';
  write_padded(out + 2, parts.shard_index, 10);
  write_padded(out + 12, static_cast<std::uint64_t>(parts.shard_created_ms), 13);
  write_padded(out + kSequenceCounterOffset, parts.counter, kSequenceCounterDigits);
  std::memset(out + kSequenceCounterOffset + kSequenceCounterDigits, '0', 11);
}

void write_sequence_counter(char* out, std::uint64_t counter) { write_padded(out, counter, kSequenceCounterDigits); }

void append_sequence(std::string& out, const SequenceParts& parts) {
  char digits[kSequenceDigits];
  write_sequence(digits, parts);
  out.append(digits, kSequenceDigits);
}

std::string format_sequence(const SequenceParts& parts) {
  std::string out;
  out.reserve(kSequenceDigits);
  append_sequence(out, parts);
  return out;
}

std::optional<SequenceParts> parse_sequence(std::string_view text) {
  if (text.size() != kSequenceDigits || text.substr(0, 2) != "49") return std::nullopt;
  const auto index = read_digits(text.substr(2, 10));
  const auto created = read_digits(text.substr(12, 13));
  const auto counter = read_digits(text.substr(25, 20));
  const auto reserved = read_digits(text.substr(45, 11));
  if (!index || !created || !counter || !reserved) return std::nullopt;
  if (*index > UINT32_MAX) return std::nullopt;
  return SequenceParts{static_cast<std::uint32_t>(*index), static_cast<std::int64_t>(*created), *counter};
}

}  // namespace kwb::emulator
