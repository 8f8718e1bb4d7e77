#include "cli/serve_command.h"

#include <CLI/CLI.hpp>
#include <csignal>
#include <memory>
#include <pthread.h>

#include <spdlog/spdlog.h>

#include "cli/context.h"
#include "server/config.h"
#include "server/server_app.h"

namespace kwb::cli {

namespace {

struct ServeFlags {
  std::string config_file;
  std::map<std::string, std::string> values;  // setting name -> text, for the flags given
  bool production = false;
  bool embedded = false;
  bool aws = false;
};

Status run_serve(const ServeFlags& flags, Context& context) {
  server::ConfigSources sources;
  if (!flags.config_file.empty()) sources.file = flags.config_file;
  sources.flags = flags.values;
  if (flags.production) sources.flags["production"] = "true";
  if (flags.embedded && flags.aws) return Error::config("--embedded and --aws exclude each other");
  if (flags.embedded) sources.flags["target"] = "embedded";
  if (flags.aws) sources.flags["target"] = "aws";
  if (!context.options.region.empty() && sources.flags.count("region") == 0) {
    sources.flags["region"] = context.options.region;
  }
  auto config = server::load_config(sources, context.env());
  if (!config) return config.error();
  spdlog::set_level(spdlog::level::from_str(config->log_level));
  spdlog::debug("effective configuration:\n{}", server::describe(*config));

  // Block the stop signals before any thread exists (threads inherit the mask) and wait for them
  // here, so shutdown runs on this thread with no async-signal-safety concerns.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigset_t previous;
  pthread_sigmask(SIG_BLOCK, &stop_signals, &previous);
  const auto restore = [&] { pthread_sigmask(SIG_SETMASK, &previous, nullptr); };

  auto app = server::ServerApp::create(*config, context.env(), context.clock(), context.random());
  if (!app) {
    restore();
    return app.error();
  }
  auto port = (*app)->start();
  if (!port) {
    restore();
    return port.error();
  }
  context.out() << "listening on http://" << config->host << ":" << *port << std::endl;
  spdlog::info("kwb serve listening on http://{}:{} ({} threads)", config->host, *port, config->threads);
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  spdlog::info("signal {} received, shutting down", signal_number);
  (*app)->stop();
  app->reset();
  restore();
  return ok_status();
}

}  // namespace

void register_serve_command(CLI::App& app, Context& context) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* command = app.add_subcommand("serve", "run the Kinesis Workbench REST API (see docs/serve.md)");
  command->add_option("--config", flags->config_file, "TOML file of settings (keys as the flags, without --)")
      ->check(CLI::ExistingFile);
  command->add_flag("--production", flags->production, "refuse unsafe settings, e.g. the default admin password");
  command->add_flag("--embedded", flags->embedded, "run the kwb emulator in-process and use it as AWS");
  command->add_flag("--aws", flags->aws, "use real AWS (the standard credentials chain), never the emulator");
  // Every non-secret, non-boolean setting is also a flag, described from the settings table.
  for (const auto& spec : server::settings_table()) {
    if (spec.kind == server::SettingKind::kSecret || spec.kind == server::SettingKind::kBool) continue;
    if (spec.name == "target" || spec.name == "region") continue;  // --embedded/--aws; global --region
    std::string flag = "--";
    for (char c : spec.name) flag += c == '_' ? '-' : c;
    const std::string name = spec.name;
    command->add_option_function<std::string>(
        flag, [flags, name](const std::string& value) { flags->values[name] = value; },
        spec.description + " [env " + spec.env + "]");
  }
  command->callback([flags, &context] { context.set_action([flags, &context] { return run_serve(*flags, context); }); });
}

}  // namespace kwb::cli
