#pragma once
// Shard iterators: opaque strings that carry everything GetRecords needs, so the server keeps no
// per-iterator state and an iterator outlives nothing it points to.
//
// Binary layout (then standard base64):
//   u8 version (1) | i64 issued_ms | i64 stream_created_ms | u32 shard_index | u64 position |
//   u8 name_len | stream name | 16-byte truncated HMAC-SHA256 of everything before it
// All integers big-endian. The MAC key is drawn per emulator instance, so an edited iterator fails
// the MAC and gets InvalidArgumentException, and one from another instance fails the same way.
// "position" is the counter of the next record to return (see sequence.h).
//
// Thread safety: immutable after construction; encode/decode may run on any thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/random.h"

namespace kwb::emulator {

struct IteratorState {
  std::int64_t issued_ms = 0;
  std::int64_t stream_created_ms = 0;
  std::uint32_t shard_index = 0;
  std::uint64_t position = 0;
  std::string stream_name;
  bool operator==(const IteratorState&) const = default;
};

class IteratorCodec {
 public:
  explicit IteratorCodec(Random& random);

  // The MAC key (32 bytes). A durable emulator keeps it in its data directory, so iterators
  // handed out before a restart still work after it. REQUIRES: no concurrent encode/decode.
  [[nodiscard]] const std::string& key() const { return key_; }
  void set_key(std::string key) { key_ = std::move(key); }
  [[nodiscard]] std::string encode(const IteratorState& state) const;
  // nullopt when the text is not an iterator this instance issued (bad base64, bad MAC, bad shape).
  [[nodiscard]] std::optional<IteratorState> decode(std::string_view text) const;

 private:
  std::string key_;
};

}  // namespace kwb::emulator
