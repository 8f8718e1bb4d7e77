#include "server/router.h"

#include "core/encoding.h"
#include "core/strings.h"

namespace kwb::server {

namespace {

std::vector<std::string_view> path_segments(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path.front() != '/') return out;
  path.remove_prefix(1);
  for (;;) {
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool is_param(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

std::string_view to_string(Access access) {
  switch (access) {
    case Access::kPublic: return "public";
    case Access::kViewer: return "viewer";
    case Access::kOperator: return "operator";
    case Access::kAdmin: return "admin";
  }
  return "admin";
}

const std::vector<RouteSpec>& route_table() {
  static const std::vector<RouteSpec> table = {
      {"GET", "/healthz", "healthz", Access::kPublic},
      {"GET", "/readyz", "readyz", Access::kPublic},
      {"GET", "/metrics", "metrics", Access::kPublic},
      {"GET", "/api/openapi.json", "getOpenApi", Access::kPublic},
      {"POST", "/api/auth/login", "login", Access::kPublic},
      {"GET", "/api/auth/me", "getMe", Access::kViewer},
      {"POST", "/api/auth/logout", "logout", Access::kViewer},
      {"POST", "/api/auth/password", "changeOwnPassword", Access::kViewer},
      {"GET", "/api/users", "listUsers", Access::kAdmin},
      {"POST", "/api/users", "createUser", Access::kAdmin},
      {"POST", "/api/users/{name}/disable", "disableUser", Access::kAdmin},
      {"POST", "/api/users/{name}/password", "resetUserPassword", Access::kAdmin},
      {"GET", "/api/system", "getSystem", Access::kViewer},
      {"GET", "/api/streams", "listStreams", Access::kViewer},
      {"POST", "/api/streams", "createStream", Access::kOperator},
      {"GET", "/api/streams/{name}", "getStream", Access::kViewer},
      {"DELETE", "/api/streams/{name}", "deleteStream", Access::kOperator},
      {"POST", "/api/streams/{name}/scale", "scaleStream", Access::kOperator},
      {"PUT", "/api/streams/{name}/tags", "putStreamTags", Access::kOperator},
      {"POST", "/api/streams/{name}/alarms", "putStreamAlarms", Access::kOperator},
      {"GET", "/api/streams/{name}/metrics", "getStreamMetrics", Access::kViewer},
      {"GET", "/api/alarms", "listAlarms", Access::kViewer},
      {"GET", "/api/analyses", "listAnalyses", Access::kViewer},
      {"POST", "/api/analyses", "createAnalysis", Access::kOperator},
      {"GET", "/api/analyses/{id}", "getAnalysis", Access::kViewer},
      {"POST", "/api/analyses/{id}/apply", "applyAnalysis", Access::kOperator},
  };
  return table;
}

Router::Router(std::vector<RouteSpec> routes) : routes_(std::move(routes)) {
  for (const auto& route : routes_) {
    Compiled compiled;
    for (std::string_view segment : path_segments(route.pattern)) compiled.segments.emplace_back(segment);
    compiled_.push_back(std::move(compiled));
  }
}

RouteMatch Router::match(std::string_view method, std::string_view path) const {
  RouteMatch result;
  result.status = 404;
  const auto segments = path_segments(path);
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    const auto& pattern = compiled_[i].segments;
    if (pattern.size() != segments.size()) continue;
    std::map<std::string, std::string> params;
    bool ok = true;
    for (std::size_t s = 0; s < pattern.size() && ok; ++s) {
      if (is_param(pattern[s])) {
        auto decoded = uri_decode(segments[s]);
        if (segments[s].empty() || !decoded) {
          ok = false;
        } else {
          params[pattern[s].substr(1, pattern[s].size() - 2)] = std::move(*decoded);
        }
      } else {
        ok = pattern[s] == segments[s];
      }
    }
    if (!ok) continue;
    if (routes_[i].method == method) {
      result.route = &routes_[i];
      result.params = std::move(params);
      result.status = 200;
      result.allowed.clear();
      return result;
    }
    result.status = 405;
    result.allowed.push_back(routes_[i].method);
  }
  return result;
}

}  // namespace kwb::server
