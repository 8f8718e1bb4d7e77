#include "emulator/iterator_codec.h"

#include "core/crypto.h"
#include "emulator/json_writer.h"

namespace kwb::emulator {
namespace {

constexpr std::size_t kMacBytes = 16;
constexpr std::size_t kFixedBytes = 1 + 8 + 8 + 4 + 8 + 1;

void put_be(std::string& out, std::uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

std::uint64_t get_be(std::string_view in, std::size_t at, int bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value = (value << 8) | static_cast<unsigned char>(in[at + static_cast<std::size_t>(i)]);
  return value;
}

}  // namespace

IteratorCodec::IteratorCodec(Random& random) {
  for (int i = 0; i < 4; ++i) put_be(key_, random.next_u64(), 8);
}

std::string IteratorCodec::encode(const IteratorState& state) const {
  std::string bytes;
  bytes.reserve(kFixedBytes + state.stream_name.size() + kMacBytes);
  bytes.push_back(1);
  put_be(bytes, static_cast<std::uint64_t>(state.issued_ms), 8);
  put_be(bytes, static_cast<std::uint64_t>(state.stream_created_ms), 8);
  put_be(bytes, state.shard_index, 4);
  put_be(bytes, state.position, 8);
  bytes.push_back(static_cast<char>(state.stream_name.size()));
  bytes.append(state.stream_name);
  bytes.append(hmac_sha256(key_, bytes).substr(0, kMacBytes));
  std::string text;
  append_base64(text, bytes);
  return text;
}

std::optional<IteratorState> IteratorCodec::decode(std::string_view text) const {
  std::string bytes;
  if (text.size() > 1024 || !append_base64_decoded(bytes, text)) return std::nullopt;
  if (bytes.size() < kFixedBytes + kMacBytes || bytes[0] != 1) return std::nullopt;
  const std::size_t name_len = static_cast<unsigned char>(bytes[kFixedBytes - 1]);
  if (bytes.size() != kFixedBytes + name_len + kMacBytes) return std::nullopt;
  const std::string_view body(bytes.data(), kFixedBytes + name_len);
  const std::string mac = hmac_sha256(key_, body).substr(0, kMacBytes);
  if (!constant_time_equals(mac, std::string_view(bytes).substr(body.size()))) return std::nullopt;
  IteratorState state;
  state.issued_ms = static_cast<std::int64_t>(get_be(bytes, 1, 8));
  state.stream_created_ms = static_cast<std::int64_t>(get_be(bytes, 9, 8));
  state.shard_index = static_cast<std::uint32_t>(get_be(bytes, 17, 4));
  state.position = get_be(bytes, 21, 8);
  state.stream_name.assign(bytes.data() + kFixedBytes, name_len);
  return state;
}

}  // namespace kwb::emulator
