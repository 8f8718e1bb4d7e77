#include "server/server_app.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include <atomic>

#include "auth/jwt.h"
#include "auth/jwt_secret_store.h"
#include "auth/login_throttle.h"
#include "auth/password_hasher.h"
#include "aws/session.h"
#include "emulator/cloudwatch/stack.h"
#include "emulator/emulator.h"
#include "http/server.h"
#include "kinesis/client.h"
#include "analysis/llm.h"
#include "cloudwatch/client.h"
#include "server/analyses_service.h"
#include "server/api_handler.h"
#include "server/auth_service.h"
#include "server/metrics.h"
#include "server/streams_service.h"
#include "server/web_ui.h"
#include "store/store.h"

#ifndef KWB_VERSION
#define KWB_VERSION "0.0.0"
#endif

namespace kwb::server {

struct ServerApp::Impl {
  ServerConfig config;
  const Environment& env;
  Clock& clock;
  Random& random;

  std::unique_ptr<store::Store> store;
  std::optional<auth::PasswordHasher> hasher;
  std::optional<auth::JwtCodec> codec;
  std::unique_ptr<auth::LoginThrottle> throttle;
  std::unique_ptr<AuthService> auth;
  std::atomic<bool> default_password{false};  // read by requests, cleared by a password change

  // The embedded emulator with its CloudWatch stack, as `kwb emulator` runs them: AWS/Kinesis
  // metrics, alarms and the CloudWatch API on the same loopback port. monitoring must outlive
  // embedded (the emulator runs on its clock and reports to its observer).
  std::unique_ptr<emulator::cloudwatch::Monitoring> monitoring;
  std::unique_ptr<emulator::Emulator> embedded;
  std::unique_ptr<aws::AwsSession> session;
  std::unique_ptr<kinesis::Client> kinesis;
  std::unique_ptr<cloudwatch::Client> cloudwatch;
  AwsTarget target;

  std::unique_ptr<aws::HttpTransport> llm_transport;
  std::unique_ptr<analysis::LlmAnalyzer> llm;  // null when no LLM is configured

  Metrics metrics;
  std::unique_ptr<StreamsService> streams;
  std::unique_ptr<AnalysesService> analyses;
  std::unique_ptr<WebUi> web;
  std::unique_ptr<ApiHandler> api;
  std::unique_ptr<http::HttpServer> http;

  Impl(ServerConfig c, const Environment& e, Clock& k, Random& r) : config(std::move(c)), env(e), clock(k), random(r) {}

  Status open_store();
  Status setup_auth();
  Status setup_aws();
  Status start_embedded();
  Status build_api();
};

Status ServerApp::Impl::open_store() {
  auto opened = store::open_store(config.database_url, config.data_dir, clock);
  if (!opened) return std::move(opened).error();
  store = std::move(*opened);
  spdlog::info("store: {} (schema version {}){}", store->backend_name(), store->schema_version(),
               config.database_url.empty() ? " in " + config.data_dir
                                           : " at " + store::redact_database_url(config.database_url));
  return ok_status();
}

Status ServerApp::Impl::setup_auth() {
  auto created = auth::PasswordHasher::create(config.password_hash_cost == "minimum"
                                                  ? auth::PasswordHashParams::minimum()
                                                  : auth::PasswordHashParams::interactive());
  if (!created) return std::move(created).error();
  hasher.emplace(std::move(*created));

  auto key = auth::load_or_create_jwt_secret(config.data_dir, config.jwt_secret);
  if (!key) return std::move(key).error();
  auth::JwtOptions jwt_options;
  jwt_options.ttl = std::chrono::minutes(config.token_ttl_minutes);
  auto made = auth::JwtCodec::create(std::move(*key), jwt_options, clock);
  if (!made) return std::move(made).error();
  codec.emplace(std::move(*made));

  auth::LoginThrottleConfig throttle_config;
  throttle_config.max_failures_per_user = config.login_max_failures;
  throttle_config.max_failures_per_address = config.login_max_failures;
  throttle_config.window = std::chrono::seconds(config.login_window_seconds);
  throttle_config.lockout = std::chrono::seconds(config.login_lockout_seconds);
  throttle = std::make_unique<auth::LoginThrottle>(throttle_config, clock);
  auth = std::make_unique<AuthService>(*store, *hasher, *codec, *throttle, clock,
                                       std::chrono::milliseconds(config.auth_cache_ms));

  auto is_default = auth->bootstrap(config.admin_password);
  if (!is_default) return std::move(is_default).error();
  default_password = *is_default;
  if (default_password) {
    if (config.production) {
      return Error::config(
          "--production refuses to start while user 'admin' has the default password; set KWB_ADMIN_PASSWORD "
          "before the first start or change it with POST /api/auth/password");
    }
    spdlog::warn("**************************************************************************");
    spdlog::warn("* user 'admin' still has the DEFAULT PASSWORD. Change it now:             *");
    spdlog::warn("*   POST /api/auth/password, or set KWB_ADMIN_PASSWORD on a fresh store.  *");
    spdlog::warn("* --production refuses to start until it is changed.                      *");
    spdlog::warn("**************************************************************************");
  }
  return ok_status();
}

Status ServerApp::Impl::start_embedded() {
  emulator::EmulatorConfig emulator_config;
  emulator_config.host = "127.0.0.1";
  emulator_config.port = config.embedded_port;
  emulator_config.threads = 2;
  emulator_config.default_region = config.region.empty() ? "us-east-1" : config.region;
  emulator_config.data_dir = (std::filesystem::path(config.data_dir) / "emulator").string();
  // Control-plane rate limits model AWS's account-wide quotas; with one local user clicking
  // around they only add latency. Data-plane limits stay on, as on AWS.
  emulator_config.limits.control_plane_limits = false;
  emulator::cloudwatch::MonitoringOptions monitoring_options;
  monitoring_options.seed = random.next_u64();
  monitoring = std::make_unique<emulator::cloudwatch::Monitoring>(std::move(monitoring_options), clock, emulator_config);
  embedded = std::make_unique<emulator::Emulator>(emulator_config, monitoring->clock(), random, &monitoring->observer());
  if (Status attached = monitoring->attach(*embedded); !attached.ok()) {
    return Error::config("cannot attach CloudWatch to the embedded emulator: " + attached.error().describe());
  }
  auto port = embedded->start();
  if (!port) return Error::config("cannot start the embedded emulator: " + port.error().describe());

  target.embedded = true;
  target.region = emulator_config.default_region;
  target.kinesis_endpoint = "http://127.0.0.1:" + std::to_string(*port);
  target.credentials_source = "embedded";
  aws::Credentials credentials;
  credentials.access_key_id = "kwbembedded";
  credentials.secret_access_key = Secret("kwb-embedded-emulator-not-a-secret");
  credentials.source = "embedded";
  aws::HttpOptions http_options;
  http_options.connect_timeout = std::chrono::milliseconds(1000);
  http_options.request_timeout = std::chrono::milliseconds(10000);
  session = std::make_unique<aws::AwsSession>(Region(target.region), aws::make_static_provider(credentials),
                                              aws::make_curl_transport(http_options), aws::RetryConfig{}, clock, random,
                                              target.kinesis_endpoint);
  return ok_status();
}

Status ServerApp::Impl::setup_aws() {
  if (config.target != TargetMode::kEmbedded) {
    aws::SessionOptions options;
    if (!config.region.empty()) options.region = config.region;
    auto created = aws::AwsSession::create(options, env, clock, random);
    if (created) {
      auto credentials = (*created)->credentials().credentials();
      if (credentials) {
        session = std::move(*created);
        target.embedded = false;
        target.region = session->region().str();
        target.kinesis_endpoint = session->endpoint(aws::Service::kKinesis);
        target.credentials_source = credentials->source;
      } else if (config.target == TargetMode::kAws) {
        return Error::config("target aws: no AWS credentials: " + credentials.error().message);
      }
    } else if (config.target == TargetMode::kAws) {
      return std::move(created).error();
    } else {
      spdlog::info("no usable AWS configuration ({}); using the embedded emulator", created.error().message);
    }
  }
  if (!session) KWB_RETURN_IF_ERROR(start_embedded());
  kinesis = std::make_unique<kinesis::Client>(kinesis::Client::from_session(*session));
  // The same session: with the embedded emulator its endpoint override points CloudWatch at the
  // emulator's port too, over loopback HTTP like any other client.
  cloudwatch = std::make_unique<cloudwatch::Client>(session->client(aws::Service::kCloudWatch));
  target.cloudwatch_endpoint = session->endpoint(aws::Service::kCloudWatch);
  if (target.embedded) {
    spdlog::info("AWS target: embedded kwb emulator at {} (region {})", target.kinesis_endpoint, target.region);
  } else {
    spdlog::info("AWS target: {} (region {}, credentials from {})", target.kinesis_endpoint, target.region,
                 target.credentials_source);
  }
  return ok_status();
}

Status ServerApp::Impl::build_api() {
  StreamsOptions streams_options;
  streams_options.region = target.region;
  streams_options.wait_timeout = std::chrono::seconds(config.stream_wait_seconds);
  // Half the I/O threads may block waiting for ACTIVE; the rest stay free for everything else.
  streams_options.max_concurrent_waits = std::max(1, config.threads / 2);
  streams_options.list_cache_ttl = std::chrono::milliseconds(config.stream_list_cache_ms);
  streams = std::make_unique<StreamsService>(*kinesis, *store, metrics, clock, streams_options);

  auto llm_config = analysis::llm_config_from_env(env);
  if (!llm_config) return std::move(llm_config).error();
  if (llm_config->has_value()) {
    aws::HttpOptions llm_http;
    llm_http.request_timeout = (*llm_config)->timeout;
    llm_transport = aws::make_curl_transport(llm_http);
    llm = std::make_unique<analysis::LlmAnalyzer>(**llm_config, *llm_transport);
  }
  AnalysesOptions analyses_options;
  analyses_options.workers = config.analysis_workers;
  analyses_options.queue_limit = static_cast<std::size_t>(config.analysis_queue_limit);
  // Analyses read metrics "up to now": with the embedded emulator, now is the emulator's clock
  // (which POST /_kwb/clock/advance moves), the clock its metrics are stamped with.
  Clock& aws_clock = monitoring ? static_cast<Clock&>(monitoring->clock()) : clock;
  analyses = std::make_unique<AnalysesService>(*kinesis, *cloudwatch, *store, *streams, metrics, aws_clock, random,
                                               llm.get(), analyses_options);

  std::filesystem::path web_dir = config.web_dir;
  if (web_dir.empty()) web_dir = default_web_dir().value_or(std::filesystem::path());
  web = std::make_unique<WebUi>(web_dir);
  if (web->built()) {
    spdlog::info("web UI: {}", web->root()->string());
  } else if (!config.web_dir.empty()) {
    return Error::config("web_dir " + config.web_dir + " holds no index.html (build the UI: cd web && npm run build)");
  } else {
    spdlog::info("web UI not built; / explains how to build it");
  }

  std::map<std::string, OperationHandler> handlers;
  handlers["healthz"] = [](RequestContext&) { return json_response(200, {{"status", "ok"}}); };
  handlers["readyz"] = [this](RequestContext&) {
    Status ping = store->ping();
    nlohmann::json body = {{"status", ping.ok() ? "ready" : "not ready"},
                           {"store", {{"backend", store->backend_name()}, {"ok", ping.ok()}}},
                           {"aws_target", {{"mode", target.embedded ? "embedded" : "aws"},
                                           {"kinesis_endpoint", target.kinesis_endpoint},
                                           {"region", target.region}}}};
    return json_response(ping.ok() ? 200 : 503, body);
  };
  handlers["metrics"] = [this](RequestContext&) {
    return http::Response::text(200, "text/plain; version=0.0.4; charset=utf-8", metrics.render());
  };
  handlers["getOpenApi"] = [](RequestContext&) {
    return http::Response::text(200, "application/json", std::string(openapi_document()));
  };
  handlers["getSystem"] = [this](RequestContext&) {
    return json_response(200, {{"version", KWB_VERSION},
                               {"store", {{"backend", store->backend_name()}, {"schema_version", store->schema_version()}}},
                               {"aws_target", {{"mode", target.embedded ? "embedded" : "aws"},
                                               {"kinesis_endpoint", target.kinesis_endpoint},
                                               {"cloudwatch_endpoint", target.cloudwatch_endpoint},
                                               {"region", target.region},
                                               {"credentials_source", target.credentials_source}}},
                               {"default_admin_password", default_password.load()}});
  };
  AuthService& a = *auth;
  handlers["login"] = [&a](RequestContext& c) { return a.login(c); };
  handlers["getMe"] = [&a](RequestContext& c) { return a.me(c); };
  handlers["logout"] = [&a](RequestContext& c) { return a.logout(c); };
  handlers["changeOwnPassword"] = [this](RequestContext& c) {
    http::Response response = auth->change_own_password(c);
    if (response.status == 200 && c.principal && c.principal->username == "admin") default_password = false;
    return response;
  };
  handlers["listUsers"] = [&a](RequestContext& c) { return a.list_users(c); };
  handlers["createUser"] = [&a](RequestContext& c) { return a.create_user(c); };
  handlers["disableUser"] = [&a](RequestContext& c) { return a.disable_user(c); };
  handlers["resetUserPassword"] = [&a](RequestContext& c) { return a.reset_password(c); };
  StreamsService& s = *streams;
  handlers["listStreams"] = [&s](RequestContext& c) { return s.list(c); };
  handlers["createStream"] = [&s](RequestContext& c) { return s.create(c); };
  handlers["getStream"] = [&s](RequestContext& c) { return s.get(c); };
  handlers["deleteStream"] = [&s](RequestContext& c) { return s.remove(c); };
  handlers["scaleStream"] = [&s](RequestContext& c) { return s.scale(c); };
  handlers["putStreamTags"] = [&s](RequestContext& c) { return s.put_tags(c); };
  handlers["putStreamAlarms"] = [this](RequestContext& c) { return analyses->stream_alarms(c); };
  handlers["getStreamMetrics"] = [this](RequestContext& c) { return analyses->stream_metrics(c); };
  handlers["listAlarms"] = [this](RequestContext& c) { return analyses->list_alarms(c); };
  handlers["createAnalysis"] = [this](RequestContext& c) { return analyses->create(c); };
  handlers["listAnalyses"] = [this](RequestContext& c) { return analyses->list(c); };
  handlers["getAnalysis"] = [this](RequestContext& c) { return analyses->get(c); };
  handlers["applyAnalysis"] = [this](RequestContext& c) { return analyses->apply(c); };

  auto created = ApiHandler::create(route_table(), std::move(handlers), *auth, metrics, clock, random);
  if (!created) return std::move(created).error();
  api = std::move(*created);
  api->set_fallback([this](const http::Request& request) { return web->handle(request); });

  http::ServerOptions options;
  options.host = config.host;
  options.port = config.port;
  options.threads = config.threads;
  options.max_request_bytes = static_cast<std::uint64_t>(config.max_request_bytes);
  options.too_large = error_response(413, "PayloadTooLarge", "request body too large");
  options.internal_error = error_response(500, "InternalError", "internal error");
  http = std::make_unique<http::HttpServer>(options, *api);
  return ok_status();
}

Result<std::unique_ptr<ServerApp>> ServerApp::create(ServerConfig config, const Environment& env, Clock& clock,
                                                     Random& random) {
  KWB_RETURN_IF_ERROR(validate_config(config));
  auto impl = std::make_unique<Impl>(std::move(config), env, clock, random);
  KWB_RETURN_IF_ERROR(impl->open_store());
  KWB_RETURN_IF_ERROR(impl->setup_auth());
  KWB_RETURN_IF_ERROR(impl->setup_aws());
  KWB_RETURN_IF_ERROR(impl->build_api());
  return std::unique_ptr<ServerApp>(new ServerApp(std::move(impl)));
}

ServerApp::ServerApp(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ServerApp::~ServerApp() { stop(); }

Result<std::uint16_t> ServerApp::start() {
  KWB_RETURN_IF_ERROR(impl_->analyses->start());
  impl_->streams->start_refresher();
  return impl_->http->start();
}

void ServerApp::stop() {
  if (!impl_) return;
  if (impl_->http) impl_->http->stop();
  // Background work uses AWS (the emulator) and the store: stop it before either goes.
  if (impl_->analyses) impl_->analyses->stop();
  if (impl_->streams) impl_->streams->stop_refresher();
  if (impl_->embedded) impl_->embedded->stop();
}

const AwsTarget& ServerApp::target() const { return impl_->target; }
const ServerConfig& ServerApp::config() const { return impl_->config; }
bool ServerApp::default_admin_password() const { return impl_->default_password; }

}  // namespace kwb::server
