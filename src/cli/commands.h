#pragma once
// The registry of `kwb` subcommands. Each command group lives in its own file and adds itself to
// the root CLI11 app through one function; main.cc (and register_all_commands) call them in order.
// A new group (emulator, serve, loadtest, analyze, ...) adds one declaration here, one call in
// register_all_commands, and its own <group>_command.cc.

namespace CLI {
class App;
}

namespace kwb::cli {

class Context;

void register_streams_command(CLI::App& app, Context& context);
void register_put_command(CLI::App& app, Context& context);
void register_tail_command(CLI::App& app, Context& context);
void register_whoami_command(CLI::App& app, Context& context);
void register_analyze_command(CLI::App& app, Context& context);
void register_loadtest_command(CLI::App& app, Context& context);
void register_demo_command(CLI::App& app, Context& context);

void register_all_commands(CLI::App& app, Context& context);

}  // namespace kwb::cli
