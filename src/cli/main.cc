// Entry point of the `kwb` binary: wires the real environment, clock, randomness and standard
// streams into a Context and hands over to run_cli.

#include <csignal>
#include <iostream>

#include "cli/app.h"
#include "core/clock.h"
#include "core/environment.h"
#include "core/random.h"

namespace {
extern "C" void on_interrupt(int) { kwb::cli::Context::interrupted().store(true); }
}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  // Ctrl-C sets a flag that long-running commands poll, so they stop cleanly and exit 130.
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;  // a second Ctrl-C ends the process at once
  sigaction(SIGINT, &action, nullptr);

  kwb::cli::Context context(kwb::SystemEnvironment::instance(), kwb::SystemClock::instance(), kwb::process_random(),
                            std::cin, std::cout, std::cerr);
  return kwb::cli::run_cli(argc, argv, context);
}
