// `kwb loadtest`: drive a stream to a rate profile, read every record back, and check the SLOs.
//
// The work is in kwb::loadtest (Runner, Verifier, Report); this file parses flags, creates (and
// afterwards deletes) a scratch stream with --create, prints the live progress line and the
// summary, writes the JSON and HTML reports, and turns the SLO gates into the exit code:
// 0 when every gate holds, kExitSloFailed (6) when one does not. See docs/loadtest.md.

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <ostream>

#include "cli/commands.h"
#include "cli/context.h"
#include "kinesis/waiters.h"
#include "loadtest/envelope.h"
#include "loadtest/runner.h"

namespace kwb::cli {

namespace {

using nlohmann::json;

struct LoadtestOptions {
  std::string stream;
  bool create = false;
  int shards = 0;
  bool keep_stream = false;
  std::string rate = "1000";
  std::string duration = "30s";
  std::string profile = "constant";
  std::string record_size = "100";
  std::string keys = "uniform";
  int producers = 1;
  bool verify = false;
  std::string report_path;
  std::string json_path;
  std::optional<double> max_p99_latency;
  std::optional<std::uint64_t> max_loss;
  std::optional<double> min_throughput;
  bool progress = false;
  bool no_progress = false;
  std::string grace = "15s";
  std::string drain_timeout = "30s";
  std::string record_ttl = "30s";
  int linger_ms = 50;
  double rate_limit_factor = 1.5;
  bool ordered = false;
  std::string run_id;
};

Status write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Error::io("cannot write '" + path + "'");
  out << content;
  out.close();
  if (!out) return Error::io("failed writing '" + path + "'");
  return ok_status();
}

std::string fixed(double v, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v);
  return buffer;
}

// "[  12s] running   target 2000/s  acked 1998/s  read 2001/s  p99 153 ms  throttled 0  retried 0  lost so far 0"
std::string progress_line(const loadtest::Progress& p, bool verify) {
  std::string line = "[" + fixed(p.elapsed_s, 0) + "s] " + std::string(loadtest::to_string(p.phase));
  if (p.phase == loadtest::Phase::kRunning) {
    line += "  target " + fixed(p.target_rps, 0) + "/s  acked " + fixed(p.achieved_rps, 0) + "/s";
  }
  line += "  acked " + std::to_string(p.verifier.acked) + "/" + std::to_string(p.verifier.sent);
  if (verify) {
    line += "  read " + std::to_string(p.verifier.read) + "  p99 " + fixed(p.verifier.p99_ms, 0) + " ms";
  }
  line += "  throttled " + std::to_string(p.throttled) + "  retried " + std::to_string(p.retried);
  if (verify) line += "  lost so far " + std::to_string(p.verifier.overdue);
  return line;
}

Status run_loadtest(const LoadtestOptions& o, Context& context) {
  using loadtest::RateProfile;
  // ---- Validate everything before touching the service ----
  if (o.stream.empty() && !o.create) return Error::invalid_input("--stream", "give --stream NAME, or --create --shards N");
  if (o.create && o.shards <= 0) return Error::invalid_input("--shards", "--create needs --shards N");
  auto rate = loadtest::parse_rate(o.rate);
  if (!rate) return rate.error();
  auto duration = loadtest::parse_duration(o.duration);
  if (!duration) return duration.error();
  auto profile = RateProfile::parse(o.profile, *rate, *duration);
  if (!profile) return profile.error();
  auto sizes = loadtest::SizeDistribution::parse(o.record_size);
  if (!sizes) return sizes.error();
  auto keys = loadtest::KeyDistribution::parse(o.keys);
  if (!keys) return keys.error();
  auto grace = loadtest::parse_duration(o.grace, "--grace");
  if (!grace) return grace.error();
  auto drain = loadtest::parse_duration(o.drain_timeout, "--drain-timeout");
  if (!drain) return drain.error();
  auto ttl = loadtest::parse_duration(o.record_ttl, "--record-ttl");
  if (!ttl) return ttl.error();
  const std::string run_id = o.run_id.empty() ? loadtest::make_run_id(context.random().next_u64()) : o.run_id;
  KWB_RETURN_IF_ERROR(loadtest::validate_run_id(run_id));
  // Latency and loss are measured by reading back, so their gates turn verification on.
  const bool verify = o.verify || o.max_p99_latency.has_value() || o.max_loss.has_value();

  auto to_ms = [](loadtest::Seconds s) {
    return std::chrono::milliseconds(static_cast<std::int64_t>(s.count() * 1000));
  };
  loadtest::LoadTestConfig config;
  config.profile = *profile;
  config.sizes = *sizes;
  config.keys = *keys;
  config.producers = o.producers;
  config.verify = verify;
  config.run_id = run_id;
  config.grace = to_ms(*grace);
  config.drain_timeout = to_ms(*drain);
  config.producer.linger = std::chrono::milliseconds(o.linger_ms);
  config.producer.rate_limit_factor = o.rate_limit_factor;
  config.producer.record_ttl = to_ms(*ttl);
  config.producer.per_key_ordering = o.ordered;

  auto client = context.kinesis();
  if (!client) return client.error();

  // ---- The stream ----
  kinesis::StreamRef stream;
  if (o.create) {
    const std::string name = o.stream.empty() ? "kwb-loadtest-" + run_id : o.stream;
    KWB_RETURN_IF_ERROR(kinesis::validate_stream_name(name));
    kinesis::CreateStreamRequest request;
    request.stream_name = StreamName(name);
    request.shard_count = o.shards;
    KWB_RETURN_IF_ERROR((*client)->create_stream(request));
    stream = request.stream_name;
    kinesis::WaitOptions wait;
    wait.timeout = std::chrono::seconds(300);
    auto active = kinesis::wait_for_stream_active(**client, stream, context.clock(), wait);
    if (!active) return context.stream_error(active.error(), stream);
    context.err() << "created stream '" << name << "' with " << o.shards << " shards\n";
  } else {
    stream = kinesis::StreamRef::parse(o.stream);
    KWB_RETURN_IF_ERROR(kinesis::validate_stream_ref(stream));
  }
  config.stream = stream;
  // Validated only now: the producer config needs the stream, which --create has just made.
  config.producer.stream = stream;
  KWB_RETURN_IF_ERROR(kinesis::producer::validate(config.producer));

  // ---- Run ----
  kinesis::producer::ClientSender sender(**client);
  kinesis::consumer::ClientBackend backend(**client);
  loadtest::Runner runner(config, sender, backend, context.clock(), context.random());
  const bool tty = &context.err() == &std::cerr && ::isatty(STDERR_FILENO) == 1;
  const bool show = !o.no_progress && (o.progress || tty);
  bool line_open = false;
  auto result = runner.run([&](const loadtest::Progress& p) {
    if (Context::interrupted().load()) runner.request_stop();
    if (!show) return;
    const std::string line = progress_line(p, verify);
    if (tty) {
      context.err() << '\r' << line << "\x1b[K" << std::flush;
      line_open = true;
    } else {
      context.err() << line << '\n' << std::flush;
    }
  });
  if (line_open) context.err() << '\n';
  if (o.create && !o.keep_stream) {
    Status deleted = (*client)->delete_stream({stream, false});
    if (!deleted) context.err() << "note: could not delete stream '" << stream.name() << "': " << deleted.error().describe() << '\n';
  }
  if (!result) return context.stream_error(result.error(), stream);
  loadtest::Report& report = *result;
  loadtest::evaluate_slos(report, {o.max_p99_latency, o.max_loss, o.min_throughput});

  // ---- Output ----
  const json j = loadtest::to_json(report);
  if (!o.json_path.empty()) KWB_RETURN_IF_ERROR(write_file(o.json_path, j.dump(2) + "\n"));
  if (!o.report_path.empty()) KWB_RETURN_IF_ERROR(write_file(o.report_path, loadtest::render_html(report)));
  if (context.output() == OutputFormat::kJson) {
    print_json(context.out(), j);
  } else {
    std::vector<std::pair<std::string, std::string>> rows = {
        {"run", report.run_id},
        {"stream", report.stream + " (" + std::to_string(report.shards) + " shards)"},
        {"duration", fixed(report.duration_s, 1) + " s, profile " + report.profile},
        {"throughput", fixed(report.achieved_rps, 0) + " records/s achieved, " + fixed(report.target_rps, 0) +
                           " target (" + fixed(report.achieved_mb_s, 2) + " MB/s)"},
        {"records", std::to_string(report.sent) + " sent, " + std::to_string(report.acked) + " acked, " +
                        std::to_string(report.failed) + " failed"},
        {"throttled", std::to_string(report.throttled) + " (retried " + std::to_string(report.retried) + ")"}};
    if (report.verified) {
      rows.push_back({"verified", std::to_string(report.read) + " read, " + std::to_string(report.lost) + " lost, " +
                                      std::to_string(report.duplicates) + " duplicates, " +
                                      std::to_string(report.order_violations) + " order violations"});
      rows.push_back({"latency", "p50 " + fixed(report.latency.p50_ms, 1) + " ms, p90 " +
                                     fixed(report.latency.p90_ms, 1) + ", p99 " + fixed(report.latency.p99_ms, 1) +
                                     ", p99.9 " + fixed(report.latency.p999_ms, 1) + ", max " +
                                     fixed(report.latency.max_ms, 1) + " (send to read)"});
    }
    rows.push_back({"ack latency", "p50 " + fixed(report.ack_latency.p50_ms, 1) + " ms, p99 " +
                                       fixed(report.ack_latency.p99_ms, 1) + " (send to ack)"});
    for (const auto& check : report.slo) {
      rows.push_back({"slo " + check.name, std::string(check.passed ? "pass" : "FAIL") + " (limit " +
                                               fixed(check.limit, 1) + ", actual " + fixed(check.actual, 1) + ")"});
    }
    print_key_values(context.out(), rows);
  }
  context.out().flush();
  if (!report.slo_passed()) {
    std::string failed;
    for (const auto& check : report.slo) {
      if (!check.passed) failed += (failed.empty() ? "" : ", ") + check.name;
    }
    Error error = Error::internal("SLO failed: " + failed);
    error.code = kSloFailedCode;
    return error;
  }
  return ok_status();
}

}  // namespace

void register_loadtest_command(CLI::App& app, Context& context) {
  auto o = std::make_shared<LoadtestOptions>();
  CLI::App* cmd = app.add_subcommand(
      "loadtest", "Drive a stream to a rate profile, read every record back, report latency/loss/throughput, gate on SLOs");
  auto* stream = cmd->add_option("--stream", o->stream, "stream to write (with --create: the name to create)");
  (void)stream;
  cmd->add_flag("--create", o->create, "create a scratch stream for the run (deleted afterwards unless --keep-stream)");
  cmd->add_option("--shards", o->shards, "shards of the stream --create makes")->check(CLI::Range(1, 100000));
  cmd->add_flag("--keep-stream", o->keep_stream, "keep the stream --create made");
  cmd->add_option("--rate", o->rate, "records/s for the constant profile, e.g. 2000 or 2.5k")->capture_default_str();
  cmd->add_option("--duration", o->duration, "length of the run, e.g. 30s, 2m")->capture_default_str();
  cmd->add_option("--profile", o->profile,
                  "constant | ramp:A..B | step:R1@D1,R2@D2,... | spike:BASE,PEAK@T+D")
      ->capture_default_str();
  cmd->add_option("--record-size", o->record_size, "SIZE (100, 1KiB) | uniform:MIN..MAX | choice:S1,S2,...")
      ->capture_default_str();
  cmd->add_option("--keys", o->keys, "uniform[:N] | zipf:S[:N] | hot:P[:N]  (N distinct keys, default 1000)")
      ->capture_default_str();
  cmd->add_option("--producers", o->producers, "independent producers (each with its own buffer and senders)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_flag("--verify", o->verify, "read every shard alongside and account for every record");
  cmd->add_option("--report", o->report_path, "write a self-contained HTML report here");
  cmd->add_option("--json", o->json_path, "write the JSON report here");
  cmd->add_option("--max-p99-latency", o->max_p99_latency, "SLO: end-to-end p99 latency at most MS (implies --verify)");
  cmd->add_option("--max-loss", o->max_loss, "SLO: at most N records lost (implies --verify)");
  cmd->add_option("--min-throughput", o->min_throughput, "SLO: achieved records/s at least RPS");
  cmd->add_flag("--progress", o->progress, "print the progress line even when stderr is not a terminal");
  cmd->add_flag("--no-progress", o->no_progress, "never print the progress line");
  cmd->add_option("--grace", o->grace, "after the run, how long acked records may take to be read before they count as lost")
      ->capture_default_str();
  cmd->add_option("--drain-timeout", o->drain_timeout, "after the run, how long producers may take to send what they hold")
      ->capture_default_str();
  cmd->add_option("--record-ttl", o->record_ttl, "how long a record may be retried before it expires")
      ->capture_default_str();
  cmd->add_option("--linger-ms", o->linger_ms, "producer linger before a partial batch is sent")
      ->check(CLI::Range(0, 60000))
      ->capture_default_str();
  cmd->add_option("--rate-limit-factor", o->rate_limit_factor,
                  "producer per-shard limit as a multiple of Kinesis's (1.5 overshoots and lets Kinesis arbitrate, as the KPL does)")
      ->capture_default_str();
  cmd->add_flag("--ordered", o->ordered, "per-partition-key ordering in the producers (one record per key and one batch per shard in flight)");
  cmd->add_option("--run-id", o->run_id, "run id written into every record (default: random)");
  cmd->callback([o, &context] { context.set_action([o, &context] { return run_loadtest(*o, context); }); });
}

}  // namespace kwb::cli
