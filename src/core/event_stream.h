#pragma once
// The AWS event stream framing ("application/vnd.amazon.eventstream"), used by SubscribeToShard:
// the emulator encodes it, kinesis::Client decodes it.
//
// One message on the wire, every integer big-endian:
//
//   | total length u32 | headers length u32 | prelude CRC32 u32 |   prelude: CRC of the first 8 bytes
//   | headers ...                                               |
//   | payload ...                                               |
//   | message CRC32 u32                                         |   CRC of everything before it
//
// A header is | name length u8 | name | value type u8 | value |. Kinesis only sends string values
// (type 7: | length u16 | bytes |); the decoder also steps over the other types (bool, byte,
// short, int, long, bytes, timestamp, uuid) so an unexpected header does not break a stream, but
// keeps only string and bytes values. CRC32 is the IEEE polynomial (zlib's crc32).
// See docs/emulator.md ("Enhanced fan-out").
//
// Thread safety: encode() is a pure function; a Decoder is a plain value owned by one reader.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace kwb::eventstream {

struct Header {
  std::string name;
  std::string value;
};

struct Message {
  std::vector<Header> headers;
  std::string payload;

  // The first header of that name (names are case-sensitive here, as on the wire); empty if absent.
  [[nodiscard]] std::string_view header(std::string_view name) const;
};

// CRC32 (IEEE 802.3, reflected, as zlib computes it), continuing from `crc` (0 to start).
std::uint32_t crc32(std::string_view bytes, std::uint32_t crc = 0);

// Frames a message; every header is sent as a string (type 7).
// REQUIRES: header names shorter than 256 bytes, values shorter than 65536.
std::string encode(const Message& message);

// Incremental decoder: feed() bytes as they arrive, then take messages with next() until it
// reports that it needs more. Buffers at most one partial message (bounded by max_message_bytes).
class Decoder {
 public:
  static constexpr std::uint32_t kDefaultMaxMessageBytes = 16 * 1024 * 1024;
  explicit Decoder(std::uint32_t max_message_bytes = kDefaultMaxMessageBytes) : max_message_bytes_(max_message_bytes) {}

  void feed(std::string_view bytes) { buffer_.append(bytes); }
  // A complete message, nullopt when more bytes are needed, or an Error::parse for a corrupt
  // stream (bad CRC, impossible lengths, malformed header). After an error the stream cannot be
  // resynchronised: every later call returns the same error.
  Result<std::optional<Message>> next();
  // Bytes of an unfinished message: non-zero at the end of a stream means it was cut off.
  [[nodiscard]] std::size_t pending_bytes() const { return buffer_.size() - offset_; }

 private:
  std::uint32_t max_message_bytes_;
  std::string buffer_;
  std::size_t offset_ = 0;  // start of the first unread message in buffer_
  std::optional<Error> failed_;
};

}  // namespace kwb::eventstream
