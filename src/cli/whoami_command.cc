// `kwb whoami`: who AWS thinks we are (STS GetCallerIdentity), which credential source the chain
// picked, and which region and endpoints calls go to. The first thing to run when a command fails
// with an access or endpoint problem.

#include <CLI/CLI.hpp>

#include <ostream>

#include "aws/sts.h"
#include "cli/commands.h"
#include "cli/context.h"

namespace kwb::cli {

namespace {

Status run_whoami(Context& context) {
  auto session = context.session();
  if (!session) return session.error();
  aws::AwsSession& s = **session;
  // Resolve credentials first: "no credentials" is a different problem from "STS said no".
  auto credentials = s.credentials().credentials();
  if (!credentials) return credentials.error();
  const std::string& sts_endpoint = s.endpoint(aws::Service::kSts);
  aws::StsClient sts(s.client(aws::Service::kSts));
  auto identity = sts.get_caller_identity();
  if (!identity) {
    Error error = identity.error();
    error.message = "STS GetCallerIdentity at " + sts_endpoint + " failed: " + error.message;
    // A 404 without an AWS error code means the endpoint does not serve STS at all (a Kinesis-only
    // emulator, say), which is a service problem, not a missing resource.
    if (error.kind == ErrorKind::kNotFound && error.code.empty()) {
      error.kind = ErrorKind::kTransient;
      error.message += " (does this endpoint serve STS? AWS_ENDPOINT_URL_STS can point elsewhere)";
    }
    return error;
  }
  if (context.output() == OutputFormat::kJson) {
    print_json(context.out(), {{"account", identity->account},
                               {"arn", identity->arn},
                               {"user_id", identity->user_id},
                               {"credential_source", credentials->source},
                               {"access_key_id", credentials->access_key_id},
                               {"region", s.region().str()},
                               {"kinesis_endpoint", s.endpoint(aws::Service::kKinesis)},
                               {"sts_endpoint", sts_endpoint}});
  } else {
    print_key_values(context.out(), {{"account", identity->account},
                                     {"arn", identity->arn},
                                     {"user id", identity->user_id},
                                     {"credentials", credentials->source},
                                     {"access key", credentials->access_key_id},
                                     {"region", s.region().str()},
                                     {"kinesis endpoint", s.endpoint(aws::Service::kKinesis)},
                                     {"sts endpoint", sts_endpoint}});
  }
  return ok_status();
}

}  // namespace

void register_whoami_command(CLI::App& app, Context& context) {
  CLI::App* whoami = app.add_subcommand("whoami", "Show the caller identity, credential source, region and endpoints");
  whoami->callback([&context] { context.set_action([&context] { return run_whoami(context); }); });
}

}  // namespace kwb::cli
