// `kwb analyze`: bulk analysis of Kinesis streams from CloudWatch metrics. A thin shell over
// kwb::analysis — collect snapshots (Collector), analyze (Router: rules, optionally an LLM on top),
// render (table, JSON or Markdown), and optionally create the recommended alarms.

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <iostream>

#include <algorithm>
#include <memory>
#include <ostream>

#include "analysis/collector.h"
#include "analysis/llm.h"
#include "analysis/router.h"
#include "cli/commands.h"
#include "cli/context.h"
#include "cloudwatch/client.h"
#include "core/strings.h"

namespace kwb::cli {

namespace {

struct AnalyzeOptions {
  bool all = false;
  std::string streams;  // "a,b"
  std::string tag;      // "k=v"
  std::string window = "3h";
  std::string output;  // table|json|markdown; empty: the global --output
  std::string analyzer = "auto";
  bool apply_alarms = false;
  std::vector<std::string> alarm_actions;
  double iterator_age_threshold = 60;
  double headroom = 0.25;
  int parallel = 8;
  int period = 0;
  bool progress = false;     // --progress: show it even when stderr is not a terminal
  bool no_progress = false;  // --no-progress
};

// "describe [##########----------] 12/40": one line, redrawn in place on a terminal.
std::string progress_bar(const analysis::CollectProgress& p) {
  constexpr int kWidth = 24;
  const int filled = p.total > 0 ? std::min(kWidth, p.done * kWidth / p.total) : 0;
  const char* unit = p.phase == "describe" ? " streams described" : " GetMetricData batches";
  return p.phase + " [" + std::string(filled, '#') + std::string(kWidth - filled, '-') + "] " + std::to_string(p.done) +
         "/" + std::to_string(p.total) + unit;
}

Result<analysis::StreamSelector> selector_from(const AnalyzeOptions& o) {
  const int chosen = (o.all ? 1 : 0) + (o.streams.empty() ? 0 : 1) + (o.tag.empty() ? 0 : 1);
  if (chosen != 1) return Error::invalid_input("--streams", "choose exactly one of --all, --streams A,B or --tag K=V");
  if (o.all) return analysis::StreamSelector::all();
  if (!o.tag.empty()) {
    auto eq = o.tag.find('=');
    if (eq == std::string::npos || eq == 0) return Error::invalid_input("--tag", "--tag is KEY=VALUE, got '" + o.tag + "'");
    return analysis::StreamSelector::by_tag(o.tag.substr(0, eq), o.tag.substr(eq + 1));
  }
  std::vector<std::string> names;
  for (const auto& part : split(o.streams, ',')) {
    std::string name(trim(part));
    if (!name.empty()) names.push_back(name);
  }
  if (names.empty()) return Error::invalid_input("--streams", "--streams needs at least one name");
  return analysis::StreamSelector::by_names(std::move(names));
}

Status run_analyze(const AnalyzeOptions& o, Context& context) {
  const std::string output = o.output.empty() ? context.options.output : o.output;
  auto selector = selector_from(o);
  if (!selector) return selector.error();
  auto window = analysis::parse_window(o.window);
  if (!window) return window.error();
  auto choice = analysis::parse_analyzer_choice(o.analyzer);
  if (!choice) return choice.error();
  analysis::RouterOptions router_options;
  router_options.rules.iterator_age_threshold_seconds = o.iterator_age_threshold;
  router_options.rules.sizing.headroom = o.headroom;
  router_options.alarms.alarm_actions = o.alarm_actions;
  KWB_RETURN_IF_ERROR(router_options.rules.validate());
  auto llm_config = analysis::llm_config_from_env(context.env());
  if (!llm_config) return llm_config.error();

  auto session = context.session();
  if (!session) return session.error();
  auto kinesis = context.kinesis();
  if (!kinesis) return kinesis.error();
  cloudwatch::Client cloudwatch((*session)->client(aws::Service::kCloudWatch));

  analysis::CollectorOptions collector_options;
  collector_options.max_parallel = o.parallel;
  if (o.period > 0) collector_options.period_seconds = o.period;
  analysis::Collector collector(**kinesis, cloudwatch, context.clock(), collector_options);
  analysis::CollectStats stats;
  // Progress on stderr: redrawn in place on a terminal, one line per step with --progress
  // otherwise. Without it the collector fetches metric batches in parallel (progress serialises them).
  const bool tty = &context.err() == &std::cerr && ::isatty(STDERR_FILENO) == 1;
  const bool show = !o.no_progress && (o.progress || tty);
  bool line_open = false;
  analysis::CollectProgressCallback on_progress;
  if (show) {
    on_progress = [&](const analysis::CollectProgress& p) {
      if (tty) {
        context.err() << '\r' << progress_bar(p) << "\x1b[K" << std::flush;
        line_open = true;
      } else {
        context.err() << progress_bar(p) << '\n' << std::flush;
      }
    };
  }
  auto snapshots = collector.collect(*selector, *window, &stats, on_progress);
  if (line_open) context.err() << '\n';
  if (!snapshots) return snapshots.error();
  context.err() << "collected " << stats.streams << " streams: " << stats.kinesis_calls << " Kinesis calls, "
                << stats.cloudwatch_requests << " GetMetricData requests for " << stats.metric_queries
                << " queries (period " << stats.period_seconds << " s)\n";

  std::unique_ptr<aws::HttpTransport> transport;
  std::unique_ptr<analysis::LlmAnalyzer> llm;
  if (llm_config->has_value()) {
    aws::HttpOptions http;
    http.request_timeout = (*llm_config)->timeout;
    transport = aws::make_curl_transport(http);
    llm = std::make_unique<analysis::LlmAnalyzer>(**llm_config, *transport);
  }
  analysis::Router router(router_options, llm.get(), context.clock());
  analysis::AnalysisReport report = router.analyze(*snapshots, *choice);
  if (report.fallback_reason && *choice != analysis::AnalyzerChoice::kRules) {
    context.err() << "LLM analyzer not used: " << *report.fallback_reason << "\n";
  }

  nlohmann::json applied = nullptr;
  int alarm_failures = 0;
  if (o.apply_alarms) {
    applied = nlohmann::json::object({{"created", nlohmann::json::array()}, {"failed", nlohmann::json::array()}});
    for (const auto& stream : report.streams) {
      auto result = analysis::apply_alarms(cloudwatch, stream.alarms);
      for (const auto& name : result.created) applied["created"].push_back(name);
      for (const auto& [name, error] : result.failed) {
        applied["failed"].push_back({{"alarm_name", name}, {"error", error.describe()}});
        context.err() << "alarm " << name << " not created: " << error.describe() << "\n";
        ++alarm_failures;
      }
    }
    context.err() << applied["created"].size() << " alarms created or updated\n";
  }

  if (output == "json") {
    nlohmann::json doc = analysis::to_json(report);
    doc["collection"] = {{"streams", stats.streams},
                         {"kinesis_calls", stats.kinesis_calls},
                         {"cloudwatch_requests", stats.cloudwatch_requests},
                         {"metric_queries", stats.metric_queries},
                         {"period", stats.period_seconds},
                         {"window_seconds", window->count()}};
    if (o.apply_alarms) doc["applied_alarms"] = applied;
    print_json(context.out(), doc);
  } else if (output == "markdown") {
    analysis::render_markdown(context.out(), report);
  } else {
    analysis::render_table(context.out(), report);
  }
  if (alarm_failures > 0) {
    return Error{ErrorKind::kTransient, "", std::to_string(alarm_failures) + " alarms could not be created", 0, ""};
  }
  return ok_status();
}

}  // namespace

void register_analyze_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<AnalyzeOptions>();
  CLI::App* command = app.add_subcommand(
      "analyze", "analyze streams from CloudWatch metrics: findings, shard sizing with cost, alarms (docs/analysis.md)");
  command->add_flag("--all", options->all, "every stream in the region");
  command->add_option("--streams", options->streams, "comma-separated stream names or ARNs");
  command->add_option("--tag", options->tag, "streams tagged KEY=VALUE");
  command->add_option("--window", options->window, "how far back to look, e.g. 90m, 3h, 2d (default 3h)");
  command->add_option("--output", options->output, "table, json or markdown (default: the global --output)")
      ->check(CLI::IsMember({"table", "json", "markdown"}));
  command->add_option("--analyzer", options->analyzer, "auto, rules or llm (default auto)")
      ->check(CLI::IsMember({"auto", "rules", "llm"}));
  command->add_flag("--apply-alarms", options->apply_alarms,
                    "create the recommended alarms (PutMetricAlarm, names kwb-<stream>-<metric>)");
  command->add_option("--alarm-action", options->alarm_actions, "ARN notified when an applied alarm fires (repeatable)");
  command->add_option("--iterator-age-threshold", options->iterator_age_threshold,
                      "latency SLO in seconds for IteratorAge (default 60)")
      ->check(CLI::PositiveNumber);
  command->add_option("--headroom", options->headroom, "sizing headroom above the peak, as a fraction (default 0.25)")
      ->check(CLI::Range(0.0, 10.0));
  command->add_option("--parallel", options->parallel, "requests in flight (default 8)")->check(CLI::Range(1, 64));
  command->add_option("--period", options->period, "metric period in seconds (default: chosen from the window)")
      ->check(CLI::Range(60, 86400));
  command->add_flag("--progress", options->progress, "show collection progress even when stderr is not a terminal");
  command->add_flag("--no-progress", options->no_progress, "never show collection progress");
  command->callback([options, &context] { context.set_action([options, &context] { return run_analyze(*options, context); }); });
}

}  // namespace kwb::cli
