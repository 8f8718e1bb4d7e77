// GetMetricData batching bench (issue 4): 1,000 streams x 8 AWS/Kinesis metrics read by the kwb
// CloudWatch client (cloudwatch::MetricBatcher) from `kwb emulator`. Targets: at most 16 requests
// (8,000 queries / 500 per request) and under 2 s for the emulator's answers.
//
//   cloudwatch_bench --kwb build/src/cli/kwb [--streams 1000] [--minutes 180] [--parallel 4]
//   cloudwatch_bench --endpoint http://127.0.0.1:PORT ...    (an emulator already running)
//
// With --kwb it starts `kwb emulator --port 0` on 127.0.0.1 itself. It seeds `minutes` one-minute
// datapoints per metric and stream (POST /_kwb/metrics/seed), then fetches all of them over that
// window at period 60, once one request at a time and once with --parallel requests in flight.
// Prints one JSON object (requests, datapoints, wall_ms, emulator_cpu_ms per run); exits 1 when a
// target is missed (the time target is checked on the emulator's CPU when the bench started it) or
// a series comes back short.

#include <chrono>
#include <cmath>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aws/session.h"
#include "bench_emulator.h"
#include "cloudwatch/client.h"
#include "cloudwatch/metric_batcher.h"
#include "core/environment.h"
#include "core/random.h"

using namespace kwb;

namespace {

struct MetricSpec {
  const char* name;
  const char* stat;
};

// The eight stream-level metrics a Kinesis dashboard reads.
constexpr MetricSpec kMetrics[] = {
    {"IncomingBytes", "Sum"},
    {"IncomingRecords", "Sum"},
    {"GetRecords.Bytes", "Sum"},
    {"GetRecords.Records", "Sum"},
    {"GetRecords.IteratorAgeMilliseconds", "Maximum"},
    {"WriteProvisionedThroughputExceeded", "Sum"},
    {"ReadProvisionedThroughputExceeded", "Sum"},
    {"PutRecords.ThrottledRecords", "Sum"},
};

std::string stream_name(int i) { return "cw-bench-" + std::to_string(i); }

}  // namespace

int main(int argc, char** argv) {
  std::string kwb_binary, endpoint;
  int streams = 1000, minutes = 180, parallel = 4;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--kwb") kwb_binary = value();
    else if (arg == "--endpoint") endpoint = value();
    else if (arg == "--streams") streams = std::stoi(value());
    else if (arg == "--minutes") minutes = std::stoi(value());
    else if (arg == "--parallel") parallel = std::stoi(value());
    else {
      std::cerr << "usage: cloudwatch_bench (--kwb PATH | --endpoint URL) [--streams N] [--minutes M] [--parallel P]\n";
      return 2;
    }
  }
  if (kwb_binary.empty() == endpoint.empty()) {
    std::cerr << "cloudwatch_bench: give exactly one of --kwb and --endpoint\n";
    return 2;
  }
  bench::BenchEmulator emulator;
  if (!kwb_binary.empty()) {
    auto started = emulator.start(kwb_binary, {});
    if (!started) {
      std::cerr << "cloudwatch_bench: " << started.error().describe() << "\n";
      return 1;
    }
    endpoint = *started;
  }

  std::vector<nlohmann::json> series;
  for (int s = 0; s < streams; ++s) {
    for (const MetricSpec& m : kMetrics) series.push_back(bench::seeded_series(stream_name(s), m.name, minutes, 60.0));
  }
  const auto seed_start = std::chrono::steady_clock::now();
  if (Status seeded = bench::seed_metrics(endpoint, series); !seeded.ok()) {
    std::cerr << "cloudwatch_bench: " << seeded.error().describe() << "\n";
    return 1;
  }
  const double seed_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - seed_start).count();

  // Dummy credentials: the bench only talks to the local endpoint.
  MapEnvironment env({{"AWS_ACCESS_KEY_ID", "bench"}, {"AWS_SECRET_ACCESS_KEY", "bench"}, {"AWS_REGION", "us-east-1"}});
  aws::SessionOptions options;
  options.endpoint_url = endpoint;
  auto session = aws::AwsSession::create(options, env, SystemClock::instance(), process_random());
  if (!session) {
    std::cerr << "cloudwatch_bench: " << session.error().describe() << "\n";
    return 1;
  }
  cloudwatch::Client client((*session)->client(aws::Service::kCloudWatch));

  std::vector<cloudwatch::MetricDataQuery> queries;
  for (int s = 0; s < streams; ++s) {
    for (const MetricSpec& m : kMetrics) {
      cloudwatch::MetricDataQuery q;
      q.metric_stat = cloudwatch::MetricStat{
          {"AWS/Kinesis", m.name, {{"StreamName", stream_name(s)}}}, 60, m.stat, std::nullopt};
      queries.push_back(std::move(q));
    }
  }
  const auto now = std::chrono::time_point_cast<std::chrono::minutes>(std::chrono::system_clock::now());
  const SystemTimePoint start = now - std::chrono::minutes(minutes), end = now;

  const int target_requests = static_cast<int>(std::ceil(double(queries.size()) / 500.0));
  nlohmann::json runs = nlohmann::json::array();
  bool all_ok = true;
  for (int p : {1, parallel}) {
    cloudwatch::BatchOptions batch_options;
    batch_options.max_parallel = p;
    cloudwatch::MetricBatcher batcher(client, batch_options);
    const double server_cpu0 = bench::process_cpu_seconds(emulator.pid());
    const auto t0 = std::chrono::steady_clock::now();
    auto data = batcher.fetch(queries, start, end);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    const double server_cpu = bench::process_cpu_seconds(emulator.pid()) - server_cpu0;
    if (!data) {
      std::cerr << "cloudwatch_bench: fetch: " << data.error().describe() << "\n";
      return 1;
    }
    std::size_t datapoints = 0, short_series = 0;
    for (const auto& [id, result] : data->results) {
      datapoints += result.values.size();
      if (result.values.size() != static_cast<std::size_t>(minutes)) ++short_series;
    }
    // The 2 s target is the emulator's: its CPU for all answers when this bench started it (the
    // client's decoding is in the wall time too), else the wall time.
    const bool fast_enough = kwb_binary.empty() ? ms < 2000 : server_cpu < 2.0;
    const bool ok = data->stats.requests <= target_requests && fast_enough && short_series == 0 &&
                    data->results.size() == queries.size();
    all_ok = all_ok && ok;
    runs.push_back({{"parallel", p},
                    {"requests", data->stats.requests},
                    {"attempts", data->stats.attempts},
                    {"results", data->results.size()},
                    {"datapoints", datapoints},
                    {"short_series", short_series},
                    {"wall_ms", ms},
                    {"emulator_cpu_ms", kwb_binary.empty() ? nlohmann::json(nullptr) : nlohmann::json(server_cpu * 1000)},
                    {"met_targets", ok}});
  }
  nlohmann::json out = {{"streams", streams},
                        {"metrics_per_stream", std::size(kMetrics)},
                        {"queries", queries.size()},
                        {"minutes", minutes},
                        {"target_requests", target_requests},
                        {"seed_ms", seed_ms},
                        {"runs", runs}};
  std::cout << out.dump(1) << "\n";
  return all_ok ? 0 : 1;
}
