#include "cli/emulator_flags.h"

#include <CLI/CLI.hpp>
#include <csignal>
#include <ostream>
#include <pthread.h>

#include <spdlog/spdlog.h>

#include "emulator/cloudwatch/stack.h"
#include "emulator/emulator.h"
#include "emulator/faults.h"

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
  cmd.add_option("--data-dir", c.data_dir, "keep streams and records in this directory across restarts (default: memory)");
  cmd.add_option("--fsync", flags.fsync,
                 "with --data-dir: always (before each write is acknowledged), batch (every --fsync-interval-ms) or never")
      ->check(CLI::IsMember({"always", "batch", "never"}))
      ->capture_default_str();
  cmd.add_option("--fsync-interval-ms", c.fsync_interval_ms, "with --fsync batch: longest time between syncs")
      ->capture_default_str();
  cmd.add_option("--burst-seconds", l.burst_seconds, "seconds of rate each per-shard token bucket holds")
      ->capture_default_str();
  cmd.add_option("--time-scale", flags.time_scale, "emulator seconds per real second (emulator-only time control)")
      ->check(CLI::Range(0.001, 100000.0))
      ->capture_default_str();
  cmd.add_option("--seed", flags.seed, "seed for fault injection, so the same faults repeat");
  cmd.add_option("--fault", flags.faults,
                 "inject faults, e.g. operation=PutRecords,error_rate=0.1,error=ServiceUnavailable "
                 "(also partial_failure_rate, latency_ms, jitter_ms, reset_rate, blackhole_rate, stream); repeatable");
  cmd.add_option("--seed-metrics", flags.seed_metrics, "JSON file of past datapoints to load (as POST /_kwb/metrics/seed)");
}

Status run_emulator_foreground(const EmulatorFlags& flags, Clock& clock, Random& random, std::ostream& out) {
  emulator::EmulatorConfig config = flags.config;
  if (!emulator::parse_fsync_mode(flags.fsync, config.fsync)) return Error::config("--fsync must be always, batch or never");
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

  emulator::cloudwatch::MonitoringOptions monitoring_options;
  monitoring_options.time_scale = flags.time_scale;
  monitoring_options.seed = flags.seed.value_or(random.next_u64());
  monitoring_options.seed_metrics_file = flags.seed_metrics;
  for (const std::string& text : flags.faults) {
    auto rule = emulator::parse_fault_rule(text);
    if (!rule) {
      pthread_sigmask(SIG_SETMASK, &previous, nullptr);
      return rule.error();
    }
    monitoring_options.faults.push_back(std::move(*rule));
  }
  // The emulator runs on the monitoring clock (advance / time scale) and reports to its observer.
  emulator::cloudwatch::Monitoring monitoring(std::move(monitoring_options), clock, config);
  emulator::Emulator server(config, monitoring.clock(), random, &monitoring.observer());
  if (Status attached = monitoring.attach(server); !attached.ok()) {
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return attached.error();
  }
  auto port = server.start();
  if (!port) {
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return port.error();
  }
  out << "listening on http://" << config.host << ":" << *port << std::endl;
  spdlog::info("kwb emulator listening on {}:{} ({} threads, data-plane limits {}, storage {})", config.host, *port,
               config.threads, flags.no_limits ? "off" : "on",
               config.data_dir.empty() ? std::string("memory")
                                       : config.data_dir + " (fsync " + std::string(to_string(config.fsync)) + ")");
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  spdlog::info("signal {} received, shutting down", signal_number);
  server.stop();
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return ok_status();
}

}  // namespace kwb::cli
