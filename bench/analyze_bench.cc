// Bulk analysis bench (issue 7): collect and analyze N streams against a kwb emulator and count
// the CloudWatch requests. The target is ⌈N × metrics per stream / 500⌉ GetMetricData calls,
// where one GetMetricStatistics call per metric would take N × metrics.
//
//   analyze_bench --kwb build/src/cli/kwb [--streams 1000] [--window 3h]     (starts its own emulator)
//   analyze_bench --endpoint http://127.0.0.1:PORT [--streams 1000] [--create] [--seed] [--window 3h]
//
// --kwb starts `kwb emulator --port 0 --no-control-plane-limits --create-delay-ms 0 --shard-limit
// 100000` on 127.0.0.1, creates stream-bench-0..N-1 (1 shard each), seeds every stream-level
// metric the analysis reads with one datapoint a minute over the window (POST /_kwb/metrics/seed),
// runs the collector and analysis in this process, then runs the real command `kwb analyze --all --output json` against
// the same emulator and reads its "collection" figures. --create and --seed do those steps against
// an emulator already running at --endpoint. Prints one JSON object (streams, metric_queries,
// cloudwatch_requests, target_requests, per_metric_requests, kinesis_calls, collect_ms, analyze_ms,
// and "cli" for the command); exits 1 when the request target is missed.

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <iostream>
#include <string>

#include "analysis/collector.h"
#include "analysis/snapshot.h"
#include "bench_emulator.h"
#include "analysis/router.h"
#include "aws/session.h"
#include "cloudwatch/client.h"
#include "core/environment.h"
#include "kinesis/client.h"

using namespace kwb;

int main(int argc, char** argv) {
  std::string endpoint, kwb_binary;
  int streams = 1000;
  bool create = false, seed = false;
  std::string window_text = "3h";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--endpoint" && i + 1 < argc) endpoint = argv[++i];
    else if (arg == "--streams" && i + 1 < argc) streams = std::stoi(argv[++i]);
    else if (arg == "--window" && i + 1 < argc) window_text = argv[++i];
    else if (arg == "--create") create = true;
    else if (arg == "--seed") seed = true;
    else if (arg == "--kwb" && i + 1 < argc) kwb_binary = argv[++i];
    else {
      std::cerr << "usage: analyze_bench (--kwb PATH | --endpoint URL [--create] [--seed]) [--streams N] [--window 3h]\n";
      return 2;
    }
  }
  if (endpoint.empty() == kwb_binary.empty()) {
    std::cerr << "analyze_bench: give exactly one of --kwb and --endpoint\n";
    return 2;
  }
  bench::BenchEmulator emulator;
  if (!kwb_binary.empty()) {
    auto started = emulator.start(
        kwb_binary, {"--no-control-plane-limits", "--create-delay-ms", "0", "--shard-limit", "100000"});
    if (!started) {
      std::cerr << "analyze_bench: " << started.error().describe() << "\n";
      return 1;
    }
    endpoint = *started;
    create = seed = true;
  }
  MapEnvironment env({{"AWS_ACCESS_KEY_ID", "bench"}, {"AWS_SECRET_ACCESS_KEY", "bench"}, {"AWS_REGION", "us-east-1"}});
  aws::SessionOptions options;
  options.endpoint_url = endpoint;
  auto session = aws::AwsSession::create(options, env, SystemClock::instance(), process_random());
  if (!session) {
    std::cerr << "analyze_bench: " << session.error().describe() << "\n";
    return 1;
  }
  kinesis::Client kinesis = kinesis::Client::from_session(**session);
  cloudwatch::Client cloudwatch((*session)->client(aws::Service::kCloudWatch));
  if (create) {
    for (int i = 0; i < streams; ++i) {
      kinesis::CreateStreamRequest request;
      request.stream_name = StreamName("stream-bench-" + std::to_string(i));
      request.shard_count = 1;
      Status status = kinesis.create_stream(request);
      if (!status.ok() && status.error().kind != ErrorKind::kConflict) {
        std::cerr << "analyze_bench: create: " << status.error().describe() << "\n";
        return 1;
      }
    }
  }
  auto window = analysis::parse_window(window_text);
  if (!window) {
    std::cerr << "analyze_bench: " << window.error().describe() << "\n";
    return 2;
  }
  if (seed) {
    // A steady 1 MB and 1,000 records a minute per stream, every other metric 0 (iterator age
    // 1 s): a healthy fleet, so the bench times collection rather than the findings.
    const auto minutes = static_cast<std::size_t>(std::chrono::duration_cast<std::chrono::minutes>(*window).count());
    std::vector<nlohmann::json> series;
    for (int i = 0; i < streams; ++i) {
      for (const analysis::MetricKey& key : analysis::stream_metric_keys()) {
        const double value = key.metric == "IncomingBytes"                        ? 1e6
                             : key.metric == "IncomingRecords"                    ? 1000
                             : key.metric == "GetRecords.IteratorAgeMilliseconds" ? 1000
                                                                                  : 0;
        series.push_back(bench::seeded_series("stream-bench-" + std::to_string(i), key.metric, minutes, value));
      }
    }
    if (Status seeded = bench::seed_metrics(endpoint, series); !seeded.ok()) {
      std::cerr << "analyze_bench: " << seeded.error().describe() << "\n";
      return 1;
    }
  }
  std::vector<std::string> names;
  for (int i = 0; i < streams; ++i) names.push_back("stream-bench-" + std::to_string(i));
  analysis::Collector collector(kinesis, cloudwatch, SystemClock::instance());
  analysis::CollectStats stats;
  const auto t0 = std::chrono::steady_clock::now();
  auto snapshots = collector.collect(analysis::StreamSelector::by_names(names), *window, &stats);
  const auto t1 = std::chrono::steady_clock::now();
  if (!snapshots) {
    std::cerr << "analyze_bench: collect: " << snapshots.error().describe() << "\n";
    return 1;
  }
  analysis::Router router({}, nullptr, SystemClock::instance());
  auto report = router.analyze(*snapshots, analysis::AnalyzerChoice::kRules);
  const auto t2 = std::chrono::steady_clock::now();
  const int metrics = static_cast<int>(analysis::stream_metric_keys().size());
  auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  nlohmann::json out = {{"streams", stats.streams},
                        {"metrics_per_stream", metrics},
                        {"metric_queries", stats.metric_queries},
                        {"cloudwatch_requests", stats.cloudwatch_requests},
                        {"target_requests", static_cast<int>(std::ceil(streams * metrics / 500.0))},
                        {"per_metric_requests", streams * metrics},
                        {"kinesis_calls", stats.kinesis_calls},
                        {"findings", report.all_findings().size()},
                        {"collect_ms", ms(t1 - t0)},
                        {"analyze_ms", ms(t2 - t1)}};
  if (!kwb_binary.empty()) {
    // The real command over the same emulator: every stream in the region, i.e. the N above.
    const auto c0 = std::chrono::steady_clock::now();
    kwb::testing::ProcessResult cli = kwb::testing::run_process(
        {kwb_binary, "--endpoint-url", endpoint, "analyze", "--all", "--window", window_text, "--output", "json",
         "--analyzer", "rules"},
        {{"PATH", "/usr/bin:/bin"}, {"HOME", "/tmp"}, {"AWS_ACCESS_KEY_ID", "bench"},
         {"AWS_SECRET_ACCESS_KEY", "bench"}, {"AWS_REGION", "us-east-1"}},
        std::nullopt, std::chrono::minutes(5));
    const double cli_ms = ms(std::chrono::steady_clock::now() - c0);
    nlohmann::json report = nlohmann::json::parse(cli.out, nullptr, false);
    if (cli.exit_code != 0 || report.is_discarded() || !report.contains("collection")) {
      std::cerr << "analyze_bench: kwb analyze --all: " << cli.describe() << "\n";
      return 1;
    }
    out["cli"] = {{"command", "kwb analyze --all --window " + window_text + " --output json --analyzer rules"},
                  {"exit_code", cli.exit_code},
                  {"wall_ms", cli_ms},
                  {"streams", report.contains("streams") ? report["streams"].size() : 0},
                  {"collection", report["collection"]}};
  }
  std::cout << out.dump(1) << "\n";
  return stats.cloudwatch_requests <= out["target_requests"].get<int>() ? 0 : 1;
}
