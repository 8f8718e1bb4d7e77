#pragma once
// The seam between the Kinesis front end and whatever watches it.
//
// Every Kinesis call, successful or not, ends with one CallEvent sent to the CallObserver. Another
// module records CloudWatch AWS/Kinesis metrics from these events (stream- and shard-level), and a
// fault injector can fail a call before the engine sees it through inject_fault(). The default
// observer does nothing.
//
// Ownership: the Emulator holds a non-owning pointer; the observer must outlive it.
// Thread safety: both methods are called concurrently from every server thread; implementations
// must be thread-safe and fast (they run on the request path).

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "core/clock.h"
#include "core/error.h"

namespace kwb::emulator {

// Per-shard counts for data-plane calls (shard-level metrics need them).
struct ShardTally {
  std::string_view shard_id;
  std::uint64_t records = 0;    // accepted (put) or returned (get)
  std::uint64_t bytes = 0;      // data + partition key of those records
  std::uint64_t throttled = 0;  // records (put) or calls (get) refused for throughput
  std::int64_t iterator_age_ms = -1;  // GetRecords: age of the last record returned (else MillisBehindLatest); -1: n/a
};

struct CallEvent {
  std::string_view operation;  // "PutRecords"
  std::string_view region;
  std::string_view stream;     // empty when the call names no stream (ListStreams)
  std::string_view shard;      // single-shard calls (GetRecords, GetShardIterator, PutRecord)
  std::uint64_t records_in = 0;
  std::uint64_t records_out = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t accepted = 0;
  std::uint64_t throttled = 0;
  std::uint64_t failed = 0;  // records refused for other reasons, or 1 for a failed call
  std::span<const ShardTally> shards;
  SystemTimePoint time;  // when the call arrived, on the injected clock
  std::chrono::nanoseconds latency{0};
  bool success = true;
  std::string_view error_code;  // AWS __type when !success
};

class CallObserver {
 public:
  virtual ~CallObserver() = default;
  // Called before the engine runs the call. Returning an Error (with an AWS code and HTTP status)
  // fails the call with it, as AWS would.
  virtual std::optional<Error> inject_fault(std::string_view operation, std::string_view region,
                                            std::string_view stream) {
    (void)operation, (void)region, (void)stream;
    return std::nullopt;
  }
  // PutRecords only, before the engine stores anything: the observer may mark records (failed[i] =
  // 1) that then fail with ErrorCode InternalFailure and are not stored, as AWS's partial failures
  // are. Returns how many it marked.
  virtual std::uint64_t inject_record_failures(std::string_view region, std::string_view stream,
                                               std::span<std::uint8_t> failed) {
    (void)region, (void)stream, (void)failed;
    return 0;
  }
  virtual void on_call(const CallEvent& event) = 0;
};

class NoopObserver final : public CallObserver {
 public:
  void on_call(const CallEvent&) override {}
};

}  // namespace kwb::emulator
