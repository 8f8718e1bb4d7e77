#include "server/web_ui.h"

#include <fstream>
#include <iterator>
#include <system_error>
#include <vector>

#include "core/encoding.h"

namespace kwb::server {

namespace {

constexpr std::string_view kNotBuiltPage = R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Kinesis Workbench</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>Kinesis Workbench</h1>
<p>The API is running, but the web UI has not been built.</p>
<p>Build it with <code>cd web &amp;&amp; npm ci &amp;&amp; npm run build</code>, then restart <code>kwb serve</code>
(or point <code>--web-dir</code> / <code>KWB_WEB_DIR</code> at a built <code>dist</code> directory).</p>
<p>The API is described at <a href="/api/openapi.json">/api/openapi.json</a>.</p>
</body></html>
)html";

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

// True when the path is inside root (both canonical or weakly canonical).
bool is_within(const std::filesystem::path& root, const std::filesystem::path& path) {
  auto r = root.begin();
  auto p = path.begin();
  for (; r != root.end(); ++r, ++p) {
    if (p == path.end() || *p != *r) return false;
  }
  return true;
}

bool accepts_html(const http::Request& request) {
  const std::string_view accept = request.headers.get("Accept");
  return accept.find("text/html") != std::string_view::npos;
}

}  // namespace

std::optional<std::filesystem::path> resolve_static_path(const std::filesystem::path& root, std::string_view url_path) {
  if (root.empty() || url_path.empty() || url_path.front() != '/') return std::nullopt;
  auto decoded = uri_decode(url_path);
  if (!decoded) return std::nullopt;
  std::filesystem::path relative;
  std::string_view rest = *decoded;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (segment.empty() || segment == ".") continue;  // "//x" and "/./x" name x under root, never "/x"
    if (segment == ".." || segment.find('\\') != std::string_view::npos ||
        segment.find('\0') != std::string_view::npos) {
      return std::nullopt;
    }
    relative /= std::string(segment);
  }
  if (relative.empty()) return std::nullopt;
  std::error_code ec;
  // canonical() resolves symlinks, so a link inside the directory that points out is caught here.
  const std::filesystem::path resolved = std::filesystem::canonical(root / relative, ec);
  if (ec || !is_within(root, resolved)) return std::nullopt;
  if (!std::filesystem::is_regular_file(resolved, ec) || ec) return std::nullopt;
  return resolved;
}

std::string_view content_type_for(const std::filesystem::path& file) {
  const std::string ext = file.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json" || ext == ".map") return "application/json";
  if (ext == ".webmanifest") return "application/manifest+json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  if (ext == ".gif") return "image/gif";
  if (ext == ".webp") return "image/webp";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".woff") return "font/woff";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  if (ext == ".wasm") return "application/wasm";
  return "application/octet-stream";
}

std::optional<std::filesystem::path> default_web_dir() {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return std::nullopt;
  const std::filesystem::path dir = exe.parent_path() / ".." / ".." / ".." / "web" / "dist";
  if (!std::filesystem::is_regular_file(dir / "index.html", ec)) return std::nullopt;
  return std::filesystem::canonical(dir, ec);
}

WebUi::WebUi(const std::filesystem::path& dir) {
  if (dir.empty()) return;
  std::error_code ec;
  auto canonical = std::filesystem::canonical(dir, ec);
  if (ec || !std::filesystem::is_regular_file(canonical / "index.html", ec)) return;
  root_ = std::move(canonical);
}

std::optional<http::Response> WebUi::file_response(const std::filesystem::path& file, bool immutable) const {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  http::Response response = http::Response::text(200, std::string(content_type_for(file)), std::move(body));
  // Hashed assets never change under their name; everything else (index.html) must be revalidated
  // so a new build is picked up.
  response.headers.set("Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
  response.headers.set("X-Content-Type-Options", "nosniff");
  return response;
}

std::optional<http::Response> WebUi::handle(const http::Request& request) const {
  if (request.method != "GET") return std::nullopt;
  const std::string_view path = request.path();
  if (path == "/api" || starts_with(path, "/api/")) return std::nullopt;
  const bool root_page = path == "/" || path == "/index.html";
  if (!root_) {
    if (!root_page && !accepts_html(request)) return std::nullopt;
    http::Response page = http::Response::text(200, "text/html; charset=utf-8", std::string(kNotBuiltPage));
    page.headers.set("Cache-Control", "no-cache");
    return page;
  }
  if (!root_page) {
    if (auto file = resolve_static_path(*root_, path)) {
      if (auto response = file_response(*file, starts_with(path, "/assets/"))) return response;
    }
    // A missing hashed asset is a 404, not the app: a browser would try to run HTML as script.
    if (starts_with(path, "/assets/") || !accepts_html(request)) return std::nullopt;
  }
  return file_response(*root_ / "index.html", false);
}

}  // namespace kwb::server
