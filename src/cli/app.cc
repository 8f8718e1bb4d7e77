#include "cli/app.h"

#include <CLI/CLI.hpp>

#include <exception>
#include <ostream>

#include "cli/commands.h"
#include "cli/emulator_command.h"
#include "cli/serve_command.h"
#include "core/log.h"

#ifndef KWB_VERSION
#define KWB_VERSION "0.0.0"
#endif

namespace kwb::cli {

namespace {

void set_footer_everywhere(CLI::App& app) {
  app.footer(kExitCodeHelp);
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) set_footer_everywhere(*sub);
}

std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

}  // namespace

void register_all_commands(CLI::App& app, Context& context) {
  register_streams_command(app, context);
  register_put_command(app, context);
  register_tail_command(app, context);
  register_whoami_command(app, context);
  register_analyze_command(app, context);
  register_loadtest_command(app, context);
  register_demo_command(app, context);
  register_emulator_command(app, context);
  register_serve_command(app, context);
}

int run_cli(int argc, const char* const* argv, Context& context) {
  try {
    CLI::App app{"kwb: Kinesis Workbench, a toolkit for AWS Kinesis Data Streams", "kwb"};
    // Global options may also follow the subcommand: `kwb streams list --region eu-west-1`.
    app.fallthrough();
    // No require_subcommand(): with it, CLI11 reports "A subcommand is required" even for a
    // misspelt command. Without it, a stray word is reported by name, and a missing command is
    // caught below as "no action chosen".
    app.set_version_flag("--version", std::string("kwb ") + KWB_VERSION);
    GlobalOptions& options = context.options;
    app.add_option("--region", options.region, "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, profile)");
    app.add_option("--profile", options.profile, "profile from ~/.aws/config and ~/.aws/credentials (default: AWS_PROFILE)");
    app.add_option("--endpoint-url", options.endpoint_url,
                   "send every AWS call to this URL (default: AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, profile)");
    app.add_option("--output", options.output, "output format: table or json")
        ->check(CLI::IsMember({"table", "json"}));
    app.add_option("--log-level", options.log_level, "trace, debug, info, warn, error or off (logs go to stderr)")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));

    register_all_commands(app, context);
    set_footer_everywhere(app);

    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      if (e.get_exit_code() == 0) return app.exit(e, context.out(), context.err());  // --help, --version
      context.err() << "kwb: " << one_line(e.what()) << " (see 'kwb --help')\n";
      return kExitUsage;
    }

    init_logging(options.log_level);
    if (!context.has_action()) {
      std::string path = "kwb";
      for (const CLI::App* sub = &app; sub != nullptr;) {
        auto chosen = sub->get_subcommands();
        sub = chosen.empty() ? nullptr : chosen.front();
        if (sub != nullptr) path += " " + sub->get_name();
      }
      context.err() << "kwb: '" << path << "' needs a command (see '" << path << " --help')\n";
      return kExitUsage;
    }
    Status status = context.run_action();
    if (!status.ok()) {
      context.err() << "kwb: " << describe_for_cli(status.error()) << '\n';
      return exit_code_for(status.error());
    }
    context.out().flush();
    return kExitOk;
  } catch (const std::exception& e) {
    // Nothing should get here; if something does, it is still one line and a non-zero exit.
    context.err() << "kwb: internal error: " << one_line(e.what()) << '\n';
    return kExitServiceError;
  }
}

}  // namespace kwb::cli
