#include "cli/context.h"

#include <istream>
#include <ostream>

namespace kwb::cli {

const char* const kExitCodeHelp =
    "Exit codes:\n"
    "  0    success\n"
    "  1    AWS/service error (throttling, limits, conflicts, unexpected responses)\n"
    "  2    usage error: bad flags or arguments, input rejected before sending\n"
    "  3    configuration or credentials error (files, profile, region, access denied)\n"
    "  4    not found (the stream does not exist)\n"
    "  5    network error or timeout (endpoint unreachable, waiter deadline passed)\n"
    "  6    kwb loadtest: an SLO gate failed\n"
    "  130  interrupted (Ctrl-C)\n";

int exit_code_for(const Error& error) {
  if (error.code == kSloFailedCode) return kExitSloFailed;
  switch (error.kind) {
    case ErrorKind::kInvalidInput:
      return kExitUsage;
    case ErrorKind::kConfig:
    case ErrorKind::kAuth:
      return kExitConfig;
    case ErrorKind::kNotFound:
      return kExitNotFound;
    case ErrorKind::kNetwork:
    case ErrorKind::kTimeout:
      return kExitNetwork;
    case ErrorKind::kCancelled:
      return kExitInterrupted;
    default:
      return kExitServiceError;
  }
}

std::string describe_for_cli(const Error& error) {
  std::string line = error.describe();
  if (error.kind == ErrorKind::kInvalidInput && !error.field.empty() && line.find(error.field) == std::string::npos) {
    line = "invalid " + error.field + ": " + line;
  }
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return line;
}

Context::Context(const Environment& env, Clock& clock, Random& random, std::istream& in, std::ostream& out,
                 std::ostream& err)
    : env_(env), clock_(clock), random_(random), in_(in), out_(out), err_(err) {}

Context::~Context() = default;

OutputFormat Context::output() const { return parse_output_format(options.output).value_or(OutputFormat::kTable); }

Result<aws::AwsSession*> Context::session() {
  if (!session_) {
    aws::SessionOptions session_options;
    if (!options.profile.empty()) session_options.profile = options.profile;
    if (!options.region.empty()) session_options.region = options.region;
    if (!options.endpoint_url.empty()) session_options.endpoint_url = options.endpoint_url;
    auto created = aws::AwsSession::create(session_options, env_, clock_, random_);
    if (!created) return std::move(created).error();
    session_ = std::move(*created);
  }
  return session_.get();
}

Result<kinesis::Client*> Context::kinesis() {
  if (!kinesis_) {
    auto s = session();
    if (!s) return s.error();
    kinesis_ = std::make_unique<kinesis::Client>(kinesis::Client::from_session(**s));
  }
  return kinesis_.get();
}

Error Context::stream_error(Error error, const kinesis::StreamRef& stream) {
  if (error.kind == ErrorKind::kNotFound && (error.code.empty() || error.code == "ResourceNotFoundException")) {
    std::string where = session_ ? " in " + session_->region().str() : "";
    error.message = "stream '" + stream.name() + "' not found" + where;
  }
  return error;
}

std::atomic<bool>& Context::interrupted() {
  static std::atomic<bool> flag{false};
  return flag;
}

}  // namespace kwb::cli
