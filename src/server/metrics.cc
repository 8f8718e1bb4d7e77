#include "server/metrics.h"

#include <cstdio>

namespace kwb::server {

namespace {

std::string escape_label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

template <typename LabelList>
std::string format_labels(const LabelList& labels, const std::string& extra_name = {}, const std::string& extra = {}) {
  std::string out = "{";
  bool first = true;
  for (const auto& [name, value] : labels) {
    out += (first ? "" : ",") + name + "=\"" + escape_label(value) + "\"";
    first = false;
  }
  if (!extra_name.empty()) out += (first ? "" : ",") + extra_name + "=\"" + extra + "\"";
  return out + "}";
}

std::string format_double(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.9g", value);
  return buffer;
}

}  // namespace

const std::vector<double>& latency_buckets() {
  static const std::vector<double> buckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                              0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  return buckets;
}

void Metrics::Histogram::observe(double seconds) {
  const auto& bounds = latency_buckets();
  if (buckets.empty()) buckets.assign(bounds.size(), 0);
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (seconds <= bounds[i]) {
      ++buckets[i];
      break;
    }
  }
  sum += seconds;
  ++count;
}

void Metrics::record_request(const std::string& method, const std::string& route, int status,
                             std::chrono::nanoseconds duration) {
  const double seconds = std::chrono::duration<double>(duration).count();
  std::lock_guard lock(mutex_);
  ++requests_[{{"method", method}, {"route", route}, {"status", std::to_string(status)}}];
  request_latency_[{{"method", method}, {"route", route}}].observe(seconds);
}

void Metrics::record_aws_call(const std::string& operation, const std::string& outcome,
                              std::chrono::nanoseconds duration) {
  const double seconds = std::chrono::duration<double>(duration).count();
  std::lock_guard lock(mutex_);
  ++aws_calls_[{{"operation", operation}, {"outcome", outcome}}];
  aws_latency_[{{"operation", operation}}].observe(seconds);
}

std::string Metrics::render() const {
  std::string out;
  const auto counter = [&](const std::string& name, const std::string& help, const std::map<Labels, std::uint64_t>& values) {
    out += "# HELP " + name + " " + help + "\n# TYPE " + name + " counter\n";
    for (const auto& [labels, value] : values) out += name + format_labels(labels) + " " + std::to_string(value) + "\n";
  };
  const auto histogram = [&](const std::string& name, const std::string& help, const std::map<Labels, Histogram>& values) {
    out += "# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n";
    const auto& bounds = latency_buckets();
    for (const auto& [labels, h] : values) {
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < bounds.size(); ++i) {
        cumulative += h.buckets.empty() ? 0 : h.buckets[i];
        out += name + "_bucket" + format_labels(labels, "le", format_double(bounds[i])) + " " + std::to_string(cumulative) + "\n";
      }
      out += name + "_bucket" + format_labels(labels, "le", "+Inf") + " " + std::to_string(h.count) + "\n";
      out += name + "_sum" + format_labels(labels) + " " + format_double(h.sum) + "\n";
      out += name + "_count" + format_labels(labels) + " " + std::to_string(h.count) + "\n";
    }
  };
  std::lock_guard lock(mutex_);
  counter("kwb_http_requests_total", "HTTP requests by method, route pattern and status.", requests_);
  histogram("kwb_http_request_duration_seconds", "HTTP request latency by method and route pattern.", request_latency_);
  counter("kwb_aws_calls_total", "AWS API calls by operation and outcome.", aws_calls_);
  histogram("kwb_aws_call_duration_seconds", "AWS API call latency (retries included) by operation.", aws_latency_);
  return out;
}

}  // namespace kwb::server
