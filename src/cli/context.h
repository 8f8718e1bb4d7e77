#pragma once
// What every `kwb` subcommand shares: the global options, the injected seams (environment, clock,
// randomness, standard streams), the lazily built AWS session, and the action chosen by parsing.
//
// Commands register with CLI11 through `register_<group>_command(CLI::App&, Context&)` (see
// commands.h). A command's CLI11 callback does not do the work: it hands an action to
// Context::set_action, and main runs it after parsing is complete. That keeps usage errors
// (exit 2) apart from runtime errors, and lets every runtime error flow back as one Error that
// main prints as a single line and turns into an exit code (exit_code_for, documented in
// docs/cli.md and the --help footer).
//
// Ownership: borrows the environment, clock, random source and streams, which must outlive it;
// owns the session and Kinesis client. Single-threaded: one Context per process run.

#include <atomic>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "aws/session.h"
#include "cli/output.h"
#include "core/clock.h"
#include "core/environment.h"
#include "core/random.h"
#include "core/result.h"
#include "kinesis/client.h"

namespace kwb::cli {

// Exit codes. Keep in step with kExitCodeHelp and docs/cli.md.
inline constexpr int kExitOk = 0;
inline constexpr int kExitServiceError = 1;  // AWS/service error, or anything not listed below
inline constexpr int kExitUsage = 2;         // bad flags or arguments, invalid input caught locally
inline constexpr int kExitConfig = 3;        // configuration or credentials (files, profile, region, auth)
inline constexpr int kExitNotFound = 4;      // the stream (or other resource) does not exist
inline constexpr int kExitNetwork = 5;       // could not reach the endpoint, or timed out
inline constexpr int kExitSloFailed = 6;     // kwb loadtest: an SLO gate (--max-p99-latency, ...) failed
// The Error code a command returns for kExitSloFailed.
inline constexpr const char* kSloFailedCode = "SloFailed";
inline constexpr int kExitInterrupted = 130; // stopped by Ctrl-C (SIGINT)

extern const char* const kExitCodeHelp;

int exit_code_for(const Error& error);
// The one line printed after "kwb: " (newlines folded, field named for local validation errors).
std::string describe_for_cli(const Error& error);

struct GlobalOptions {
  std::string region;        // empty: from environment/profile
  std::string profile;       // empty: AWS_PROFILE or "default"
  std::string endpoint_url;  // empty: AWS_ENDPOINT_URL*, profile, or the AWS endpoint
  std::string output = "table";
  std::string log_level = "warn";
};

class Context {
 public:
  Context(const Environment& env, Clock& clock, Random& random, std::istream& in, std::ostream& out,
          std::ostream& err);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  GlobalOptions options;

  // Valid after parsing (main validates --output before running the action).
  [[nodiscard]] OutputFormat output() const;

  // Built on first use from the global options and the environment.
  Result<aws::AwsSession*> session();
  Result<kinesis::Client*> kinesis();

  // Rewrites kNotFound errors about a stream into "stream 'x' not found in <region>".
  Error stream_error(Error error, const kinesis::StreamRef& stream);

  void set_action(std::function<Status()> action) { action_ = std::move(action); }
  [[nodiscard]] bool has_action() const { return static_cast<bool>(action_); }
  Status run_action() { return action_(); }

  // Set from the SIGINT handler; long-running commands (tail) poll it.
  static std::atomic<bool>& interrupted();

  const Environment& env() { return env_; }
  Clock& clock() { return clock_; }
  Random& random() { return random_; }
  std::istream& in() { return in_; }
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }

 private:
  const Environment& env_;
  Clock& clock_;
  Random& random_;
  std::istream& in_;
  std::ostream& out_;
  std::ostream& err_;
  std::unique_ptr<aws::AwsSession> session_;
  std::unique_ptr<kinesis::Client> kinesis_;
  std::function<Status()> action_;
};

}  // namespace kwb::cli
