#pragma once
// Child processes for integration tests.
//
// ChildProcess starts a program with posix_spawn, with an explicit argv and environment (nothing
// inherited by accident), stdin from a file or /dev/null, and stdout/stderr captured to files in a
// private temporary directory, so a chatty child can never block on a full pipe. The process is
// placed in its own process group; the destructor stops that group (SIGTERM, then SIGKILL after a
// grace period) so no test leaves a server behind, even when an assertion fails half-way.
//
// run_process is the one-shot form for short commands: run, wait (bounded), return exit status
// and output.
//
// Not thread-safe; one owner.

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kwb::testing {

using EnvMap = std::map<std::string, std::string>;

struct ProcessResult {
  int exit_code = -1;   // exit status, or 128 + signal when killed by a signal
  bool timed_out = false;
  std::string out;
  std::string err;
  [[nodiscard]] std::string describe() const;  // for assertion messages
};

class ChildProcess {
 public:
  // argv[0] must be a path (no PATH search). stdin_data, when given, is what the child reads.
  ChildProcess(std::vector<std::string> argv, EnvMap env, std::optional<std::string> stdin_data = std::nullopt);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  [[nodiscard]] bool started() const { return pid_ > 0; }
  [[nodiscard]] const std::string& start_error() const { return start_error_; }
  [[nodiscard]] pid_t pid() const { return pid_; }

  // True while the child has not exited (reaps it if it has).
  bool running();
  // Waits up to `timeout` for the child to exit; kills it when the time is up.
  ProcessResult wait(std::chrono::milliseconds timeout);
  // Stops the process group now (SIGTERM, then SIGKILL after `grace`).
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(3000));

  [[nodiscard]] std::string stdout_text() const;
  [[nodiscard]] std::string stderr_text() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;  // raw waitpid status once reaped
  std::string dir_;
  std::string start_error_;
};

ProcessResult run_process(const std::vector<std::string>& argv, const EnvMap& env,
                          std::optional<std::string> stdin_data = std::nullopt,
                          std::chrono::milliseconds timeout = std::chrono::seconds(30));

// A fresh empty directory under $TMPDIR (or /tmp); removed by the owner.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }
  // Writes a file inside the directory and returns its path.
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

}  // namespace kwb::testing
