#pragma once
// The front door of `kwb serve`: the http::Handler that every request passes through.
//
// For each request, in order: assign a request id (the client's X-Request-Id when it is a short
// safe token, else a fresh one), match the route (404/405), authenticate and authorize it per the
// route's Access (401 without a valid token, 403 below the required role), run the operation's
// handler, then stamp X-Request-Id on the answer, count it in Metrics and write one JSON access
// log line to stderr. The access log holds method, path (never the query), route, status, timing,
// client and user: never a header or a body, so never a password or a token.
//
// Ownership: borrows the AuthService, Metrics, Clock and Random (must outlive it); owns the
// router and the handler table.
// Thread safety: handle() is called concurrently from every server thread; the handler table is
// immutable after create().

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/random.h"
#include "core/result.h"
#include "http/message.h"
#include "server/api.h"
#include "server/auth_service.h"
#include "server/metrics.h"
#include "server/router.h"

namespace spdlog {
class logger;
}

namespace kwb::server {

using OperationHandler = std::function<http::Response(RequestContext&)>;

class ApiHandler final : public http::Handler {
 public:
  // kInternal when a route has no handler or a handler has no route: the table and the code
  // must agree, and a mismatch is caught at start, not on the first request.
  [[nodiscard]] static Result<std::unique_ptr<ApiHandler>> create(std::vector<RouteSpec> routes,
                                                                  std::map<std::string, OperationHandler> handlers,
                                                                  AuthService& auth, Metrics& metrics, Clock& clock,
                                                                  Random& random);

  http::Response handle(const http::Request& request) override;

  // Asked for requests that match no route (before the 404): the static web UI. It answers
  // nullopt to leave the 404 standing. Public, no token. REQUIRES: before the server starts.
  using Fallback = std::function<std::optional<http::Response>(const http::Request&)>;
  void set_fallback(Fallback fallback) { fallback_ = std::move(fallback); }

  [[nodiscard]] const Router& router() const { return router_; }

 private:
  ApiHandler(Router router, std::map<std::string, OperationHandler> handlers, AuthService& auth, Metrics& metrics,
             Clock& clock, Random& random);
  http::Response dispatch(RequestContext& context, std::string& route_label);
  std::string request_id_for(const http::Request& request);

  Router router_;
  std::map<std::string, OperationHandler> handlers_;
  AuthService& auth_;
  Metrics& metrics_;
  Clock& clock_;
  Random& random_;
  std::shared_ptr<spdlog::logger> access_log_;
  Fallback fallback_;
};

// "127.0.0.1:5000" -> "127.0.0.1"; "[::1]:5000" or "::1:5000" -> "::1".
std::string strip_port(std::string_view address);

}  // namespace kwb::server
