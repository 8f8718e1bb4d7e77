// The HTML load-test report in a real browser: headless Chromium renders a report to a PNG, and
// the test decodes the PNG and checks that the page is not blank and that the charts' lines were
// drawn (pixels in the "achieved" line's colour, #2471a3). Chromium is a Debian package
// (`apt-get install chromium`, in scripts/bootstrap.sh); a missing browser fails the test.

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

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

TEST(LoadtestReportInBrowser, RendersChartsInHeadlessChromium) {
  const std::string chromium = chromium_binary();
  ASSERT_FALSE(chromium.empty()) << "Chromium is missing: apt-get install -y chromium (scripts/bootstrap.sh)";
  TempDir dir;
  const std::string html = dir.write("report.html", kwb::loadtest::render_html(sample_report()));
  const std::string png = dir.path() + "/shot.png";
  const std::string profile = dir.path() + "/profile";
  kwb::testing::ProcessResult shot = kwb::testing::run_process(
      {chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
       "--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir=" + profile,
       "--screenshot=" + png, "--window-size=1200,900", "file://" + html},
      {{"PATH", "/usr/bin:/bin"}, {"HOME", dir.path()}}, std::nullopt, std::chrono::seconds(90));
  ASSERT_TRUE(std::filesystem::exists(png)) << shot.describe();

  std::ifstream in(png, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  Image image = decode_png(bytes.str());
  ASSERT_TRUE(image.error.empty()) << image.error;
  ASSERT_EQ(image.width, 1200u);
  ASSERT_GE(image.height, 800u);

  std::size_t non_background = 0, achieved_line = 0, target_grey = 0;
  const std::size_t pixels = std::size_t(image.width) * image.height;
  auto near = [](const std::uint8_t* p, int r, int g, int b) {
    return std::abs(p[0] - r) < 24 && std::abs(p[1] - g) < 24 && std::abs(p[2] - b) < 24;
  };
  for (std::size_t i = 0; i < pixels; ++i) {
    const std::uint8_t* p = &image.rgb[i * 3];
    if (!near(p, 0xf6, 0xf7, 0xf9) && !near(p, 0xff, 0xff, 0xff)) ++non_background;
    if (near(p, 0x24, 0x71, 0xa3)) ++achieved_line;
    if (near(p, 0x7f, 0x8c, 0x8d)) ++target_grey;
  }
  EXPECT_GT(non_background, pixels / 100) << "the page looks blank";
  EXPECT_GT(achieved_line, 500u) << "the throughput chart's 'achieved' line is missing";
  EXPECT_GT(target_grey, 100u) << "the throughput chart's 'target' line is missing";
}

}  // namespace
