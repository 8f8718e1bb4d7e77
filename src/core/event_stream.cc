#include "core/event_stream.h"

#include <array>

namespace kwb::eventstream {
namespace {

constexpr std::size_t kPreludeBytes = 12;  // total length, headers length, prelude CRC
constexpr std::size_t kMinimumMessageBytes = kPreludeBytes + 4;
constexpr std::uint8_t kStringType = 7;
constexpr std::uint8_t kBytesType = 6;

constexpr std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int bit = 0; bit < 8; ++bit) c = (c & 1U) != 0 ? 0xEDB88320U ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}
constexpr auto kCrcTable = make_crc_table();

void put_u32(std::string& out, std::uint32_t value) {
  out.push_back(static_cast<char>(value >> 24));
  out.push_back(static_cast<char>(value >> 16));
  out.push_back(static_cast<char>(value >> 8));
  out.push_back(static_cast<char>(value));
}

std::uint32_t get_u32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (std::uint32_t{u[0]} << 24) | (std::uint32_t{u[1]} << 16) | (std::uint32_t{u[2]} << 8) | std::uint32_t{u[3]};
}

std::uint16_t get_u16(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<std::uint16_t>((u[0] << 8) | u[1]);
}

// Bytes of a fixed-size header value by type; 0 for the variable-length types (6, 7), -1 unknown.
int fixed_value_bytes(std::uint8_t type) {
  switch (type) {
    case 0:  // bool true
    case 1:  // bool false
      return 0;
    case 2: return 1;   // byte
    case 3: return 2;   // short
    case 4: return 4;   // int
    case 5: return 8;   // long
    case 8: return 8;   // timestamp
    case 9: return 16;  // uuid
    default: return -1;
  }
}

Result<std::vector<Header>> parse_headers(std::string_view bytes) {
  std::vector<Header> headers;
  std::size_t at = 0;
  while (at < bytes.size()) {
    const std::size_t name_length = static_cast<std::uint8_t>(bytes[at]);
    if (name_length == 0 || at + 1 + name_length + 1 > bytes.size()) return Error::parse("event stream: malformed header name");
    Header header;
    header.name = std::string(bytes.substr(at + 1, name_length));
    at += 1 + name_length;
    const auto type = static_cast<std::uint8_t>(bytes[at++]);
    if (type == kStringType || type == kBytesType) {
      if (at + 2 > bytes.size()) return Error::parse("event stream: header '" + header.name + "' is cut off");
      const std::size_t length = get_u16(bytes.data() + at);
      at += 2;
      if (at + length > bytes.size()) return Error::parse("event stream: header '" + header.name + "' is cut off");
      header.value = std::string(bytes.substr(at, length));
      at += length;
      headers.push_back(std::move(header));
      continue;
    }
    const int size = fixed_value_bytes(type);
    if (size < 0) return Error::parse("event stream: header '" + header.name + "' has unknown type " + std::to_string(type));
    if (at + static_cast<std::size_t>(size) > bytes.size()) {
      return Error::parse("event stream: header '" + header.name + "' is cut off");
    }
    at += static_cast<std::size_t>(size);
  }
  return headers;
}

}  // namespace

std::string_view Message::header(std::string_view name) const {
  for (const auto& h : headers) {
    if (h.name == name) return h.value;
  }
  return {};
}

std::uint32_t crc32(std::string_view bytes, std::uint32_t crc) {
  crc = ~crc;
  for (char c : bytes) crc = kCrcTable[(crc ^ static_cast<std::uint8_t>(c)) & 0xFFU] ^ (crc >> 8);
  return ~crc;
}

std::string encode(const Message& message) {
  std::string headers;
  for (const auto& h : message.headers) {
    headers.push_back(static_cast<char>(h.name.size()));
    headers.append(h.name);
    headers.push_back(static_cast<char>(kStringType));
    headers.push_back(static_cast<char>(h.value.size() >> 8));
    headers.push_back(static_cast<char>(h.value.size()));
    headers.append(h.value);
  }
  const auto total = static_cast<std::uint32_t>(kMinimumMessageBytes + headers.size() + message.payload.size());
  std::string out;
  out.reserve(total);
  put_u32(out, total);
  put_u32(out, static_cast<std::uint32_t>(headers.size()));
  put_u32(out, crc32(out));
  out.append(headers);
  out.append(message.payload);
  put_u32(out, crc32(out));
  return out;
}

Result<std::optional<Message>> Decoder::next() {
  if (failed_) return *failed_;
  auto fail = [this](std::string text) -> Result<std::optional<Message>> {
    failed_ = Error::parse("event stream: " + std::move(text));
    return *failed_;
  };
  if (pending_bytes() < kPreludeBytes) return std::optional<Message>{};
  const char* start = buffer_.data() + offset_;
  const std::uint32_t total = get_u32(start);
  const std::uint32_t headers_length = get_u32(start + 4);
  if (crc32(std::string_view(start, 8)) != get_u32(start + 8)) return fail("prelude CRC mismatch");
  if (total < kMinimumMessageBytes || total > max_message_bytes_ ||
      headers_length > total - kMinimumMessageBytes) {
    return fail("impossible lengths (total " + std::to_string(total) + ", headers " + std::to_string(headers_length) + ")");
  }
  if (pending_bytes() < total) return std::optional<Message>{};
  const std::string_view whole(start, total);
  if (crc32(whole.substr(0, total - 4)) != get_u32(start + total - 4)) return fail("message CRC mismatch");
  auto headers = parse_headers(whole.substr(kPreludeBytes, headers_length));
  if (!headers) return fail(headers.error().message.substr(std::string_view("event stream: ").size()));
  Message message;
  message.headers = std::move(*headers);
  message.payload = std::string(whole.substr(kPreludeBytes + headers_length, total - kMinimumMessageBytes - headers_length));
  offset_ += total;
  // Drop consumed bytes once they dominate the buffer, so a long stream does not grow it.
  if (offset_ > buffer_.size() / 2) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  return std::optional<Message>{std::move(message)};
}

}  // namespace kwb::eventstream
