#pragma once
// Prometheus text-format metrics for `kwb serve` (exposition format 0.0.4).
//
//   kwb_http_requests_total{method,route,status}         counter
//   kwb_http_request_duration_seconds{method,route}      histogram
//   kwb_aws_calls_total{operation,outcome}               counter (outcome: ok or the error kind)
//   kwb_aws_call_duration_seconds{operation}             histogram
//
// The route label is the route *pattern* ("/api/streams/{name}"), never the raw path, so label
// cardinality stays bounded whatever clients send; unmatched paths count as route="unmatched".
//
// Ownership: owned by the server app. Thread safety: every method may be called concurrently
// (one mutex; a few map lookups per request).

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace kwb::server {

class Metrics {
 public:
  void record_request(const std::string& method, const std::string& route, int status,
                      std::chrono::nanoseconds duration);
  void record_aws_call(const std::string& operation, const std::string& outcome, std::chrono::nanoseconds duration);
  // The whole registry in Prometheus text format.
  [[nodiscard]] std::string render() const;

 private:
  struct Histogram {
    std::vector<std::uint64_t> buckets;  // cumulative on render, per-bucket here
    double sum = 0;
    std::uint64_t count = 0;
    void observe(double seconds);
  };
  using Labels = std::vector<std::pair<std::string, std::string>>;

  mutable std::mutex mutex_;
  std::map<Labels, std::uint64_t> requests_;       // GUARDED_BY(mutex_)
  std::map<Labels, Histogram> request_latency_;    // GUARDED_BY(mutex_)
  std::map<Labels, std::uint64_t> aws_calls_;      // GUARDED_BY(mutex_)
  std::map<Labels, Histogram> aws_latency_;        // GUARDED_BY(mutex_)
};

// Upper bounds of the latency buckets, in seconds.
const std::vector<double>& latency_buckets();

}  // namespace kwb::server
