#pragma once
// The whole `kwb` command line as a function of (arguments, Context), so main.cc stays a few
// lines and tests can run the CLI in-process with a fake environment and captured streams.

#include "cli/context.h"

namespace kwb::cli {

// Parses argv, runs the chosen command and returns the process exit code. Prints usage errors and
// runtime errors as one line on context.err(); never throws.
int run_cli(int argc, const char* const* argv, Context& context);

}  // namespace kwb::cli
