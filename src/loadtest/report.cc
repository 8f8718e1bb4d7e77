#include "loadtest/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace kwb::loadtest {

namespace {

using nlohmann::json;

// Rounded for people and for stable JSON: 3 decimals is well below every measurement's precision.
double round3(double v) { return std::round(v * 1000.0) / 1000.0; }

json latency_json(const LatencySummary& s) {
  return {{"p50", round3(s.p50_ms)}, {"p90", round3(s.p90_ms)},   {"p99", round3(s.p99_ms)},
          {"p999", round3(s.p999_ms)}, {"max", round3(s.max_ms)}, {"count", s.count}};
}

std::string escape_html(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string fmt(double v, int decimals = 1) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v);
  return buffer;
}

// Tick label: no decimals for large values, a few for small ones.
std::string tick_label(double v) {
  const double a = std::fabs(v);
  if (a >= 1e6) return fmt(v / 1e6, a >= 1e7 ? 0 : 1) + "M";
  if (a >= 1e4) return fmt(v / 1e3, 0) + "k";
  if (a >= 100 || v == std::floor(v)) return fmt(v, 0);
  if (a >= 1) return fmt(v, 1);
  return fmt(v, 2);
}

// A "nice" step (1, 2 or 5 times a power of ten) giving about `count` ticks up to `max`.
double nice_step(double max, int count) {
  if (max <= 0) return 1;
  const double raw = max / count;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / power;
  const double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return nice * power;
}

std::string card(const std::string& label, const std::string& value, const std::string& css = "") {
  return "<div class=\"card " + css + "\"><div class=\"v\">" + escape_html(value) + "</div><div class=\"l\">" +
         escape_html(label) + "</div></div>\n";
}

}  // namespace

bool Report::slo_passed() const {
  return std::all_of(slo.begin(), slo.end(), [](const SloCheck& c) { return c.passed; });
}

void evaluate_slos(Report& report, const SloGates& gates) {
  report.slo.clear();
  if (gates.max_p99_latency_ms) {
    report.slo.push_back({"max_p99_latency_ms", *gates.max_p99_latency_ms, report.latency.p99_ms,
                          report.latency.count > 0 && report.latency.p99_ms <= *gates.max_p99_latency_ms});
  }
  if (gates.max_loss) {
    report.slo.push_back({"max_loss", static_cast<double>(*gates.max_loss), static_cast<double>(report.lost),
                          report.verified && report.lost <= *gates.max_loss});
  }
  if (gates.min_throughput_rps) {
    report.slo.push_back({"min_throughput_rps", *gates.min_throughput_rps, report.achieved_rps,
                          report.achieved_rps >= *gates.min_throughput_rps});
  }
}

nlohmann::json to_json(const Report& r) {
  json series = json::array();
  for (const SeriesPoint& p : r.series) {
    series.push_back({{"t", round3(p.t_s)},
                      {"target_rps", round3(p.target_rps)},
                      {"sent_rps", round3(p.sent_rps)},
                      {"achieved_rps", round3(p.achieved_rps)},
                      {"achieved_mb_s", round3(p.achieved_mb_s)},
                      {"read_rps", round3(p.read_rps)},
                      {"latency_ms", {{"p50", round3(p.p50_ms)}, {"p90", round3(p.p90_ms)},
                                      {"p99", round3(p.p99_ms)}, {"max", round3(p.max_ms)}}},
                      {"throttled", p.throttled},
                      {"retried", p.retried},
                      {"failed", p.failed}});
  }
  json slo = json::array();
  for (const SloCheck& c : r.slo) {
    slo.push_back({{"name", c.name}, {"limit", round3(c.limit)}, {"actual", round3(c.actual)}, {"passed", c.passed}});
  }
  return {{"run_id", r.run_id},
          {"stream", r.stream},
          {"started_at", r.started_at},
          {"profile", r.profile},
          {"keys", r.keys},
          {"record_size", r.record_size},
          {"shards", r.shards},
          {"producers", r.producers},
          {"duration_s", round3(r.duration_s)},
          {"verified", r.verified},
          {"sent", r.sent},
          {"acked", r.acked},
          {"failed", r.failed},
          {"expired", r.expired},
          {"read", r.read},
          {"lost", r.lost},
          {"duplicates", r.duplicates},
          {"order_violations", r.order_violations},
          {"unacked_read", r.unacked_read},
          {"foreign", r.foreign},
          {"throttled", r.throttled},
          {"retried", r.retried},
          {"failure_codes", r.failure_codes},
          {"latency_ms", latency_json(r.latency)},
          {"ack_latency_ms", latency_json(r.ack_latency)},
          {"throughput", {{"target", round3(r.target_rps)},
                          {"peak_target", round3(r.peak_target_rps)},
                          {"achieved", round3(r.achieved_rps)},
                          {"achieved_mb_s", round3(r.achieved_mb_s)}}},
          {"interval_s", round3(r.interval_s)},
          {"series", series},
          {"slo", {{"passed", r.slo_passed()}, {"checks", slo}}}};
}

std::string render_svg_chart(const std::string& title, const std::string& y_unit, const std::vector<double>& x,
                             const std::vector<ChartLine>& lines, int width, int height) {
  const double left = 64, right = 16, top = 34, bottom = 40;
  const double plot_w = width - left - right;
  const double plot_h = height - top - bottom;
  double x_max = x.empty() ? 1 : *std::max_element(x.begin(), x.end());
  if (x_max <= 0) x_max = 1;
  double y_max = 0;
  for (const ChartLine& line : lines) {
    for (double v : line.values) {
      if (std::isfinite(v)) y_max = std::max(y_max, v);
    }
  }
  const double y_step = nice_step(y_max > 0 ? y_max : 1, 5);
  const double y_top = std::max(y_step, std::ceil((y_max > 0 ? y_max : 1) / y_step) * y_step);
  const double x_step = nice_step(x_max, 8);
  auto px = [&](double v) { return left + v / x_max * plot_w; };
  auto py = [&](double v) { return top + plot_h - std::clamp(v, 0.0, y_top) / y_top * plot_h; };

  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" viewBox=\"0 0 " << width << ' ' << height << "\" role=\"img\" aria-label=\"" << escape_html(title)
      << "\">\n";
  svg << "<rect x=\"0\" y=\"0\" width=\"" << width << "\" height=\"" << height << "\" fill=\"#ffffff\"/>\n";
  svg << "<text x=\"" << left << "\" y=\"20\" font-size=\"15\" font-weight=\"bold\" fill=\"#222\">"
      << escape_html(title) << "</text>\n";
  // Grid and y ticks.
  for (double v = 0; v <= y_top + y_step / 2; v += y_step) {
    svg << "<line x1=\"" << left << "\" y1=\"" << fmt(py(v), 1) << "\" x2=\"" << left + plot_w << "\" y2=\""
        << fmt(py(v), 1) << "\" stroke=\"#e3e3e3\"/>\n";
    svg << "<text x=\"" << left - 6 << "\" y=\"" << fmt(py(v) + 4, 1)
        << "\" font-size=\"11\" text-anchor=\"end\" fill=\"#555\">" << tick_label(v) << "</text>\n";
  }
  for (double v = 0; v <= x_max + 1e-9; v += x_step) {
    svg << "<text x=\"" << fmt(px(v), 1) << "\" y=\"" << top + plot_h + 16
        << "\" font-size=\"11\" text-anchor=\"middle\" fill=\"#555\">" << tick_label(v) << "</text>\n";
  }
  svg << "<text x=\"" << left + plot_w / 2 << "\" y=\"" << height - 6
      << "\" font-size=\"11\" text-anchor=\"middle\" fill=\"#555\">seconds since start</text>\n";
  svg << "<text x=\"14\" y=\"" << top + plot_h / 2 << "\" font-size=\"11\" fill=\"#555\" transform=\"rotate(-90 14 "
      << top + plot_h / 2 << ")\" text-anchor=\"middle\">" << escape_html(y_unit) << "</text>\n";
  svg << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << plot_w << "\" height=\"" << plot_h
      << "\" fill=\"none\" stroke=\"#999\"/>\n";
  // Lines.
  for (const ChartLine& line : lines) {
    std::string points;
    const std::size_t n = std::min(x.size(), line.values.size());
    for (std::size_t i = 0; i < n; ++i) {
      if (!std::isfinite(line.values[i])) continue;
      points += fmt(px(x[i]), 1) + "," + fmt(py(line.values[i]), 1) + " ";
    }
    if (n == 1) points += fmt(px(x[0]) + 4, 1) + "," + fmt(py(line.values[0]), 1);
    svg << "<polyline fill=\"none\" stroke=\"" << line.color << "\" stroke-width=\"2\""
        << (line.dashed ? " stroke-dasharray=\"6 4\"" : "") << " points=\"" << points << "\"/>\n";
  }
  // Legend, top right.
  double lx = left + plot_w;
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    const double w = 30 + 7.0 * static_cast<double>(it->name.size());
    lx -= w;
    svg << "<line x1=\"" << fmt(lx, 1) << "\" y1=\"16\" x2=\"" << fmt(lx + 18, 1) << "\" y2=\"16\" stroke=\""
        << it->color << "\" stroke-width=\"3\"" << (it->dashed ? " stroke-dasharray=\"6 4\"" : "") << "/>\n";
    svg << "<text x=\"" << fmt(lx + 22, 1) << "\" y=\"20\" font-size=\"12\" fill=\"#333\">" << escape_html(it->name)
        << "</text>\n";
  }
  svg << "</svg>\n";
  return svg.str();
}

std::string render_html(const Report& r) {
  std::vector<double> x;
  std::vector<double> target, achieved, read, p50, p90, p99, pmax, throttled, retried;
  for (const SeriesPoint& p : r.series) {
    x.push_back(p.t_s + r.interval_s);  // plotted at the end of the interval
    target.push_back(p.target_rps);
    achieved.push_back(p.achieved_rps);
    read.push_back(p.read_rps);
    p50.push_back(p.p50_ms);
    p90.push_back(p.p90_ms);
    p99.push_back(p.p99_ms);
    pmax.push_back(p.max_ms);
    throttled.push_back(static_cast<double>(p.throttled) / r.interval_s);
    retried.push_back(static_cast<double>(p.retried) / r.interval_s);
  }
  std::ostringstream html;
  html << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
       << "<title>kwb loadtest " << escape_html(r.run_id) << "</title>\n"
       << "<style>\n"
          "body{font-family:sans-serif;margin:24px;color:#222;background:#f6f7f9}\n"
          "h1{font-size:22px;margin:0 0 4px}\n.sub{color:#555;margin-bottom:16px}\n"
          ".cards{display:flex;flex-wrap:wrap;gap:10px;margin-bottom:16px}\n"
          ".card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:10px 14px;min-width:110px}\n"
          ".card .v{font-size:20px;font-weight:bold}\n.card .l{font-size:12px;color:#666}\n"
          ".bad .v{color:#c0392b}\n.good .v{color:#1e8449}\n"
          ".chart{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px;margin-bottom:14px}\n"
          "table{border-collapse:collapse;background:#fff}\ntd,th{border:1px solid #ddd;padding:4px 10px;"
          "text-align:left;font-size:13px}\n"
          "</style>\n</head>\n<body>\n";
  html << "<h1>kwb loadtest report</h1>\n<div class=\"sub\">run <b>" << escape_html(r.run_id) << "</b> on stream <b>"
       << escape_html(r.stream) << "</b> (" << r.shards << " shards), started " << escape_html(r.started_at) << ", "
       << fmt(r.duration_s, 0) << " s, profile <code>" << escape_html(r.profile) << "</code>, keys <code>"
       << escape_html(r.keys) << "</code>, record size <code>" << escape_html(r.record_size) << "</code>, "
       << r.producers << (r.producers == 1 ? " producer" : " producers") << "</div>\n";
  if (!r.slo.empty()) {
    html << "<div class=\"cards\">"
         << card("SLO", r.slo_passed() ? "PASSED" : "FAILED", r.slo_passed() ? "good" : "bad") << "</div>\n";
  }
  html << "<div class=\"cards\">\n";
  html << card("target records/s", fmt(r.target_rps, 0));
  html << card("achieved records/s", fmt(r.achieved_rps, 0));
  html << card("achieved MB/s", fmt(r.achieved_mb_s, 2));
  html << card("acked", std::to_string(r.acked));
  html << card("lost", r.verified ? std::to_string(r.lost) : "n/a", r.verified ? (r.lost == 0 ? "good" : "bad") : "");
  html << card("duplicates", r.verified ? std::to_string(r.duplicates) : "n/a");
  html << card("order violations", r.verified ? std::to_string(r.order_violations) : "n/a");
  html << card("failed", std::to_string(r.failed), r.failed == 0 ? "" : "bad");
  html << card("throttled", std::to_string(r.throttled));
  html << card("retried", std::to_string(r.retried));
  html << card("p50 ms", fmt(r.latency.p50_ms));
  html << card("p99 ms", fmt(r.latency.p99_ms));
  html << card("p99.9 ms", fmt(r.latency.p999_ms));
  html << card("max ms", fmt(r.latency.max_ms));
  html << "</div>\n";
  html << "<div class=\"chart\">\n"
       << render_svg_chart("Throughput: target vs achieved", "records/s", x,
                           {{"target", "#7f8c8d", target, true},
                            {"achieved (acked)", "#2471a3", achieved, false},
                            // Dashed: in a healthy run read back equals achieved, and a solid
                            // line drawn last would hide the achieved line completely.
                            {"read back", "#27ae60", read, true}})
       << "</div>\n";
  html << "<div class=\"chart\">\n"
       << render_svg_chart(r.verified ? "End-to-end latency percentiles (send to first read)" : "Latency (not verified)",
                           "ms", x,
                           {{"p50", "#27ae60", p50, false},
                            {"p90", "#f39c12", p90, false},
                            {"p99", "#c0392b", p99, false},
                            {"max", "#8e44ad", pmax, true}})
       << "</div>\n";
  html << "<div class=\"chart\">\n"
       << render_svg_chart("Throttles and retries", "records/s", x,
                           {{"throttled", "#c0392b", throttled, false}, {"retried", "#f39c12", retried, true}})
       << "</div>\n";
  if (!r.slo.empty()) {
    html << "<h2>SLO gates</h2>\n<table><tr><th>gate</th><th>limit</th><th>actual</th><th>result</th></tr>\n";
    for (const SloCheck& c : r.slo) {
      html << "<tr><td>" << escape_html(c.name) << "</td><td>" << fmt(c.limit, 1) << "</td><td>" << fmt(c.actual, 1)
           << "</td><td>" << (c.passed ? "pass" : "FAIL") << "</td></tr>\n";
    }
    html << "</table>\n";
  }
  if (!r.failure_codes.empty()) {
    html << "<h2>Records that failed</h2>\n<table><tr><th>reason</th><th>records</th></tr>\n";
    for (const auto& [code, count] : r.failure_codes) {
      html << "<tr><td>" << escape_html(code) << "</td><td>" << count << "</td></tr>\n";
    }
    html << "</table>\n";
  }
  html << "</body>\n</html>\n";
  return html.str();
}

}  // namespace kwb::loadtest
