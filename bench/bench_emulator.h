#pragma once
// Shared by the CloudWatch benches: start `kwb emulator --port 0` as a child process (or use a
// running endpoint), and seed AWS/Kinesis datapoints through POST /_kwb/metrics/seed.
//
// Not thread-safe; one owner. The child is stopped (process group SIGTERM, then SIGKILL) when the
// BenchEmulator is destroyed.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>
#include <sstream>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "aws/http_client.h"
#include "core/clock.h"
#include "core/result.h"
#include "harness/process.h"

namespace kwb::bench {

class BenchEmulator {
 public:
  // Starts `kwb emulator --port 0 extra...` on 127.0.0.1 and waits for its "listening on" line.
  Result<std::string> start(const std::string& kwb, const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {kwb, "emulator", "--port", "0", "--host", "127.0.0.1"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process_ = std::make_unique<kwb::testing::ChildProcess>(argv, kwb::testing::EnvMap{{"PATH", "/usr/bin:/bin"},
                                                                                       {"HOME", home_.path()}});
    const std::regex listening(R"(listening on (http://127\.0\.0\.1:\d+))");
    for (int i = 0; i < 400 && process_->running(); ++i) {
      std::smatch m;
      const std::string out = process_->stdout_text();
      if (std::regex_search(out, m, listening)) return std::string(m[1]);
      std::this_thread::sleep_for(std::chrono::milliseconds(25));  // a real child process starting
    }
    return Error::internal("kwb emulator did not start: " + process_->stderr_text());
  }
  [[nodiscard]] pid_t pid() const { return process_ ? process_->pid() : -1; }

 private:
  kwb::testing::TempDir home_;
  std::unique_ptr<kwb::testing::ChildProcess> process_;
};

// One per-minute series ending one minute before the current minute (the seed endpoint's shape).
inline nlohmann::json seeded_series(const std::string& stream, const std::string& metric, std::size_t minutes,
                                    double value) {
  const auto now = std::chrono::time_point_cast<std::chrono::minutes>(std::chrono::system_clock::now());
  return {{"namespace", "AWS/Kinesis"},
          {"metric", metric},
          {"dimensions", {{"StreamName", stream}}},
          {"start", format_iso8601_millis(now - std::chrono::minutes(minutes))},
          {"period", 60},
          {"values", std::vector<double>(minutes, value)}};
}

// POSTs the series in chunks of 500 (keeps each body a few MB).
inline Status seed_metrics(const std::string& endpoint, const std::vector<nlohmann::json>& series) {
  auto transport = aws::make_curl_transport({});
  for (std::size_t at = 0; at < series.size(); at += 500) {
    nlohmann::json chunk = nlohmann::json::array();
    for (std::size_t i = at; i < std::min(series.size(), at + 500); ++i) chunk.push_back(series[i]);
    aws::HttpRequest request;
    request.url = endpoint + "/_kwb/metrics/seed";
    request.headers.push_back({"Content-Type", "application/json"});
    request.body = nlohmann::json{{"series", chunk}}.dump();
    auto response = transport->send(request);
    if (!response.ok()) return response.error();
    if (response->status != 200) return Error::internal("seed: HTTP " + std::to_string(response->status) + ": " +
                                                           response->body.substr(0, 300));
  }
  return ok_status();
}

// CPU seconds (utime + stime) of a process, from /proc/<pid>/stat; 0 when unreadable.
inline double process_cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; fields >> field && i <= 15; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime (fields 14 and 15 of proc(5))
  }
  return ticks / double(sysconf(_SC_CLK_TCK));
}

}  // namespace kwb::bench
