#include "emulator/sequence.h"

namespace kwb::emulator {
namespace {

void append_padded(std::string& out, std::uint64_t value, int width) {
  char buffer[20];
  for (int i = width - 1; i >= 0; --i) {
    buffer[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out.append(buffer, static_cast<std::size_t>(width));
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

void append_sequence(std::string& out, const SequenceParts& parts) {
  out.append("49");
  append_padded(out, parts.shard_index, 10);
  append_padded(out, static_cast<std::uint64_t>(parts.shard_created_ms), 13);
  append_padded(out, parts.counter, 20);
  out.append("00000000000");
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
