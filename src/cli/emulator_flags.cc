#include "cli/emulator_flags.h"

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdlib>
#include <ostream>
#include <pthread.h>

#include <spdlog/spdlog.h>

#include "core/strings.h"
#include "emulator/cloudwatch/stack.h"
#include "emulator/emulator.h"
#include "emulator/faults.h"
#include "http/tls.h"

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
  cmd.add_option("--subscription-lifetime-ms", c.subscription_lifetime_ms,
                 "how long one SubscribeToShard stream lasts before the client must renew it (AWS: 5 minutes)")
      ->capture_default_str();
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
  cmd.add_flag("--verify-signatures", c.verify_signatures,
               "check SigV4 signatures against the configured keys (--access-key, --credentials, "
               "KWB_EMULATOR_CREDENTIALS) and answer AWS's errors");
  cmd.add_option("--access-key", flags.access_keys, "ID:SECRET accepted by --verify-signatures; repeatable");
  cmd.add_option("--credentials", flags.credentials_file,
                 "file of keys for --verify-signatures: ID:SECRET lines or an AWS credentials file");
  cmd.add_flag("--tls", c.tls,
               "serve HTTPS; without --tls-cert/--tls-key a self-signed certificate for 127.0.0.1 and localhost is "
               "generated and its path printed (pass it as AWS_CA_BUNDLE)");
  cmd.add_option("--tls-cert", c.tls_cert_file, "PEM certificate chain for --tls");
  cmd.add_option("--tls-key", c.tls_key_file, "PEM private key for --tls");
}

Result<std::vector<emulator::AccessKey>> collect_access_keys(const EmulatorFlags& flags, std::string_view env_value) {
  std::vector<emulator::AccessKey> keys;
  for (const std::string& text : flags.access_keys) {
    auto key = emulator::parse_access_key(text);
    if (!key) return Error::config("--access-key: " + key.error().message);
    keys.push_back(std::move(*key));
  }
  if (!flags.credentials_file.empty()) {
    auto from_file = emulator::load_credentials_file(flags.credentials_file);
    if (!from_file) return from_file.error();
    for (auto& key : *from_file) keys.push_back(std::move(key));
  }
  for (const std::string& item : split(env_value, ',')) {
    if (trim(item).empty()) continue;
    auto key = emulator::parse_access_key(item);
    if (!key) return Error::config("KWB_EMULATOR_CREDENTIALS: " + key.error().message);
    keys.push_back(std::move(*key));
  }
  return keys;
}

Status run_emulator_foreground(const EmulatorFlags& flags, Clock& clock, Random& random, std::ostream& out) {
  emulator::EmulatorConfig config = flags.config;
  if (!emulator::parse_fsync_mode(flags.fsync, config.fsync)) return Error::config("--fsync must be always, batch or never");
  if (flags.no_limits) config.limits.disable_data_plane_limits();
  if (flags.no_control_plane_limits || flags.no_limits) config.limits.control_plane_limits = false;
  const char* env_credentials = std::getenv("KWB_EMULATOR_CREDENTIALS");
  auto keys = collect_access_keys(flags, env_credentials != nullptr ? env_credentials : "");
  if (!keys) return keys.error();
  config.access_keys = std::move(*keys);
  if (config.tls && config.tls_cert_file.empty() && config.tls_key_file.empty()) {
    // Next to the data so a restarted emulator keeps its certificate (clients keep trusting it);
    // in a fresh temporary directory otherwise.
    auto generated = http::generate_self_signed_certificate(
        config.data_dir.empty() ? std::string() : config.data_dir + "/tls", {"127.0.0.1", "localhost", config.host});
    if (!generated) return generated.error();
    config.tls_cert_file = generated->cert_file;
    config.tls_key_file = generated->key_file;
  }
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
  // Clients sign with the real time, whatever --time-scale does to the emulator's clock.
  server.set_signature_clock(clock);
  if (Status attached = monitoring.attach(server); !attached.ok()) {
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return attached.error();
  }
  auto port = server.start();
  if (!port) {
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return port.error();
  }
  if (config.tls) out << "tls certificate " << config.tls_cert_file << " (AWS_CA_BUNDLE / --ca-bundle)" << std::endl;
  out << "listening on " << (config.tls ? "https" : "http") << "://" << config.host << ":" << *port << std::endl;
  spdlog::info("kwb emulator listening on {}:{} ({} threads, data-plane limits {}, signatures {}, tls {}, storage {})",
               config.host, *port, config.threads, flags.no_limits ? "off" : "on",
               config.verify_signatures ? "verified (" + std::to_string(config.access_keys.size()) + " keys)" : "not checked",
               config.tls ? "on" : "off",
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
