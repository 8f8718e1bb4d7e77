// The static web UI: files, types, caching, SPA fallback, and above all that no URL path reads a
// file outside the web directory.
#include "server/web_ui.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace kwb::server {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

http::Request get(std::string target, std::string accept = "text/html,application/xhtml+xml") {
  http::Request request;
  request.method = "GET";
  request.target = std::move(target);
  if (!accept.empty()) request.headers.add("Accept", std::move(accept));
  return request;
}

class WebUiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "kwb-web-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    base_ = pattern;
    dist_ = base_ / "web" / "dist";
    write(dist_ / "index.html", "<html>INDEX</html>");
    write(dist_ / "assets" / "app-3f9a.js", "console.log('app')");
    write(dist_ / "assets" / "app-3f9a.css", "body{}");
    write(dist_ / "favicon.svg", "<svg/>");
    write(base_ / "web" / "secret.txt", "SECRET-OUTSIDE");
    write(base_ / "secret.txt", "SECRET-OUTSIDE");
    fs::create_symlink(base_ / "secret.txt", dist_ / "link-out.txt");
  }
  void TearDown() override { fs::remove_all(base_); }

  fs::path base_;
  fs::path dist_;
};

TEST_F(WebUiTest, ServesIndexAssetsWithTypesAndCaching) {
  WebUi ui(dist_);
  ASSERT_TRUE(ui.built());
  auto index = ui.handle(get("/"));
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->body, "<html>INDEX</html>");
  EXPECT_EQ(index->headers.get("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(index->headers.get("Cache-Control"), "no-cache");

  auto script = ui.handle(get("/assets/app-3f9a.js", "*/*"));
  ASSERT_TRUE(script);
  EXPECT_EQ(script->body, "console.log('app')");
  EXPECT_EQ(script->headers.get("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_NE(script->headers.get("Cache-Control").find("immutable"), std::string_view::npos);
  auto css = ui.handle(get("/assets/app-3f9a.css?v=1", "text/css"));
  ASSERT_TRUE(css);
  EXPECT_EQ(css->headers.get("Content-Type"), "text/css; charset=utf-8");
  auto icon = ui.handle(get("/favicon.svg", "image/*"));
  ASSERT_TRUE(icon);
  EXPECT_EQ(icon->headers.get("Content-Type"), "image/svg+xml");
  EXPECT_EQ(icon->headers.get("Cache-Control"), "no-cache");
}

TEST_F(WebUiTest, SpaFallbackOnlyForHtmlGetsOutsideTheApi) {
  WebUi ui(dist_);
  auto route = ui.handle(get("/streams/orders"));
  ASSERT_TRUE(route);
  EXPECT_EQ(route->body, "<html>INDEX</html>");
  EXPECT_FALSE(ui.handle(get("/streams/orders", "application/json"))) << "no HTML wanted: the 404 stands";
  EXPECT_FALSE(ui.handle(get("/assets/missing-123.js"))) << "a missing asset is a 404, never index.html";
  EXPECT_FALSE(ui.handle(get("/api/nothing-here")));
  EXPECT_FALSE(ui.handle(get("/api")));
  http::Request post = get("/");
  post.method = "POST";
  EXPECT_FALSE(ui.handle(post));
}

TEST_F(WebUiTest, NoPathEscapesTheWebDirectory) {
  const fs::path root = fs::canonical(dist_);
  for (const char* path : {"/../secret.txt", "/../../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt",
                           "/%2E%2E/%2e%2e/secret.txt", "/..%2fsecret.txt", "/..%2F..%2Fsecret.txt",
                           "/assets/%2e%2e%2f%2e%2e%2fsecret.txt", "/..\\secret.txt", "/%5c..%5csecret.txt",
                           "//etc/passwd", "/%2fetc/passwd", "/etc/passwd", "/link-out.txt", "/secret.txt%00.html",
                           "/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd"}) {
    EXPECT_FALSE(resolve_static_path(root, path)) << path;
    WebUi ui(dist_);
    for (const char* accept : {"text/html", "*/*"}) {
      auto answer = ui.handle(get(path, accept));
      if (answer) {
        EXPECT_EQ(answer->body.find("SECRET-OUTSIDE"), std::string::npos) << path;
        EXPECT_EQ(answer->body.find("root:"), std::string::npos) << path;
        EXPECT_EQ(answer->body, "<html>INDEX</html>") << path << ": only the SPA fallback may answer";
      }
    }
  }
  // Inside paths still resolve, including harmless "." and doubled slashes.
  EXPECT_TRUE(resolve_static_path(root, "/assets/app-3f9a.js"));
  EXPECT_TRUE(resolve_static_path(root, "/./assets//app-3f9a.js"));
  EXPECT_TRUE(resolve_static_path(root, "/assets/app%2D3f9a.js"));
  EXPECT_FALSE(resolve_static_path(root, "/assets")) << "a directory is not a file";
}

TEST_F(WebUiTest, WithoutABuiltUiTheRootExplainsHowToBuildIt) {
  WebUi ui(base_ / "nowhere");
  EXPECT_FALSE(ui.built());
  auto page = ui.handle(get("/"));
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("npm run build"), std::string::npos);
  EXPECT_FALSE(ui.handle(get("/assets/app.js", "*/*")));
  EXPECT_FALSE(ui.handle(get("/api/streams")));
}

}  // namespace
}  // namespace kwb::server
