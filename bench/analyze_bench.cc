// Bulk analysis bench (issue 7): collect and analyze N streams against a running kwb emulator and
// count the CloudWatch requests. The target is ⌈N × metrics per stream / 500⌉ GetMetricData calls,
// where one GetMetricStatistics call per metric would take N × metrics.
//
//   analyze_bench --endpoint http://127.0.0.1:PORT [--streams 1000] [--create] [--window 3h]
//
// --create first creates stream-bench-0..N-1 (1 shard each) if they do not exist. Prints one JSON
// object: streams, metric_queries, cloudwatch_requests, target_requests, per_metric_requests,
// kinesis_calls, collect_ms, analyze_ms. Talks only to the endpoint given (use 127.0.0.1).

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <iostream>
#include <string>

#include "analysis/collector.h"
#include "analysis/router.h"
#include "aws/session.h"
#include "cloudwatch/client.h"
#include "core/environment.h"
#include "kinesis/client.h"

using namespace kwb;

int main(int argc, char** argv) {
  std::string endpoint;
  int streams = 1000;
  bool create = false;
  std::string window_text = "3h";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--endpoint" && i + 1 < argc) endpoint = argv[++i];
    else if (arg == "--streams" && i + 1 < argc) streams = std::stoi(argv[++i]);
    else if (arg == "--window" && i + 1 < argc) window_text = argv[++i];
    else if (arg == "--create") create = true;
    else {
      std::cerr << "usage: analyze_bench --endpoint URL [--streams N] [--create] [--window 3h]\n";
      return 2;
    }
  }
  if (endpoint.empty()) {
    std::cerr << "analyze_bench: --endpoint is required\n";
    return 2;
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
  std::cout << out.dump() << "\n";
  return stats.cloudwatch_requests <= out["target_requests"].get<int>() ? 0 : 1;
}
