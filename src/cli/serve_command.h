#pragma once
// `kwb serve`: the REST API (src/server) in the foreground until SIGINT or SIGTERM.
//
// Flags map one-to-one onto the declared settings of server/config.h (so --help, the TOML file
// and KWB_* name the same things); secrets (jwt_secret, admin_password) are deliberately not
// flags, since command lines are visible to every local user through /proc.

namespace CLI {
class App;
}

namespace kwb::cli {

class Context;

void register_serve_command(CLI::App& app, Context& context);

}  // namespace kwb::cli
