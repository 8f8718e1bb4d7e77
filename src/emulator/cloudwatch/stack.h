#pragma once
// Everything the emulator adds on top of Kinesis for monitoring and testing, wired together:
// the controllable clock, the metric store and recorder, the CloudWatch API, the fault injector and
// the emulator-only control endpoints:
//
//   POST /_kwb/clock/advance {"seconds": 900}   move the emulator's clock forward (GET /_kwb/clock)
//   POST /_kwb/metrics/seed  {...}              load past datapoints (see CloudWatchService::seed)
//   GET|POST|DELETE /_kwb/faults                 fault rules (see faults.h)
//
// Use: build a Monitoring, construct the Emulator with clock() and observer(), then attach() it
// before start(). Ownership: owns all the parts; borrows the base clock, which must outlive it.
// Thread safety: after attach(), everything may be used from any thread.

#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "emulator/clock_control.h"
#include "emulator/cloudwatch/metric_store.h"
#include "emulator/cloudwatch/recorder.h"
#include "emulator/cloudwatch/service.h"
#include "emulator/emulator.h"
#include "emulator/faults.h"

namespace kwb::emulator::cloudwatch {

struct MonitoringOptions {
  double time_scale = 1.0;           // emulator seconds per real second; > 0
  std::uint64_t seed = 0;            // fault injection
  std::vector<FaultRule> faults;     // --fault
  std::string seed_metrics_file;     // --seed-metrics: a JSON file in the /_kwb/metrics/seed shape
};

class ControlHandler;

class Monitoring {
 public:
  Monitoring(MonitoringOptions options, Clock& base_clock, const EmulatorConfig& config);
  ~Monitoring();

  [[nodiscard]] ControlledClock& clock() { return clock_; }
  [[nodiscard]] CallObserver& observer() { return observer_; }
  [[nodiscard]] CloudWatchService& cloudwatch() { return service_; }
  [[nodiscard]] FaultInjector& faults() { return faults_; }
  [[nodiscard]] MetricStore& store() { return store_; }

  // Registers the control endpoints, CloudWatch and the fault gate on the emulator, and loads
  // --seed-metrics. REQUIRES: before emulator.start(); the emulator must outlive nothing here.
  Status attach(Emulator& emulator);

 private:
  MonitoringOptions options_;
  ControlledClock clock_;
  MetricStore store_;
  Backend* backend_ = nullptr;  // set by attach(); used by the recorder's monitoring lookup
  MetricsRecorder recorder_;
  FaultInjector faults_;
  ObserverPair observer_;
  CloudWatchService service_;
  std::unique_ptr<ControlHandler> control_;
  std::unique_ptr<FaultGate> gate_;
};

}  // namespace kwb::emulator::cloudwatch
