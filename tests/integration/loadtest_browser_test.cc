// The HTML load-test report in a real browser: headless Chromium renders a report to a PNG, and
// the test decodes the PNG, finds each chart's plot frame (the #999 rectangle) and counts, inside
// that frame only, the pixels of every line the chart should show. Counting inside the frame
// matters: the legend swatches above the plot have the same colours, so a page-wide count is
// non-zero even when no line was drawn (the first version of this test counted 36 legend pixels
// while the "achieved" line was hidden under the "read back" line, which had the same values).
// Two control renders (an empty run, a page with one chart removed) prove the probe fails when a
// chart is empty or missing. Chromium is a Debian package (`apt-get install chromium`, in
// scripts/bootstrap.sh); a missing browser fails the test. The last screenshot of each case is kept
// in <build>/test-artifacts/ for people to look at.

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "harness/process.h"
#include "loadtest/report.h"

namespace {

using kwb::testing::TempDir;

struct Image {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::vector<std::uint8_t> rgb;  // 3 bytes per pixel
  std::string error;
};

std::uint32_t be32(const std::string& s, std::size_t at) {
  return (std::uint32_t(std::uint8_t(s[at])) << 24) | (std::uint32_t(std::uint8_t(s[at + 1])) << 16) |
         (std::uint32_t(std::uint8_t(s[at + 2])) << 8) | std::uint32_t(std::uint8_t(s[at + 3]));
}

int paeth(int a, int b, int c) {
  const int p = a + b - c;
  const int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

// Just enough PNG for Chromium's screenshots: 8-bit RGB or RGBA, not interlaced.
Image decode_png(const std::string& file) {
  Image image;
  if (file.size() < 8 || file.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) {
    image.error = "not a PNG";
    return image;
  }
  std::string idat;
  int color_type = -1, depth = 0, interlace = 0;
  for (std::size_t at = 8; at + 8 <= file.size();) {
    const std::uint32_t length = be32(file, at);
    const std::string type = file.substr(at + 4, 4);
    if (at + 12 + length > file.size()) break;
    if (type == "IHDR") {
      image.width = be32(file, at + 8);
      image.height = be32(file, at + 12);
      depth = std::uint8_t(file[at + 16]);
      color_type = std::uint8_t(file[at + 17]);
      interlace = std::uint8_t(file[at + 20]);
    } else if (type == "IDAT") {
      idat += file.substr(at + 8, length);
    }
    at += 12 + length;
  }
  if (depth != 8 || (color_type != 2 && color_type != 6) || interlace != 0) {
    image.error = "unsupported PNG layout";
    return image;
  }
  const std::size_t bpp = color_type == 6 ? 4 : 3;
  const std::size_t stride = image.width * bpp;
  std::vector<std::uint8_t> raw((stride + 1) * image.height);
  uLongf raw_size = raw.size();
  if (uncompress(raw.data(), &raw_size, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) != Z_OK ||
      raw_size != raw.size()) {
    image.error = "bad image data";
    return image;
  }
  std::vector<std::uint8_t> prev(stride, 0), row(stride);
  image.rgb.reserve(std::size_t(image.width) * image.height * 3);
  for (std::uint32_t y = 0; y < image.height; ++y) {
    const std::uint8_t filter = raw[y * (stride + 1)];
    const std::uint8_t* in = &raw[y * (stride + 1) + 1];
    for (std::size_t x = 0; x < stride; ++x) {
      const int a = x >= bpp ? row[x - bpp] : 0, b = prev[x], c = x >= bpp ? prev[x - bpp] : 0;
      int v = in[x];
      switch (filter) {
        case 1: v += a; break;
        case 2: v += b; break;
        case 3: v += (a + b) / 2; break;
        case 4: v += paeth(a, b, c); break;
        default: break;
      }
      row[x] = std::uint8_t(v);
    }
    for (std::size_t x = 0; x < image.width; ++x) {
      for (std::size_t k = 0; k < 3; ++k) image.rgb.push_back(row[x * bpp + k]);
    }
    prev.swap(row);
  }
  return image;
}

// A spike run; "read back" equals "achieved" in every interval, as in a healthy run, so the two
// lines coincide and the chart must still show both.
kwb::loadtest::Report sample_report() {
  kwb::loadtest::Report r;
  r.run_id = "lt-browser";
  r.stream = "orders";
  r.shards = 4;
  r.verified = true;
  r.duration_s = 30;
  r.profile = "spike:1000,3000@10s+5s";
  r.acked = 40000;
  r.target_rps = 1333;
  r.achieved_rps = 1300;
  r.latency = {80, 120, 250, 400, 600, 40000};
  for (int i = 0; i < 30; ++i) {
    kwb::loadtest::SeriesPoint p;
    p.t_s = i;
    const bool spike = i >= 10 && i < 15;
    p.target_rps = spike ? 3000 : 1000;
    p.achieved_rps = spike ? 2600 : 1000;
    p.read_rps = p.achieved_rps;
    p.p50_ms = spike ? 200 : 80;
    p.p90_ms = spike ? 300 : 120;
    p.p99_ms = spike ? 550 : 250;
    p.max_ms = spike ? 600 : 300;
    p.throttled = spike ? 400 : 0;
    p.retried = spike ? 420 : 0;
    r.series.push_back(p);
  }
  kwb::loadtest::evaluate_slos(r, {.max_loss = 0});
  return r;
}

std::string chromium_binary() {
  for (const char* candidate : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (std::filesystem::exists(candidate)) return candidate;
  }
  return "";
}

// Renders `html` in headless Chromium (tall enough for the whole report) and decodes the PNG.
// The PNG is also copied to <build>/test-artifacts/<name>.png.
Image screenshot(const std::string& html, const std::string& name) {
  Image image;
  const std::string chromium = chromium_binary();
  if (chromium.empty()) {
    image.error = "Chromium is missing: apt-get install -y chromium (scripts/bootstrap.sh)";
    return image;
  }
  TempDir dir;
  const std::string page = dir.write("report.html", html);
  const std::string png = dir.path() + "/shot.png";
  kwb::testing::ProcessResult shot = kwb::testing::run_process(
      {chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
       "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
       "--user-data-dir=" + dir.path() + "/profile", "--screenshot=" + png, "--window-size=1200,1500",
       "file://" + page},
      {{"PATH", "/usr/bin:/bin"}, {"HOME", dir.path()}}, std::nullopt, std::chrono::seconds(90));
  if (!std::filesystem::exists(png)) {
    image.error = "no screenshot: " + shot.describe();
    return image;
  }
  std::error_code ignored;
  const std::string artifacts = std::string(KWB_BINARY_DIR) + "/test-artifacts";
  std::filesystem::create_directories(artifacts, ignored);
  std::filesystem::copy_file(png, artifacts + "/" + name + ".png", std::filesystem::copy_options::overwrite_existing,
                             ignored);
  std::ifstream in(png, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return decode_png(bytes.str());
}

struct Rgb {
  int r, g, b;
};

const std::uint8_t* pixel(const Image& image, std::uint32_t x, std::uint32_t y) {
  return &image.rgb[(std::size_t(y) * image.width + x) * 3];
}

bool near(const std::uint8_t* p, Rgb c, int tolerance = 24) {
  return std::abs(p[0] - c.r) < tolerance && std::abs(p[1] - c.g) < tolerance && std::abs(p[2] - c.b) < tolerance;
}

// The plot frame is a 1-px #999 stroke; anti-aliasing blends it with white or the #e3e3e3 grid, so
// accept any neutral grey between #90 and #d8. Line colours are not neutral (the target line's
// #7f8c8d differs by 14 between channels).
bool frame_grey(const std::uint8_t* p) {
  const int lo = std::min({p[0], p[1], p[2]}), hi = std::max({p[0], p[1], p[2]});
  return hi - lo <= 6 && lo >= 0x90 && hi <= 0xd8;
}

// A plot's area in screenshot pixels: the frame's left edge column and its vertical extent; the
// plot reaches to the right of `left` (nothing else on the page shares those rows).
struct Plot {
  std::uint32_t left = 0, top = 0, bottom = 0;
};

// Finds plot frames by their left and right edges: columns holding a grey run at least `min_height`
// tall (gaps of a few pixels allowed, where a data line crosses the edge). Runs starting on about
// the same row belong to one plot; its leftmost run is the left edge. Sorted top to bottom.
std::vector<Plot> find_plots(const Image& image, std::uint32_t min_height = 120) {
  std::vector<Plot> plots;
  for (std::uint32_t x = 0; x < image.width; ++x) {
    std::uint32_t y = 0;
    while (y < image.height) {
      if (!frame_grey(pixel(image, x, y))) {
        ++y;
        continue;
      }
      const std::uint32_t start = y;
      std::uint32_t last = y, gap = 0;
      for (++y; y < image.height && gap <= 6; ++y) {
        if (frame_grey(pixel(image, x, y))) {
          last = y;
          gap = 0;
        } else {
          ++gap;
        }
      }
      if (last - start + 1 < min_height) continue;
      bool known = false;
      for (Plot& plot : plots) {
        if (std::abs(int(plot.top) - int(start)) <= 4) {
          known = true;
          plot.bottom = std::max(plot.bottom, last);
        }
      }
      if (!known) plots.push_back({x, start, last});
    }
  }
  std::sort(plots.begin(), plots.end(), [](const Plot& a, const Plot& b) { return a.top < b.top; });
  return plots;
}

// Pixels of colour `c` inside the plot (one pixel of margin for lines lying on the frame).
std::size_t count_in_plot(const Image& image, const Plot& plot, Rgb c) {
  std::size_t n = 0;
  const std::uint32_t y_end = std::min(plot.bottom + 2, image.height);
  for (std::uint32_t y = plot.top > 0 ? plot.top - 1 : 0; y < y_end; ++y) {
    for (std::uint32_t x = plot.left; x < image.width; ++x) {
      if (near(pixel(image, x, y), c)) ++n;
    }
  }
  return n;
}

struct ExpectedLine {
  std::string name;
  Rgb colour;
};

// What each of the report's three charts must show, top to bottom (colours from report.cc).
const std::vector<std::pair<std::string, std::vector<ExpectedLine>>>& expected_charts() {
  static const std::vector<std::pair<std::string, std::vector<ExpectedLine>>> charts = {
      {"throughput",
       {{"target", {0x7f, 0x8c, 0x8d}}, {"achieved", {0x24, 0x71, 0xa3}}, {"read back", {0x27, 0xae, 0x60}}}},
      {"latency",
       {{"p50", {0x27, 0xae, 0x60}}, {"p90", {0xf3, 0x9c, 0x12}}, {"p99", {0xc0, 0x39, 0x2b}},
        {"max", {0x8e, 0x44, 0xad}}}},
      {"throttles", {{"throttled", {0xc0, 0x39, 0x2b}}, {"retried", {0xf3, 0x9c, 0x12}}}},
  };
  return charts;
}

// Everything wrong with the charts in the screenshot; empty when all three charts are there and
// every line has at least a quarter as many pixels as the plot region is wide (frame's left edge
// to the page's right edge, ~1,100 px). A solid 2-px line across the plot has about twice the
// plot's width in core pixels, a dashed one about 60% of that, a legend swatch about 40.
std::vector<std::string> chart_problems(const Image& image) {
  std::vector<std::string> problems;
  const std::vector<Plot> plots = find_plots(image);
  const auto& charts = expected_charts();
  if (plots.size() != charts.size()) {
    problems.push_back("found " + std::to_string(plots.size()) + " chart frames, expected " +
                       std::to_string(charts.size()));
    return problems;
  }
  const std::size_t min_pixels = (image.width - plots[0].left) / 4;
  for (std::size_t i = 0; i < charts.size(); ++i) {
    for (const ExpectedLine& line : charts[i].second) {
      const std::size_t n = count_in_plot(image, plots[i], line.colour);
      if (n < min_pixels) {
        problems.push_back(charts[i].first + " chart: line '" + line.name + "' has " + std::to_string(n) +
                           " pixels, expected >= " + std::to_string(min_pixels));
      }
    }
  }
  return problems;
}

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

TEST(LoadtestReportInBrowser, RendersEveryChartLineInHeadlessChromium) {
  Image image = screenshot(kwb::loadtest::render_html(sample_report()), "loadtest_report");
  ASSERT_TRUE(image.error.empty()) << image.error;
  ASSERT_EQ(image.width, 1200u);
  std::size_t non_background = 0;
  const std::size_t pixels = std::size_t(image.width) * image.height;
  for (std::size_t i = 0; i < pixels; ++i) {
    const std::uint8_t* p = &image.rgb[i * 3];
    if (!near(p, {0xf6, 0xf7, 0xf9}) && !near(p, {0xff, 0xff, 0xff})) ++non_background;
  }
  EXPECT_GT(non_background, pixels / 100) << "the page looks blank";
  const std::vector<std::string> problems = chart_problems(image);
  EXPECT_TRUE(problems.empty()) << join(problems);
}

// Control: a run with no intervals draws three empty frames; every line must be reported missing.
TEST(LoadtestReportInBrowser, ProbeReportsEmptyCharts) {
  kwb::loadtest::Report empty = sample_report();
  empty.series.clear();
  Image image = screenshot(kwb::loadtest::render_html(empty), "loadtest_report_empty");
  ASSERT_TRUE(image.error.empty()) << image.error;
  ASSERT_EQ(find_plots(image).size(), 3u) << "the empty report should still draw three frames";
  std::size_t expected_lines = 0;
  for (const auto& chart : expected_charts()) expected_lines += chart.second.size();
  EXPECT_EQ(chart_problems(image).size(), expected_lines) << join(chart_problems(image));
}

// Control: the page without its throughput chart has two frames, which the probe reports.
TEST(LoadtestReportInBrowser, ProbeReportsMissingChart) {
  std::string html = kwb::loadtest::render_html(sample_report());
  const std::size_t begin = html.find("<div class=\"chart\">");
  ASSERT_NE(begin, std::string::npos);
  const std::size_t end = html.find("</div>", begin);
  ASSERT_NE(end, std::string::npos);
  html.erase(begin, end + 6 - begin);
  Image image = screenshot(html, "loadtest_report_missing_chart");
  ASSERT_TRUE(image.error.empty()) << image.error;
  const std::vector<std::string> problems = chart_problems(image);
  ASSERT_EQ(problems.size(), 1u) << join(problems);
  EXPECT_NE(problems[0].find("found 2 chart frames"), std::string::npos) << problems[0];
}

}  // namespace
