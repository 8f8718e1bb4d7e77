// A standalone `kwb emulator` that links only core and the emulator (not the AWS client modules):
// `kwb_emulator_dev emulator --port 0`. The integration tests run it; `kwb emulator` is the same
// command inside the main binary.

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/emulator_flags.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/random.h"

int main(int argc, char** argv) {
  CLI::App app{"kwb emulator (standalone build)"};
  app.require_subcommand(1);
  kwb::cli::EmulatorFlags flags;
  std::string log_level = "info";
  CLI::App* command = app.add_subcommand("emulator", "run a local Kinesis Data Streams emulator");
  kwb::cli::add_emulator_flags(*command, flags);
  command->add_option("--log-level", log_level, "trace, debug, info, warn, error or off")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  kwb::init_logging(log_level);
  kwb::Status status = kwb::cli::run_emulator_foreground(flags, kwb::SystemClock::instance(), kwb::process_random(), std::cout);
  if (!status.ok()) {
    std::cerr << "kwb emulator: " << status.error().describe() << "\n";
    return 1;
  }
  return 0;
}
