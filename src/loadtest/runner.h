#pragma once
// Runner: one load test, end to end. Generates records to a rate profile, writes them through
// P reliable producers, reads them back with the consumer while the run goes on, and hands every
// event to the Verifier; then drains, waits out the grace period and builds the Report.
//
// Phases (all timed on the injected Clock):
//   1. run      P generator threads; thread i sends the records whose run-wide index j has
//               j % P == i, as soon as floor(profile.due(t)) says j is due. A generator that falls
//               behind (a producer blocking on a full buffer) catches up as fast as it can, so the
//               offered count matches the profile whenever the producers keep up.
//   2. drain    every producer close()s with `drain_timeout`: records still unsettled then fail
//               with ProducerClosed (never acked, so never counted as lost).
//   3. grace    with verification, wait until every acked record has been read, or `grace` passed.
// Every `interval` (1 s by default) the producers' counters are sampled into the verifier and the
// progress callback gets a snapshot.
//
// Ownership: borrows sender, consumer backend, clock and random (must outlive run()). Owns the
// producers, consumer and threads it starts, all stopped before run() returns.
// Thread safety: run() once, from one thread; request_stop() from any thread (a signal watcher).

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/random.h"
#include "core/result.h"
#include "kinesis/consumer/consumer.h"
#include "kinesis/producer/producer.h"
#include "loadtest/profile.h"
#include "loadtest/report.h"
#include "loadtest/verifier.h"
#include "loadtest/workload.h"

namespace kwb::loadtest {

struct LoadTestConfig {
  kinesis::StreamRef stream;
  RateProfile profile;
  KeyDistribution keys;
  SizeDistribution sizes;
  int producers = 1;
  bool verify = true;
  std::string run_id;
  std::chrono::milliseconds drain_timeout{30000};
  std::chrono::milliseconds grace{15000};
  double interval_s = 1;
  // Where the verifier starts reading; by default the run's start minus this margin (AT_TIMESTAMP),
  // so clock skew between us and the service cannot hide the first records.
  std::chrono::milliseconds read_margin{30000};
  // Stream and the buffer policy are set by the runner; everything else is the caller's.
  kinesis::producer::ProducerConfig producer;
  kinesis::consumer::ConsumerConfig consumer;
};

// The runner's phase, for the progress line.
enum class Phase { kRunning, kDraining, kVerifying, kDone };
std::string_view to_string(Phase phase);

struct Progress {
  Phase phase = Phase::kRunning;
  double elapsed_s = 0;
  double target_rps = 0;
  double achieved_rps = 0;  // producers' acks in the last interval
  VerifierSnapshot verifier;
  std::uint64_t throttled = 0;
  std::uint64_t retried = 0;
};

using ProgressCallback = std::function<void(const Progress&)>;

class Runner {
 public:
  Runner(LoadTestConfig config, kinesis::producer::PutRecordsSender& sender,
         kinesis::consumer::ConsumerBackend& backend, Clock& clock, Random& random);

  // Runs the whole test. Errors: the producers or the consumer could not start (kConfig, or the
  // service's error listing the shards). Record failures are results, not errors: they are in
  // the report.
  Result<Report> run(const ProgressCallback& progress);
  // Ends the run phase early (Ctrl-C); drain and grace still run, with the report saying so.
  void request_stop() { stop_.store(true); }

 private:
  LoadTestConfig config_;
  kinesis::producer::PutRecordsSender& sender_;
  kinesis::consumer::ConsumerBackend& backend_;
  Clock& clock_;
  Random& random_;
  std::atomic<bool> stop_{false};
};

}  // namespace kwb::loadtest
