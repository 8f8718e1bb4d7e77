#pragma once
// Routing for `kwb serve`: the route table is data (method, path pattern, operation id, who may
// call it), so the OpenAPI test, the authorization middleware and the metrics all read the same
// list the dispatcher uses.
//
// Patterns are literal segments and "{param}" segments ("/api/streams/{name}/scale"). A param
// matches one non-empty segment, percent-decoded. Matching is exact (no trailing-slash magic);
// a path that matches some route but not the method answers 405 with Allow.
//
// Ownership: a Router owns its routes. Thread safety: immutable after construction; match() is
// const and safe to call concurrently.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kwb::server {

// Who may call a route. Ordered: each level includes the ones before it.
enum class Access {
  kPublic,    // no token (login, health, metrics, the OpenAPI document)
  kViewer,    // any signed-in user
  kOperator,  // writes to AWS
  kAdmin,     // user management
};
std::string_view to_string(Access access);

struct RouteSpec {
  std::string method;        // "GET"
  std::string pattern;       // "/api/streams/{name}"
  std::string operation_id;  // "getStream": the OpenAPI operationId, and the handler's key
  Access access = Access::kViewer;
};

// Every route of the server. The OpenAPI document must list exactly these.
const std::vector<RouteSpec>& route_table();

struct RouteMatch {
  const RouteSpec* route = nullptr;          // null when nothing matched
  std::map<std::string, std::string> params;  // decoded {param} values
  int status = 200;                           // 404 (no such path) or 405 (wrong method) when route is null
  std::vector<std::string> allowed;           // methods for the path, for 405's Allow header
};

class Router {
 public:
  explicit Router(std::vector<RouteSpec> routes);
  [[nodiscard]] RouteMatch match(std::string_view method, std::string_view path) const;
  [[nodiscard]] const std::vector<RouteSpec>& routes() const { return routes_; }

 private:
  struct Compiled {
    std::vector<std::string> segments;  // "{x}" for params
  };
  std::vector<RouteSpec> routes_;
  std::vector<Compiled> compiled_;
};

}  // namespace kwb::server
