#pragma once
// The web UI of `kwb serve`: the built single-page app (web/dist) served at `/`, public.
//
//   GET /                      index.html
//   GET /assets/<hashed file>  the file, Cache-Control immutable (its name changes with its content)
//   GET /<anything else>       the file when it exists, else index.html when the client accepts
//                              text/html (the SPA's own router takes over), else 404
// Only GET, never under /api/: API paths keep their JSON 404/405. Without a built UI, `/` (and
// the SPA fallback) answer a small page saying how to build it.
//
// Path safety: a URL path is percent-decoded once, split on '/', and refused when a segment is
// "..", holds a backslash or a NUL; the joined path is then resolved (symlinks included) and
// must still lie inside the web directory. So `/../x`, `%2e%2e`, `..%2f`, `//etc/passwd` and
// symlinks pointing out can never read a file outside it.
//
// Thread safety: immutable after construction; handle() may be called concurrently.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "http/message.h"

namespace kwb::server {

// The file under `root` that `url_path` names, or nullopt when it would escape root, is not a
// regular file, or is malformed. `root` must be canonical (std::filesystem::canonical).
std::optional<std::filesystem::path> resolve_static_path(const std::filesystem::path& root, std::string_view url_path);

// "text/html; charset=utf-8" for ".html", ...; "application/octet-stream" when unknown.
std::string_view content_type_for(const std::filesystem::path& file);

// The default web directory: <repo>/web/dist found from the executable (build/src/cli/kwb ->
// ../../../web/dist), when it holds an index.html.
std::optional<std::filesystem::path> default_web_dir();

class WebUi {
 public:
  // `dir` empty or without index.html: the "not built" page.
  explicit WebUi(const std::filesystem::path& dir);

  // nullopt when the request is not the UI's (not GET, or under /api/), so the API answers it.
  [[nodiscard]] std::optional<http::Response> handle(const http::Request& request) const;

  [[nodiscard]] bool built() const { return root_.has_value(); }
  [[nodiscard]] const std::optional<std::filesystem::path>& root() const { return root_; }

 private:
  std::optional<http::Response> file_response(const std::filesystem::path& file, bool immutable) const;

  std::optional<std::filesystem::path> root_;  // canonical; nullopt when no UI is built
};

}  // namespace kwb::server
