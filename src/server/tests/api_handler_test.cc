// The auth middleware and the request pipeline, with the real AuthService on an in-memory store
// and stub handlers for everything that would call AWS. The principal cache is on with its
// production lifetime, so every revocation and disable test below also proves it is cleared.
#include "server/api_handler.h"

#include <gtest/gtest.h>

#include "auth/jwt.h"
#include "auth/login_throttle.h"
#include "auth/password_hasher.h"
#include "core/clock.h"
#include "core/random.h"
#include "server/auth_service.h"
#include "store/store.h"

namespace kwb::server {
namespace {

using namespace std::chrono_literals;

class ApiHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::open_store("sqlite://:memory:", "", clock_);
    ASSERT_TRUE(opened.ok()) << opened.error();
    store_ = std::move(*opened);
    auto hasher = auth::PasswordHasher::create(auth::PasswordHashParams::minimum());
    ASSERT_TRUE(hasher.ok());
    hasher_.emplace(std::move(*hasher));
    auto codec = auth::JwtCodec::create(Secret(std::string(32, 'k')), {}, clock_);
    ASSERT_TRUE(codec.ok());
    codec_.emplace(std::move(*codec));
    auth::LoginThrottleConfig throttle_config;
    throttle_config.max_failures_per_user = 3;
    throttle_config.max_failures_per_address = 100;
    throttle_config.lockout = 60s;
    throttle_ = std::make_unique<auth::LoginThrottle>(throttle_config, clock_);
    auth_ = std::make_unique<AuthService>(*store_, *hasher_, *codec_, *throttle_, clock_, kAuthCacheTtl);
    auto is_default = auth_->bootstrap(Secret());
    ASSERT_TRUE(is_default.ok());
    EXPECT_TRUE(*is_default);

    std::map<std::string, OperationHandler> handlers;
    for (const auto& route : route_table()) {
      const std::string id = route.operation_id;
      handlers[id] = [id](RequestContext&) { return json_response(200, {{"operation", id}}); };
    }
    AuthService& a = *auth_;
    handlers["login"] = [&a](RequestContext& c) { return a.login(c); };
    handlers["logout"] = [&a](RequestContext& c) { return a.logout(c); };
    handlers["getMe"] = [&a](RequestContext& c) { return a.me(c); };
    handlers["createUser"] = [&a](RequestContext& c) { return a.create_user(c); };
    handlers["disableUser"] = [&a](RequestContext& c) { return a.disable_user(c); };
    handlers["changeOwnPassword"] = [&a](RequestContext& c) { return a.change_own_password(c); };
    auto api = ApiHandler::create(route_table(), std::move(handlers), *auth_, metrics_, clock_, random_);
    ASSERT_TRUE(api.ok()) << api.error();
    api_ = std::move(*api);
  }

  http::Response call(const std::string& method, const std::string& target, const std::string& token = {},
                      const std::string& body = {}, const std::string& address = "10.0.0.1:4000") {
    http::Request request;
    request.method = method;
    request.target = target;
    request.body = body;
    request.remote_address = address;
    if (!token.empty()) request.headers.add("Authorization", "Bearer " + token);
    return api_->handle(request);
  }

  std::string login(const std::string& user, const std::string& password) {
    auto response = call("POST", "/api/auth/login", {}, nlohmann::json{{"username", user}, {"password", password}}.dump());
    EXPECT_EQ(response.status, 200) << response.body;
    return nlohmann::json::parse(response.body).value("token", "");
  }

  std::string make_user(const std::string& name, const std::string& role) {
    const std::string admin = login("admin", "admin123");
    auto created = call("POST", "/api/users", admin,
                        nlohmann::json{{"username", name}, {"password", "password-" + name}, {"role", role}}.dump());
    EXPECT_EQ(created.status, 201) << created.body;
    return login(name, "password-" + name);
  }

  static std::string path_of(const RouteSpec& route) {
    std::string path = route.pattern;
    const auto at = path.find("{name}");
    if (at != std::string::npos) path.replace(at, 6, "somebody");
    return path;
  }

  static constexpr std::chrono::milliseconds kAuthCacheTtl{1000};  // ServerConfig::auth_cache_ms
  ManualClock clock_{SystemTimePoint{} + std::chrono::hours(24 * 365 * 55)};
  SeededRandom random_{7};
  Metrics metrics_;
  std::unique_ptr<store::Store> store_;
  std::optional<auth::PasswordHasher> hasher_;
  std::optional<auth::JwtCodec> codec_;
  std::unique_ptr<auth::LoginThrottle> throttle_;
  std::unique_ptr<AuthService> auth_;
  std::unique_ptr<ApiHandler> api_;
};

TEST_F(ApiHandlerTest, EveryNonPublicRouteNeedsAToken) {
  for (const auto& route : route_table()) {
    auto response = call(route.method, path_of(route));
    if (route.access == Access::kPublic) {
      EXPECT_NE(response.status, 401) << route.method << " " << route.pattern;
    } else {
      EXPECT_EQ(response.status, 401) << route.method << " " << route.pattern;
      EXPECT_EQ(response.headers.get("WWW-Authenticate"), "Bearer");
    }
  }
}

TEST_F(ApiHandlerTest, RolesGateWritesAndAdministration) {
  const std::string viewer = make_user("vera", "viewer");
  const std::string op = make_user("otto", "operator");
  const std::string admin = login("admin", "admin123");
  for (const auto& route : route_table()) {
    if (route.access == Access::kPublic || route.operation_id == "logout") continue;
    const std::string where = route.method + " " + route.pattern;
    const int as_viewer = call(route.method, path_of(route), viewer, "{}").status;
    const int as_operator = call(route.method, path_of(route), op, "{}").status;
    const int as_admin = call(route.method, path_of(route), admin, "{}").status;
    EXPECT_EQ(as_viewer == 403, route.access >= Access::kOperator) << where << " viewer got " << as_viewer;
    EXPECT_EQ(as_operator == 403, route.access == Access::kAdmin) << where << " operator got " << as_operator;
    EXPECT_NE(as_admin, 403) << where;
    EXPECT_NE(as_admin, 401) << where;
  }
}

TEST_F(ApiHandlerTest, TamperedExpiredAlgNoneAndRevokedTokensAre401) {
  const std::string token = login("admin", "admin123");
  EXPECT_EQ(call("GET", "/api/auth/me", token).status, 200);

  // Tampered: flip one character of the payload.
  std::string tampered = token;
  const auto dot = tampered.find('.');
  tampered[dot + 5] = tampered[dot + 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(call("GET", "/api/auth/me", tampered).status, 401);

  // alg "none": header {"alg":"none","typ":"JWT"}, same payload, empty signature.
  const std::string payload = token.substr(dot + 1, token.rfind('.') - dot - 1);
  const std::string none = auth::base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." + payload + ".";
  auto none_response = call("GET", "/api/auth/me", none);
  EXPECT_EQ(none_response.status, 401);
  EXPECT_NE(none_response.body.find("TokenAlgorithmNotAllowed"), std::string::npos) << none_response.body;

  // Garbage and a wrong scheme.
  EXPECT_EQ(call("GET", "/api/auth/me", "not-a-token").status, 401);

  // Revoked: log out, then reuse.
  EXPECT_EQ(call("POST", "/api/auth/logout", token).status, 200);
  auto revoked = call("GET", "/api/auth/me", token);
  EXPECT_EQ(revoked.status, 401);
  EXPECT_NE(revoked.body.find("TokenRevoked"), std::string::npos) << revoked.body;

  // Expired: a fresh token, then the clock passes its exp (8 h default + leeway).
  const std::string fresh = login("admin", "admin123");
  EXPECT_EQ(call("GET", "/api/auth/me", fresh).status, 200);
  clock_.advance(std::chrono::hours(9));
  auto expired = call("GET", "/api/auth/me", fresh);
  EXPECT_EQ(expired.status, 401);
  EXPECT_NE(expired.body.find("TokenExpired"), std::string::npos) << expired.body;
}

TEST_F(ApiHandlerTest, DisabledUserLosesAccessAtOnce) {
  const std::string viewer = make_user("dora", "viewer");
  EXPECT_EQ(call("GET", "/api/auth/me", viewer).status, 200);
  const std::string admin = login("admin", "admin123");
  EXPECT_EQ(call("POST", "/api/users/dora/disable", admin).status, 200);
  EXPECT_EQ(call("GET", "/api/auth/me", viewer).status, 401);
}

// The cache's trade, pinned: a disable or revocation written to the store by ANOTHER instance
// (here: straight through the repositories, bypassing this AuthService) is honoured once the
// cached check is older than auth_cache_ms, and not before.
TEST_F(ApiHandlerTest, OutOfBandDisableTakesEffectWithinTheCacheLifetime) {
  const std::string viewer = make_user("olga", "viewer");
  EXPECT_EQ(call("GET", "/api/auth/me", viewer).status, 200);  // checked and remembered
  auto row = store_->users().find_by_name("olga");
  ASSERT_TRUE(row.ok() && row->has_value());
  ASSERT_TRUE(store_->users().set_disabled((*row)->id, true).ok());
  clock_.advance(kAuthCacheTtl - 1ms);
  EXPECT_EQ(call("GET", "/api/auth/me", viewer).status, 200);
  clock_.advance(1ms);
  EXPECT_EQ(call("GET", "/api/auth/me", viewer).status, 401);
}

TEST_F(ApiHandlerTest, OutOfBandRevocationTakesEffectWithinTheCacheLifetime) {
  const std::string token = login("admin", "admin123");
  auto before = call("GET", "/api/auth/me", token);
  ASSERT_EQ(before.status, 200);
  auto claims = codec_->verify(token);
  ASSERT_TRUE(claims.ok());
  ASSERT_TRUE(store_->revocations().revoke(claims->token_id, claims->expires_at).ok());
  EXPECT_EQ(call("GET", "/api/auth/me", token).status, 200);
  clock_.advance(kAuthCacheTtl);
  EXPECT_EQ(call("GET", "/api/auth/me", token).status, 401);
}

TEST_F(ApiHandlerTest, LoginLockoutAnswers429WithRetryAfter) {
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(call("POST", "/api/auth/login", {}, R"({"username":"admin","password":"wrong-one"})").status, 401);
  }
  auto tripped = call("POST", "/api/auth/login", {}, R"({"username":"admin","password":"wrong-one"})");
  EXPECT_EQ(tripped.status, 429);
  EXPECT_EQ(tripped.headers.get("Retry-After"), "60");
  // Even the right password is refused while locked, and no hash work is done.
  auto locked = call("POST", "/api/auth/login", {}, R"({"username":"admin","password":"admin123"})");
  EXPECT_EQ(locked.status, 429);
  clock_.advance(61s);
  EXPECT_EQ(call("POST", "/api/auth/login", {}, R"({"username":"admin","password":"admin123"})").status, 200);
}

TEST_F(ApiHandlerTest, LoginResponseShape) {
  auto response = call("POST", "/api/auth/login", {}, R"({"username":"admin","password":"admin123"})");
  ASSERT_EQ(response.status, 200);
  const auto body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body.at("token_type"), "Bearer");
  EXPECT_TRUE(body.at("expires_at").is_string());
  EXPECT_EQ(body.at("user").at("username"), "admin");
  EXPECT_EQ(body.at("user").at("role"), "admin");
  EXPECT_FALSE(body.at("user").contains("password_hash"));
  EXPECT_EQ(call("POST", "/api/auth/login", {}, "not json").status, 400);
  EXPECT_EQ(call("POST", "/api/auth/login", {}, R"({"username":"admin"})").status, 400);
}

TEST_F(ApiHandlerTest, RequestIdIsEchoedWhenSafeAndGeneratedOtherwise) {
  http::Request request;
  request.method = "GET";
  request.target = "/healthz";
  request.headers.add("X-Request-Id", "client-id-1");
  EXPECT_EQ(api_->handle(request).headers.get("X-Request-Id"), "client-id-1");
  request.headers.set("X-Request-Id", "bad id\r\nInjected: yes");
  const auto generated = api_->handle(request).headers.get("X-Request-Id");
  EXPECT_EQ(generated.size(), 32u);
  EXPECT_EQ(call("GET", "/nope").headers.get("X-Request-Id").size(), 32u);
}

TEST_F(ApiHandlerTest, UnknownRoutesAndMethods) {
  EXPECT_EQ(call("GET", "/api/nothing").status, 404);
  auto wrong = call("PATCH", "/api/streams");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.headers.get("Allow"), "GET, POST");
}

TEST_F(ApiHandlerTest, MetricsCountByRoutePatternNotRawPath) {
  const std::string token = login("admin", "admin123");
  call("GET", "/api/streams/one", token);
  call("GET", "/api/streams/two", token);
  const std::string text = metrics_.render();
  EXPECT_NE(text.find(R"(kwb_http_requests_total{method="GET",route="/api/streams/{name}",status="200"} 2)"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("/api/streams/one"), std::string::npos);
  EXPECT_NE(text.find("kwb_http_request_duration_seconds_bucket"), std::string::npos);
}

TEST_F(ApiHandlerTest, ChangingOwnPasswordNeedsTheCurrentOne) {
  const std::string token = login("admin", "admin123");
  EXPECT_EQ(call("POST", "/api/auth/password", token, R"({"current_password":"nope-nope","new_password":"n3w-password"})").status,
            403);
  EXPECT_EQ(call("POST", "/api/auth/password", token, R"({"current_password":"admin123","new_password":"short"})").status,
            400);
  EXPECT_EQ(call("POST", "/api/auth/password", token, R"({"current_password":"admin123","new_password":"n3w-password"})").status,
            200);
  auto is_default = auth_->bootstrap(Secret());
  ASSERT_TRUE(is_default.ok());
  EXPECT_FALSE(*is_default);
}

TEST(ApiHandlerCreateTest, RouteWithoutHandlerIsRefused) {
  ManualClock clock{SystemTimePoint{}};
  SeededRandom random{1};
  Metrics metrics;
  auto opened = store::open_store("sqlite://:memory:", "", clock);
  ASSERT_TRUE(opened.ok());
  auto hasher = auth::PasswordHasher::create(auth::PasswordHashParams::minimum());
  auto codec = auth::JwtCodec::create(Secret(std::string(32, 'k')), {}, clock);
  auth::LoginThrottle throttle({}, clock);
  AuthService auth(**opened, *hasher, *codec, throttle, clock);
  auto api = ApiHandler::create({{"GET", "/x", "x", Access::kPublic}}, {}, auth, metrics, clock, random);
  EXPECT_FALSE(api.ok());
}

TEST(StripPortTest, HandlesV4AndV6) {
  EXPECT_EQ(strip_port("127.0.0.1:5000"), "127.0.0.1");
  EXPECT_EQ(strip_port("[::1]:5000"), "::1");
  EXPECT_EQ(strip_port(""), "");
}

}  // namespace
}  // namespace kwb::server
