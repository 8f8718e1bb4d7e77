#pragma once
// Turns every Kinesis call the emulator serves into the AWS/Kinesis metrics CloudWatch would
// publish for it, in the emulator's MetricStore.
//
// Stream-level metrics (dimension StreamName), one sample per call, units and meanings from the
// Kinesis Data Streams developer guide:
//   PutRecord.Bytes/.Latency/.Success, PutRecords.Bytes/.Records/.Latency/.Success/.TotalRecords/
//   .SuccessfulRecords/.FailedRecords/.ThrottledRecords, GetRecords.Bytes/.Records/.Latency/.Success/
//   .IteratorAgeMilliseconds, IncomingBytes, IncomingRecords, WriteProvisionedThroughputExceeded
//   (records rejected for throughput; a 0 sample for every write that had none, so Average is the
//   rejected share), ReadProvisionedThroughputExceeded (GetRecords calls rejected).
// Shard-level metrics (StreamName + ShardId) only for the ones enabled with
// EnableEnhancedMonitoring: IncomingBytes, IncomingRecords, OutgoingBytes, OutgoingRecords,
// IteratorAgeMilliseconds, WriteProvisionedThroughputExceeded, ReadProvisionedThroughputExceeded.
//
// Ownership: borrows the store; the lookup is called with no recorder lock held.
// Thread safety: on_call() runs concurrently on every server thread.

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "emulator/cloudwatch/metric_store.h"
#include "emulator/observer.h"

namespace kwb::emulator::cloudwatch {

inline constexpr std::string_view kKinesisNamespace = "AWS/Kinesis";

class MetricsRecorder final : public CallObserver {
 public:
  // Shard-level metrics enabled for a stream (as EnableEnhancedMonitoring stored them, "ALL"
  // included); nullopt when it cannot tell (the stream is gone).
  using MonitoringLookup =
      std::function<std::optional<std::vector<std::string>>(std::string_view region, std::string_view stream)>;

  MetricsRecorder(MetricStore& store, MonitoringLookup lookup) : store_(store), lookup_(std::move(lookup)) {}

  void on_call(const CallEvent& event) override;

 private:
  void put(const CallEvent& event, std::string_view name, std::string_view unit, double value);
  void put_shard(const CallEvent& event, std::string_view shard, std::string_view name, std::string_view unit,
                 double value);
  // The enabled shard-level metric names for the event's stream (cached until monitoring changes).
  std::set<std::string> enhanced(const CallEvent& event);

  MetricStore& store_;
  MonitoringLookup lookup_;
  std::mutex cache_mutex_;
  std::map<std::pair<std::string, std::string>, std::set<std::string>> cache_;  // GUARDED_BY(cache_mutex_)
};

// Sends fault questions to one observer and call reports to the other, so the fault injector and
// the metrics recorder share the emulator's single observer seam.
class ObserverPair final : public CallObserver {
 public:
  ObserverPair(CallObserver& faults, CallObserver& metrics) : faults_(faults), metrics_(metrics) {}
  std::optional<Error> inject_fault(std::string_view operation, std::string_view region,
                                    std::string_view stream) override {
    return faults_.inject_fault(operation, region, stream);
  }
  std::uint64_t inject_record_failures(std::string_view region, std::string_view stream,
                                       std::span<std::uint8_t> failed) override {
    return faults_.inject_record_failures(region, stream, failed);
  }
  void on_call(const CallEvent& event) override { metrics_.on_call(event); }

 private:
  CallObserver& faults_;
  CallObserver& metrics_;
};

}  // namespace kwb::emulator::cloudwatch
