#pragma once
// CRC-32C (Castagnoli), the checksum of each frame in the durable record log.
//
// Why CRC-32C rather than zlib's CRC-32: x86-64 computes it in hardware (SSE 4.2's crc32
// instruction, about 8 bytes per cycle), so checking every record costs almost nothing on the
// write path. A table-driven version is used where the instruction is missing.
//
// Thread safety: pure functions.

#include <cstdint>
#include <string_view>

namespace kwb::emulator {

// Extends crc (0 to start) over data. crc32c("123456789") == 0xE3069283.
std::uint32_t crc32c(std::string_view data, std::uint32_t crc = 0);

}  // namespace kwb::emulator
