#include "cli/emulator_flags.h"

#include <CLI/CLI.hpp>
#include <csignal>
#include <ostream>
#include <pthread.h>

#include <spdlog/spdlog.h>

#include "emulator/emulator.h"

namespace kwb::cli {

void add_emulator_flags(CLI::App& cmd, EmulatorFlags& flags) {
  auto& c = flags.config;
  auto& l = flags.config.limits;
  cmd.add_option("--host", c.host, "address to listen on")->capture_default_str();
  cmd.add_option("--port", c.port, "port to listen on (0 picks a free one)")->capture_default_str();
  cmd.add_option("--threads", c.threads, "server threads")->capture_default_str()->check(CLI::Range(1, 64));
  cmd.add_option("--account-id", c.account_id, "account id in ARNs and messages")->capture_default_str();
  cmd.add_option("--default-region", c.default_region, "region for requests without a SigV4 credential scope")
      ->capture_default_str();
  cmd.add_flag("--no-limits", flags.no_limits, "turn every data-plane and control-plane rate limit off (benchmarks)");
  cmd.add_flag("--no-control-plane-limits", flags.no_control_plane_limits, "turn only the control-plane rate limits off");
  cmd.add_option("--create-delay-ms", c.create_delay_ms, "time a new stream stays CREATING")->capture_default_str();
  cmd.add_option("--delete-delay-ms", c.delete_delay_ms, "time a deleted stream stays DELETING")->capture_default_str();
  cmd.add_option("--update-delay-ms", c.update_delay_ms, "time a stream stays UPDATING (resharding, mode, encryption)")
      ->capture_default_str();
  cmd.add_option("--consumer-delay-ms", c.consumer_delay_ms, "time a consumer stays CREATING or DELETING")
      ->capture_default_str();
  cmd.add_option("--iterator-ttl-ms", c.iterator_ttl_ms, "shard iterator lifetime")->capture_default_str();
  cmd.add_option("--max-record-bytes", l.max_record_bytes, "largest record data blob (up to 10 MiB)")
      ->capture_default_str();
  cmd.add_option("--shard-limit", l.shard_limit, "open shards per account and region")->capture_default_str();
  cmd.add_option("--shard-write-bytes-per-second", l.shard_write_bytes_per_second, "per-shard write bytes/s (0: off)")
      ->capture_default_str();
  cmd.add_option("--shard-write-records-per-second", l.shard_write_records_per_second,
                 "per-shard write records/s (0: off)")
      ->capture_default_str();
  cmd.add_option("--shard-read-bytes-per-second", l.shard_read_bytes_per_second, "per-shard read bytes/s (0: off)")
      ->capture_default_str();
  cmd.add_option("--shard-read-calls-per-second", l.shard_read_calls_per_second, "per-shard GetRecords calls/s (0: off)")
      ->capture_default_str();
  cmd.add_option("--burst-seconds", l.burst_seconds, "seconds of rate each per-shard token bucket holds")
      ->capture_default_str();
}

Status run_emulator_foreground(const EmulatorFlags& flags, Clock& clock, Random& random, std::ostream& out) {
  emulator::EmulatorConfig config = flags.config;
  if (flags.no_limits) config.limits.disable_data_plane_limits();
  if (flags.no_control_plane_limits || flags.no_limits) config.limits.control_plane_limits = false;
  KWB_RETURN_IF_ERROR(config.validate());

  // Block the stop signals before any server thread exists (threads inherit the mask) and wait
  // for them here, so shutdown runs on this thread with no async-signal-safety concerns.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigset_t previous;
  pthread_sigmask(SIG_BLOCK, &stop_signals, &previous);

  emulator::Emulator server(config, clock, random);
  auto port = server.start();
  if (!port) {
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return port.error();
  }
  out << "listening on http://" << config.host << ":" << *port << std::endl;
  spdlog::info("kwb emulator listening on {}:{} ({} threads, data-plane limits {})", config.host, *port, config.threads,
               flags.no_limits ? "off" : "on");
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  spdlog::info("signal {} received, shutting down", signal_number);
  server.stop();
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return ok_status();
}

}  // namespace kwb::cli
