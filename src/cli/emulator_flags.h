#pragma once
// The flags of `kwb emulator` and the foreground run loop, with no dependency on the AWS client
// modules, so both `kwb` (emulator_command.cc) and the standalone kwb_emulator_dev binary use them.

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/random.h"
#include "core/result.h"
#include "emulator/config.h"

namespace CLI {
class App;
}

namespace kwb::cli {

struct EmulatorFlags {
  emulator::EmulatorConfig config;
  bool no_limits = false;
  bool no_control_plane_limits = false;
  std::string fsync = "batch";  // parsed into config.fsync by run_emulator_foreground
  // Monitoring and test control (docs/emulator.md, "CloudWatch"): emulator-only.
  double time_scale = 1.0;
  std::optional<std::uint64_t> seed;     // fault injection; random when absent
  std::vector<std::string> faults;       // --fault "operation=PutRecords,error_rate=0.1"
  std::string seed_metrics;              // --seed-metrics FILE
  // SigV4 keys: --access-key ID:SECRET (repeatable), --credentials FILE, and
  // KWB_EMULATOR_CREDENTIALS="ID:SECRET[,ID:SECRET...]" are merged.
  std::vector<std::string> access_keys;
  std::string credentials_file;
};

// Adds --host, --port, --threads, --no-limits, the delays and the limit settings to `command`.
// `flags` must outlive parsing.
void add_emulator_flags(CLI::App& command, EmulatorFlags& flags);

// Starts the emulator, prints "listening on http://HOST:PORT" on `out` once bound, and serves until
// SIGINT or SIGTERM, then shuts down gracefully. Blocks both signals in the calling thread (and so
// in the server threads it starts) and waits for them with sigwait.
Status run_emulator_foreground(const EmulatorFlags& flags, Clock& clock, Random& random, std::ostream& out);

// The keys --verify-signatures checks against, from the flags and the environment value
// (KWB_EMULATOR_CREDENTIALS, empty when unset).
Result<std::vector<emulator::AccessKey>> collect_access_keys(const EmulatorFlags& flags, std::string_view env_value);

}  // namespace kwb::cli
