#include "cli/emulator_command.h"

#include <CLI/CLI.hpp>
#include <memory>

#include "cli/context.h"
#include "cli/emulator_flags.h"

namespace kwb::cli {

void register_emulator_command(CLI::App& app, Context& context) {
  auto flags = std::make_shared<EmulatorFlags>();
  CLI::App* command = app.add_subcommand("emulator", "run a local Kinesis Data Streams emulator (see docs/emulator.md)");
  add_emulator_flags(*command, *flags);
  command->callback([flags, &context] {
    context.set_action([flags, &context] {
      return run_emulator_foreground(*flags, context.clock(), context.random(), context.out());
    });
  });
}

}  // namespace kwb::cli
