#include "server/api_handler.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <set>

#include "core/encoding.h"

namespace kwb::server {

namespace {

bool safe_request_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::shared_ptr<spdlog::logger> access_logger() {
  // One process-wide logger; the pattern is the bare message because the message is the JSON line.
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto existing = spdlog::get("kwb.access");
    if (existing) return existing;
    auto created = spdlog::stderr_logger_mt("kwb.access");
    created->set_pattern("%v");
    created->set_level(spdlog::level::info);
    return created;
  }();
  return logger;
}

}  // namespace

std::string strip_port(std::string_view address) {
  if (!address.empty() && address.front() == '[') {
    const auto close = address.find(']');
    return std::string(address.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
  }
  const auto colon = address.rfind(':');
  return std::string(colon == std::string_view::npos ? address : address.substr(0, colon));
}

Result<std::unique_ptr<ApiHandler>> ApiHandler::create(std::vector<RouteSpec> routes,
                                                       std::map<std::string, OperationHandler> handlers,
                                                       AuthService& auth, Metrics& metrics, Clock& clock,
                                                       Random& random) {
  std::set<std::string> ids;
  for (const auto& route : routes) {
    ids.insert(route.operation_id);
    if (handlers.count(route.operation_id) == 0) {
      return Error::internal("route " + route.method + " " + route.pattern + " (" + route.operation_id + ") has no handler");
    }
  }
  for (const auto& [id, handler] : handlers) {
    if (ids.count(id) == 0) return Error::internal("handler '" + id + "' has no route");
  }
  return std::unique_ptr<ApiHandler>(
      new ApiHandler(Router(std::move(routes)), std::move(handlers), auth, metrics, clock, random));
}

ApiHandler::ApiHandler(Router router, std::map<std::string, OperationHandler> handlers, AuthService& auth,
                       Metrics& metrics, Clock& clock, Random& random)
    : router_(std::move(router)),
      handlers_(std::move(handlers)),
      auth_(auth),
      metrics_(metrics),
      clock_(clock),
      random_(random),
      access_log_(access_logger()) {}

std::string ApiHandler::request_id_for(const http::Request& request) {
  const std::string_view offered = request.headers.get("X-Request-Id");
  if (safe_request_id(offered)) return std::string(offered);
  std::string bytes(16, '\0');
  for (std::size_t i = 0; i < bytes.size(); i += 8) {
    const std::uint64_t r = random_.next_u64();
    for (std::size_t j = 0; j < 8; ++j) bytes[i + j] = static_cast<char>((r >> (8 * j)) & 0xFF);
  }
  return hex_encode(bytes);
}

http::Response ApiHandler::dispatch(RequestContext& context, std::string& route_label) {
  const RouteMatch match = router_.match(context.request.method, context.request.path());
  if (match.route == nullptr) {
    if (match.status == 404 && fallback_) {
      if (auto answer = fallback_(context.request)) {
        route_label = "static";
        return std::move(*answer);
      }
    }
    if (match.status == 405) {
      std::string allow;
      for (const auto& method : match.allowed) allow += (allow.empty() ? "" : ", ") + method;
      http::Response response = error_response(405, "MethodNotAllowed", "this path does not accept " + context.request.method);
      response.headers.set("Allow", allow);
      return response;
    }
    return error_response(404, "NotFound", "no such route");
  }
  route_label = match.route->pattern;
  context.params = match.params;
  if (match.route->access != Access::kPublic) {
    auto principal = auth_.authenticate(context.request);
    if (!principal) {
      const Error& error = principal.error();
      if (error.kind != ErrorKind::kAuth) return error_response(error);
      http::Response response = error_response(401, error.code.empty() ? "Unauthorized" : error.code, error.message);
      response.headers.set("WWW-Authenticate", "Bearer");
      return response;
    }
    context.principal = std::move(*principal);
    const auto needed = match.route->access == Access::kAdmin      ? auth::Role::kAdmin
                        : match.route->access == Access::kOperator ? auth::Role::kOperator
                                                                   : auth::Role::kViewer;
    if (context.principal->role < needed) {
      return error_response(403, "Forbidden",
                            "this needs the " + std::string(to_string(match.route->access)) + " role");
    }
  }
  return handlers_.at(match.route->operation_id)(context);
}

http::Response ApiHandler::handle(const http::Request& request) {
  const auto start = clock_.steady_now();
  RequestContext context{request, {}, std::nullopt, request_id_for(request), strip_port(request.remote_address)};
  std::string route_label = "unmatched";
  http::Response response = dispatch(context, route_label);
  response.headers.set("X-Request-Id", context.request_id);
  if (!response.headers.contains("Cache-Control")) response.headers.set("Cache-Control", "no-store");
  const auto elapsed = clock_.steady_now() - start;
  metrics_.record_request(request.method, route_label, response.status, elapsed);

  nlohmann::json line = {{"ts", format_iso8601_millis(clock_.now())},
                         {"type", "access"},
                         {"request_id", context.request_id},
                         {"method", request.method},
                         {"path", std::string(request.path())},
                         {"route", route_label},
                         {"status", response.status},
                         {"duration_ms", std::chrono::duration<double, std::milli>(elapsed).count()},
                         {"client", context.client_address},
                         {"user", context.principal ? context.principal->username : std::string()},
                         {"bytes_in", request.body.size()},
                         {"bytes_out", response.body.size()}};
  access_log_->info(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  return response;
}

}  // namespace kwb::server
