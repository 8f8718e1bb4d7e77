#pragma once
// The record envelope: what every load-test record carries so the verifier can account for it.
//
// Wire form (ASCII, so `kwb tail` shows it readably):
//   "kwb1 <run_id> <producer> <seq> <send_us>|" followed by padding ('.') up to the record size
// run_id     [A-Za-z0-9_-]{1,64}, one per run, so records of other runs in the same stream are
//            recognised and ignored;
// producer   the index of the producer that sent it (per-key order is checked per producer);
// seq        the run-wide sequence id, 0, 1, 2, ... (dense, so the verifier indexes arrays by it);
// send_us    wall-clock send time, microseconds since the Unix epoch (end-to-end latency is
//            read time minus this; producer and verifier run in one process on one clock).
//
// Value type; free functions; thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"

namespace kwb::loadtest {

struct Envelope {
  std::string run_id;
  std::uint32_t producer = 0;
  std::uint64_t seq = 0;
  std::int64_t send_us = 0;

  bool operator==(const Envelope&) const = default;
};

std::int64_t to_epoch_us(SystemTimePoint time);
SystemTimePoint from_epoch_us(std::int64_t us);

// A run id such as "lt-3f9a0c2b1d" from 40 random bits.
std::string make_run_id(std::uint64_t random_bits);
Status validate_run_id(std::string_view run_id);

// The header alone (its length is the smallest record size).
std::string encode_header(const Envelope& envelope);
// The header padded with '.' to `size` bytes (or the bare header when it is longer).
std::string encode(const Envelope& envelope, std::size_t size);
// nullopt when `data` is not a load-test record (another writer, another format).
std::optional<Envelope> decode(std::string_view data);

}  // namespace kwb::loadtest
