#include "harness/kwb_emulator.h"

#include <regex>
#include <thread>

namespace kwb::testing {

KwbEmulatorProcess::KwbEmulatorProcess(std::string kwb, std::string home, std::vector<std::string> extra_args)
    : kwb_(std::move(kwb)), home_(std::move(home)), extra_args_(std::move(extra_args)) {}

bool KwbEmulatorProcess::start() {
  std::vector<std::string> argv = {kwb_, "emulator", "--port", "0", "--create-delay-ms", "0", "--update-delay-ms", "0"};
  argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
  process_ = std::make_unique<ChildProcess>(argv, EnvMap{{"PATH", "/usr/bin:/bin"}, {"HOME", home_}});
  const std::regex listening(R"(listening on (http://127\.0\.0\.1:\d+))");
  for (int i = 0; i < 200 && process_->running(); ++i) {
    std::smatch m;
    const std::string out = process_->stdout_text();
    if (std::regex_search(out, m, listening)) {
      endpoint_ = m[1];
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // waiting on a real child process
  }
  return false;
}

std::string KwbEmulatorProcess::error() const {
  if (!process_) return "not started";
  return "kwb emulator did not print its address; stdout: " + process_->stdout_text() +
         " stderr: " + process_->stderr_text();
}

EnvMap KwbEmulatorProcess::client_env() const {
  return {{"PATH", "/usr/bin:/bin"},        {"HOME", home_},                {"AWS_ACCESS_KEY_ID", "test"},
          {"AWS_SECRET_ACCESS_KEY", "test"}, {"AWS_REGION", "us-east-1"}, {"AWS_ENDPOINT_URL", endpoint_}};
}

ProcessResult KwbEmulatorProcess::run_kwb(std::vector<std::string> args, std::chrono::milliseconds timeout) const {
  args.insert(args.begin(), kwb_);
  return run_process(args, client_env(), std::nullopt, timeout);
}

}  // namespace kwb::testing
