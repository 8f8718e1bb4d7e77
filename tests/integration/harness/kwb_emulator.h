#pragma once
// A real `kwb emulator --port 0` child process for integration tests, and the environment a
// client process needs to talk to it (dummy SigV4 credentials, region, AWS_ENDPOINT_URL).
//
// start() waits (bounded) for the "listening on http://127.0.0.1:PORT" line the emulator prints;
// the destructor stops the process group. Not thread-safe; one owner.

#include <memory>
#include <string>
#include <vector>

#include "harness/process.h"

namespace kwb::testing {

class KwbEmulatorProcess {
 public:
  // `kwb` is the built CLI; `home` a private HOME for it and its clients; extra_args are appended
  // to `kwb emulator --port 0` (status delays are 0 unless extra_args say otherwise).
  KwbEmulatorProcess(std::string kwb, std::string home, std::vector<std::string> extra_args = {});

  // True once the emulator printed its address; error() says why not.
  bool start();
  [[nodiscard]] const std::string& endpoint() const { return endpoint_; }
  [[nodiscard]] std::string error() const;

  // PATH, HOME, test credentials, us-east-1 and AWS_ENDPOINT_URL pointing at this emulator.
  [[nodiscard]] EnvMap client_env() const;
  // Runs `kwb args...` as a client of this emulator, bounded by `timeout`.
  ProcessResult run_kwb(std::vector<std::string> args, std::chrono::milliseconds timeout) const;

 private:
  std::string kwb_;
  std::string home_;
  std::vector<std::string> extra_args_;
  std::unique_ptr<ChildProcess> process_;
  std::string endpoint_;
};

}  // namespace kwb::testing
