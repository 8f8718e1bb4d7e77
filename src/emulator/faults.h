#pragma once
// Fault injection for the emulator's Kinesis API: the failures real clients must survive, on
// demand and reproducibly.
//
// A FaultRule applies to one Kinesis operation (or "*": all) and, optionally, one stream. It can:
//   - fail a share of calls with a chosen error (InternalFailure 500, ServiceUnavailable 503,
//     ProvisionedThroughputExceededException 400, LimitExceededException 400);
//   - fail a share of the records of each PutRecords (ErrorCode InternalFailure, not stored), which
//     shows in PutRecords.FailedRecords exactly as AWS's partial failures do;
//   - add latency (fixed + uniform jitter);
//   - reset a share of connections (closed without an answer) or black-hole them (never answered:
//     the client waits until its own timeout).
//
// Reproducibility: every random draw comes from one generator seeded with `seed`, re-seeded each
// time the rules are replaced, so the same rules + seed + sequence of requests give the same
// failures. (Concurrent clients interleave their draws; run them sequentially to compare.)
//
// The gate (FaultGate) sits in front of the Kinesis handler for the connection-level faults and
// latency; errors and partial failures go through the CallObserver seam so that the Kinesis handler
// reports them to the metrics recorder like any other failure.
//
// Ownership: FaultInjector owns its rules; FaultGate borrows the injector and the Kinesis handler.
// Thread safety: every method may be called from any thread.

#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/random.h"
#include "core/result.h"
#include "emulator/observer.h"
#include "emulator/service_handler.h"

namespace kwb::emulator {

struct FaultRule {
  std::string operation = "*";  // Kinesis operation ("PutRecords") or "*"
  std::string stream;           // empty: any stream
  double error_rate = 0;        // [0, 1]
  std::string error = "InternalFailure";
  double partial_failure_rate = 0;  // PutRecords, per record, [0, 1]
  std::int64_t latency_ms = 0;
  std::int64_t jitter_ms = 0;  // uniform in [0, jitter_ms] on top of latency_ms
  double reset_rate = 0;       // [0, 1]
  double blackhole_rate = 0;   // [0, 1]
};

// The errors a rule may inject; false for anything else.
bool is_injectable_error(std::string_view code);
// "operation=PutRecords,error_rate=0.1,error=ServiceUnavailable,latency_ms=20" (the --fault flag).
Result<FaultRule> parse_fault_rule(std::string_view text);
Status validate(const FaultRule& rule);

struct FaultCounts {
  std::uint64_t errors = 0;
  std::uint64_t failed_records = 0;
  std::uint64_t delayed = 0;
  std::uint64_t resets = 0;
  std::uint64_t blackholed = 0;
};

class FaultInjector final : public CallObserver {
 public:
  // clock: where added latency is slept (a ManualClock makes it instant in tests).
  FaultInjector(Clock& clock, std::uint64_t seed) : clock_(clock), seed_(seed), engine_(seed) {}

  // Replaces every rule and restarts the generator from `seed`.
  Status set_rules(std::vector<FaultRule> rules, std::optional<std::uint64_t> seed = std::nullopt);
  void clear();
  [[nodiscard]] std::vector<FaultRule> rules() const;
  [[nodiscard]] std::uint64_t seed() const;
  [[nodiscard]] FaultCounts counts() const;

  // Connection-level decision for one request: an answer disposition other than kAnswer, after
  // sleeping any added latency.
  http::Disposition before_request(std::string_view operation);

  // CallObserver: errors and partial failures.
  std::optional<Error> inject_fault(std::string_view operation, std::string_view region,
                                    std::string_view stream) override;
  std::uint64_t inject_record_failures(std::string_view region, std::string_view stream,
                                       std::span<std::uint8_t> failed) override;
  void on_call(const CallEvent&) override {}

 private:
  Clock& clock_;
  mutable std::mutex mutex_;
  std::vector<FaultRule> rules_;  // GUARDED_BY(mutex_)
  std::uint64_t seed_;            // GUARDED_BY(mutex_)
  // Draws are made under mutex_, so the sequence follows the order of calls. A plain engine (not
  // a kwb::Random) because it is re-seeded whenever the rules change.
  std::mt19937_64 engine_;  // GUARDED_BY(mutex_)
  double uniform01_locked() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  FaultCounts counts_;            // GUARDED_BY(mutex_)
};

// A ServiceHandler in front of Kinesis: takes what Kinesis takes, applies connection faults and
// latency, then hands the request on.
class FaultGate final : public ServiceHandler {
 public:
  FaultGate(FaultInjector& faults, ServiceHandler& kinesis) : faults_(faults), kinesis_(kinesis) {}
  [[nodiscard]] bool accepts(const ApiRequest& request) const override { return kinesis_.accepts(request); }
  ApiResponse handle(const ApiRequest& request) override;

 private:
  FaultInjector& faults_;
  ServiceHandler& kinesis_;
};

}  // namespace kwb::emulator
