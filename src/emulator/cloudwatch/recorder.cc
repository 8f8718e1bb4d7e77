#include "emulator/cloudwatch/recorder.h"

namespace kwb::emulator::cloudwatch {

namespace {

constexpr std::string_view kCount = "Count";
constexpr std::string_view kBytes = "Bytes";
constexpr std::string_view kMillis = "Milliseconds";

double millis(std::chrono::nanoseconds latency) { return static_cast<double>(latency.count()) / 1e6; }

std::uint64_t tally_bytes(const CallEvent& event) {
  std::uint64_t bytes = 0;
  for (const ShardTally& tally : event.shards) bytes += tally.bytes;
  return bytes;
}

}  // namespace

void MetricsRecorder::put(const CallEvent& event, std::string_view name, std::string_view unit, double value) {
  MetricId id{std::string(event.region), std::string(kKinesisNamespace), std::string(name),
              {{"StreamName", std::string(event.stream)}}};
  store_.add(id, unit, event.time, value);
}

void MetricsRecorder::put_shard(const CallEvent& event, std::string_view shard, std::string_view name,
                                std::string_view unit, double value) {
  MetricId id{std::string(event.region), std::string(kKinesisNamespace), std::string(name),
              {{"ShardId", std::string(shard)}, {"StreamName", std::string(event.stream)}}};
  store_.add(id, unit, event.time, value);
}

std::set<std::string> MetricsRecorder::enhanced(const CallEvent& event) {
  auto key = std::make_pair(std::string(event.region), std::string(event.stream));
  {
    std::lock_guard lock(cache_mutex_);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
  }
  std::set<std::string> names;
  if (lookup_) {
    auto found = lookup_(event.region, event.stream);
    if (!found) return names;  // not cached: the stream may appear later
    for (const auto& metric : *found) {
      if (metric == "ALL") {
        names.insert({"IncomingBytes", "IncomingRecords", "OutgoingBytes", "OutgoingRecords",
                      "WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded",
                      "IteratorAgeMilliseconds"});
      } else {
        names.insert(metric);
      }
    }
  }
  std::lock_guard lock(cache_mutex_);
  cache_[key] = names;
  return names;
}

void MetricsRecorder::on_call(const CallEvent& event) {
  const std::string_view op = event.operation;
  if (op == "EnableEnhancedMonitoring" || op == "DisableEnhancedMonitoring" || op == "DeleteStream" ||
      op == "CreateStream") {
    std::lock_guard lock(cache_mutex_);
    cache_.erase({std::string(event.region), std::string(event.stream)});
    return;
  }
  if (event.stream.empty()) return;
  const bool throttled_call = event.error_code == "ProvisionedThroughputExceededException";
  if (op == "PutRecord") {
    put(event, "PutRecord.Latency", kMillis, millis(event.latency));
    put(event, "PutRecord.Success", kCount, event.success ? 1 : 0);
    const double rejected = event.throttled > 0 ? static_cast<double>(event.throttled) : (throttled_call ? 1.0 : 0.0);
    put(event, "WriteProvisionedThroughputExceeded", kCount, rejected);
    if (event.success) {
      put(event, "PutRecord.Bytes", kBytes, static_cast<double>(event.bytes_in));
      put(event, "IncomingBytes", kBytes, static_cast<double>(event.bytes_in));
      put(event, "IncomingRecords", kCount, 1);
    }
  } else if (op == "PutRecords") {
    put(event, "PutRecords.Latency", kMillis, millis(event.latency));
    if (event.success) {
      const double accepted = static_cast<double>(event.accepted);
      const double bytes = static_cast<double>(tally_bytes(event));
      put(event, "PutRecords.Success", kCount, event.accepted > 0 ? 1 : 0);
      put(event, "PutRecords.Bytes", kBytes, bytes);
      put(event, "PutRecords.Records", kCount, accepted);
      put(event, "PutRecords.TotalRecords", kCount, static_cast<double>(event.records_in));
      put(event, "PutRecords.SuccessfulRecords", kCount, accepted);
      put(event, "PutRecords.FailedRecords", kCount, static_cast<double>(event.failed));
      put(event, "PutRecords.ThrottledRecords", kCount, static_cast<double>(event.throttled));
      put(event, "IncomingBytes", kBytes, bytes);
      put(event, "IncomingRecords", kCount, accepted);
      put(event, "WriteProvisionedThroughputExceeded", kCount, static_cast<double>(event.throttled));
    } else {
      put(event, "PutRecords.Success", kCount, 0);
      if (throttled_call) {
        put(event, "WriteProvisionedThroughputExceeded", kCount,
            static_cast<double>(std::max<std::uint64_t>(event.records_in, 1)));
      }
    }
  } else if (op == "GetRecords") {
    put(event, "GetRecords.Latency", kMillis, millis(event.latency));
    put(event, "GetRecords.Success", kCount, event.success ? 1 : 0);
    put(event, "ReadProvisionedThroughputExceeded", kCount, throttled_call ? 1 : 0);
    if (event.success) {
      put(event, "GetRecords.Bytes", kBytes, static_cast<double>(event.bytes_out));
      put(event, "GetRecords.Records", kCount, static_cast<double>(event.records_out));
      for (const ShardTally& tally : event.shards) {
        if (tally.iterator_age_ms >= 0) {
          put(event, "GetRecords.IteratorAgeMilliseconds", kMillis, static_cast<double>(tally.iterator_age_ms));
        }
      }
    }
  } else {
    return;
  }

  // Shard level, for the metrics the stream enabled.
  const std::set<std::string> shard_metrics = enhanced(event);
  if (shard_metrics.empty()) return;
  auto on = [&](std::string_view name) { return shard_metrics.count(std::string(name)) != 0; };
  if (op == "PutRecord" || op == "PutRecords") {
    for (const ShardTally& tally : event.shards) {
      if (on("IncomingBytes") && tally.records > 0) put_shard(event, tally.shard_id, "IncomingBytes", kBytes, static_cast<double>(tally.bytes));
      if (on("IncomingRecords") && tally.records > 0) put_shard(event, tally.shard_id, "IncomingRecords", kCount, static_cast<double>(tally.records));
      if (on("WriteProvisionedThroughputExceeded")) {
        put_shard(event, tally.shard_id, "WriteProvisionedThroughputExceeded", kCount, static_cast<double>(tally.throttled));
      }
    }
  } else {
    if (event.success) {
      for (const ShardTally& tally : event.shards) {
        if (on("OutgoingBytes")) put_shard(event, tally.shard_id, "OutgoingBytes", kBytes, static_cast<double>(tally.bytes));
        if (on("OutgoingRecords")) put_shard(event, tally.shard_id, "OutgoingRecords", kCount, static_cast<double>(tally.records));
        if (on("IteratorAgeMilliseconds") && tally.iterator_age_ms >= 0) {
          put_shard(event, tally.shard_id, "IteratorAgeMilliseconds", kMillis, static_cast<double>(tally.iterator_age_ms));
        }
        if (on("ReadProvisionedThroughputExceeded")) put_shard(event, tally.shard_id, "ReadProvisionedThroughputExceeded", kCount, 0);
      }
    } else if (throttled_call && !event.shard.empty() && on("ReadProvisionedThroughputExceeded")) {
      put_shard(event, event.shard, "ReadProvisionedThroughputExceeded", kCount, 1);
    }
  }
}

}  // namespace kwb::emulator::cloudwatch
