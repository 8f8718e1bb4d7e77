#include "loadtest/report.h"

#include <gtest/gtest.h>

namespace kwb::loadtest {
namespace {

Report sample_report() {
  Report r;
  r.run_id = "lt-1";
  r.stream = "s<1>";
  r.verified = true;
  r.acked = 1000;
  r.lost = 2;
  r.duplicates = 3;
  r.order_violations = 4;
  r.throttled = 5;
  r.retried = 6;
  r.latency = {10, 20, 30, 40, 50, 1000};
  r.target_rps = 100;
  r.achieved_rps = 95.5;
  r.interval_s = 1;
  for (int i = 0; i < 3; ++i) {
    SeriesPoint p;
    p.t_s = i;
    p.target_rps = 100;
    p.achieved_rps = 90 + i;
    p.p99_ms = 30 + i;
    p.throttled = static_cast<std::uint64_t>(i);
    r.series.push_back(p);
  }
  return r;
}

TEST(ReportJson, HasTheTopLevelFieldsCiReads) {
  nlohmann::json j = to_json(sample_report());
  EXPECT_EQ(j["acked"], 1000);
  EXPECT_EQ(j["lost"], 2);
  EXPECT_EQ(j["duplicates"], 3);
  EXPECT_EQ(j["order_violations"], 4);
  EXPECT_EQ(j["throttled"], 5);
  EXPECT_EQ(j["retried"], 6);
  for (const char* p : {"p50", "p90", "p99", "p999", "max"}) EXPECT_TRUE(j["latency_ms"].contains(p)) << p;
  EXPECT_DOUBLE_EQ(j["latency_ms"]["p999"].get<double>(), 40);
  EXPECT_DOUBLE_EQ(j["throughput"]["target"].get<double>(), 100);
  EXPECT_DOUBLE_EQ(j["throughput"]["achieved"].get<double>(), 95.5);
  ASSERT_EQ(j["series"].size(), 3u);
  EXPECT_DOUBLE_EQ(j["series"][2]["achieved_rps"].get<double>(), 92);
  EXPECT_EQ(j["series"][2]["throttled"], 2);
  EXPECT_DOUBLE_EQ(j["series"][1]["latency_ms"]["p99"].get<double>(), 31);
}

TEST(Slo, EachGatePassesOrFailsOnItsOwn) {
  Report r = sample_report();
  evaluate_slos(r, {.max_p99_latency_ms = 25, .max_loss = 2, .min_throughput_rps = 90});
  ASSERT_EQ(r.slo.size(), 3u);
  EXPECT_FALSE(r.slo[0].passed);  // p99 30 > 25
  EXPECT_TRUE(r.slo[1].passed);   // lost 2 <= 2
  EXPECT_TRUE(r.slo[2].passed);   // 95.5 >= 90
  EXPECT_FALSE(r.slo_passed());
  evaluate_slos(r, {.max_p99_latency_ms = 30});
  EXPECT_TRUE(r.slo_passed());
  evaluate_slos(r, {.max_loss = 0});
  EXPECT_FALSE(r.slo_passed());
  EXPECT_FALSE(to_json(r)["slo"]["passed"].get<bool>());
  evaluate_slos(r, {});
  EXPECT_TRUE(r.slo_passed());  // no gates, nothing to fail
}

TEST(Slo, LossGateFailsWhenNothingWasVerified) {
  Report r = sample_report();
  r.verified = false;
  r.lost = 0;
  evaluate_slos(r, {.max_loss = 0});
  EXPECT_FALSE(r.slo_passed());
}

TEST(ReportHtml, IsSelfContainedWithThreeCharts) {
  const std::string html = render_html(sample_report());
  EXPECT_NE(html.find("<!DOCTYPE html>"), std::string::npos);
  std::size_t charts = 0;
  for (auto at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1)) ++charts;
  EXPECT_EQ(charts, 3u);
  EXPECT_NE(html.find("target vs achieved"), std::string::npos);
  EXPECT_NE(html.find("latency percentiles"), std::string::npos);
  EXPECT_NE(html.find("Throttles"), std::string::npos);
  // Nothing to fetch: no scripts, no external resources.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
  EXPECT_EQ(html.find("s<1>"), std::string::npos);  // escaped
  EXPECT_NE(html.find("s&lt;1&gt;"), std::string::npos);
}

TEST(ReportHtml, ChartPlotsEveryPoint) {
  const std::string svg = render_svg_chart("t", "u", {1, 2, 3}, {{"a", "#000", {0, 50, 100}, false}}, 400, 200);
  const auto points = svg.find("points=\"");
  ASSERT_NE(points, std::string::npos);
  const std::string list = svg.substr(points + 8, svg.find('"', points + 8) - points - 8);
  EXPECT_EQ(std::count(list.begin(), list.end(), ','), 3);
  // The top of the y axis is at least the largest value, so the peak is inside the plot.
  EXPECT_NE(svg.find(">100<"), std::string::npos);
}

}  // namespace
}  // namespace kwb::loadtest
