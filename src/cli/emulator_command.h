#pragma once
// `kwb emulator`: run the local Kinesis Data Streams emulator in the foreground until SIGINT or
// SIGTERM. The flags and the run loop live in emulator_flags.h.

namespace CLI {
class App;
}

namespace kwb::cli {

class Context;

void register_emulator_command(CLI::App& app, Context& context);

}  // namespace kwb::cli
