#include "server/auth_service.h"

#include <spdlog/spdlog.h>

#include "core/strings.h"

namespace kwb::server {

namespace {

http::Response unauthorized(std::string code, std::string message) {
  http::Response response = error_response(401, std::move(code), std::move(message));
  response.headers.set("WWW-Authenticate", "Bearer");
  return response;
}

http::Response too_many_attempts(std::chrono::seconds retry_after) {
  http::Response response =
      error_response(429, "TooManyLoginAttempts", "too many failed sign-ins; try again later");
  response.headers.set("Retry-After", std::to_string(std::max<std::int64_t>(1, retry_after.count())));
  return response;
}

}  // namespace

Status validate_username(std::string_view name) {
  if (name.empty() || name.size() > 64) return Error::invalid_input("username", "username must be 1 to 64 characters");
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '.' || c == '@' || c == '-';
    if (!ok) return Error::invalid_input("username", "username may contain only letters, digits and _ . @ -");
  }
  return ok_status();
}

Status validate_password(std::string_view password, const std::string& field) {
  if (password.size() < 8) return Error::invalid_input(field, "password must be at least 8 characters");
  if (password.size() > 1024) return Error::invalid_input(field, "password must be at most 1024 bytes");
  return ok_status();
}

nlohmann::json user_json(const store::User& user) {
  return {{"id", user.id},
          {"username", user.username},
          {"role", user.role},
          {"disabled", user.disabled},
          {"password_changed", user.password_changed},
          {"created_at", format_iso8601_millis(user.created_at)},
          {"updated_at", format_iso8601_millis(user.updated_at)}};
}

// Enough for every token a busy deployment has live within one cache lifetime.
constexpr std::size_t kPrincipalCacheCapacity = 4096;

AuthService::AuthService(store::Store& store, const auth::PasswordHasher& hasher, const auth::JwtCodec& codec,
                         auth::LoginThrottle& throttle, const Clock& clock,
                         std::chrono::milliseconds principal_cache_ttl)
    : store_(store),
      hasher_(hasher),
      codec_(codec),
      throttle_(throttle),
      clock_(clock),
      principals_(principal_cache_ttl, kPrincipalCacheCapacity, clock) {}

Result<bool> AuthService::bootstrap(const Secret& configured_password) {
  auto count = store_.users().count();
  if (!count) return count.error();
  if (*count == 0) {
    const Secret password = configured_password.empty() ? Secret(kDefaultAdminPassword) : configured_password;
    auto hash = hasher_.hash(password);
    if (!hash) return hash.error();
    auto created = store_.users().create(store::NewUser{"admin", *hash, "admin", false});
    // Another instance on the same database may have won the race; that is fine.
    if (!created && created.error().kind != ErrorKind::kConflict) return created.error();
    if (created) spdlog::info("created the bootstrap user 'admin'");
  }
  auto admin = store_.users().find_by_name("admin");
  if (!admin) return admin.error();
  if (!admin->has_value()) return false;
  // The admin keeps the well-known password until it is changed: check the hash, not a flag, so a
  // KWB_ADMIN_PASSWORD of "admin123" is caught too.
  return hasher_.verify((*admin)->password_hash, Secret(kDefaultAdminPassword));
}

Result<Principal> AuthService::authenticate(const http::Request& request) {
  const std::string_view header = request.headers.get("Authorization");
  if (header.empty()) return Error{ErrorKind::kAuth, "MissingToken", "sign in first: no bearer token", 0, {}};
  if (header.size() < 7 || to_lower(header.substr(0, 7)) != "bearer ") {
    return Error{ErrorKind::kAuth, "MissingToken", "the Authorization header must be 'Bearer <token>'", 0, {}};
  }
  const std::string_view token = trim(header.substr(7));
  if (auto cached = principals_.find(token)) return std::move(*cached);
  const std::uint64_t generation = principals_.generation();
  auto principal = authenticate_uncached(token);
  if (principal) principals_.remember(token, *principal, generation);
  return principal;
}

Result<Principal> AuthService::authenticate_uncached(std::string_view token) {
  auto claims = codec_.verify(token, [this](std::string_view jti) { return store_.revocations().is_revoked(jti); });
  // kAuth for a bad token (401); any other kind means the deny-list could not be read (500).
  if (!claims) return claims.error();
  auto user = store_.users().find_by_name(claims->subject);
  if (!user) return user.error();
  if (!user->has_value() || (*user)->disabled) {
    return Error{ErrorKind::kAuth, "UserDisabled", "this account no longer exists or is disabled", 0, {}};
  }
  const auto role = auth::parse_role((*user)->role);
  if (!role) return Error::internal("user has an unknown role");
  return Principal{(*user)->id, (*user)->username, *role, std::move(*claims)};
}

void AuthService::audit(const RequestContext& context, const std::string& action, const std::string& target,
                        const std::string& outcome, nlohmann::json detail) {
  if (detail.is_null()) detail = nlohmann::json::object();
  detail["request_id"] = context.request_id;
  detail["client"] = context.client_address;
  auto appended = store_.audit().append({context.actor(), action, target, outcome, std::move(detail)});
  if (!appended) spdlog::error("audit write failed for {}: {}", action, appended.error().describe());
}

http::Response AuthService::login(RequestContext& context) {
  auto body = parse_json_object(context.request);
  if (!body) return error_response(body.error());
  auto username = required_string(*body, "username");
  if (!username) return error_response(username.error());
  auto password_text = required_string(*body, "password");
  if (!password_text) return error_response(password_text.error());
  const Secret password(std::move(*password_text));

  const auto decision = throttle_.check(*username, context.client_address);
  if (!decision.allowed) {
    audit(context, "auth.login", *username, "locked", {{"locked_by", std::string(decision.locked_by)}});
    return too_many_attempts(decision.retry_after);
  }
  auto user = store_.users().find_by_name(*username);
  if (!user) return error_response(user.error());
  const bool verified = user->has_value() ? hasher_.verify((*user)->password_hash, password)
                                          : hasher_.verify_dummy(password);
  if (!verified) {
    const auto next = throttle_.record_failure(*username, context.client_address);
    audit(context, "auth.login", *username, "denied");
    if (!next.allowed) return too_many_attempts(next.retry_after);
    return unauthorized("InvalidCredentials", "invalid username or password");
  }
  if ((*user)->disabled) {
    audit(context, "auth.login", *username, "disabled");
    return unauthorized("UserDisabled", "this account is disabled");
  }
  throttle_.record_success(*username);
  auto issued = codec_.issue((*user)->username, (*user)->role);
  if (!issued) return error_response(issued.error());
  context.principal = Principal{(*user)->id, (*user)->username, auth::parse_role((*user)->role).value_or(auth::Role::kViewer),
                                issued->claims};
  audit(context, "auth.login", *username, "ok");
  return json_response(200, {{"token", issued->token},
                             {"token_type", "Bearer"},
                             {"expires_at", format_iso8601_millis(issued->claims.expires_at)},
                             {"user", user_json(**user)}});
}

http::Response AuthService::me(RequestContext& context) {
  auto user = store_.users().find_by_id(context.principal->user_id);
  if (!user) return error_response(user.error());
  if (!user->has_value()) return unauthorized("UserDisabled", "this account no longer exists");
  nlohmann::json body = user_json(**user);
  body["token_expires_at"] = format_iso8601_millis(context.principal->claims.expires_at);
  return json_response(200, body);
}

http::Response AuthService::logout(RequestContext& context) {
  const auto& claims = context.principal->claims;
  if (Status revoked = store_.revocations().revoke(claims.token_id, claims.expires_at); !revoked.ok()) {
    return error_response(revoked.error());
  }
  principals_.clear();
  audit(context, "auth.logout", context.actor(), "ok");
  return json_response(200, {{"revoked", true}});
}

Result<std::string> AuthService::hash_new_password(const nlohmann::json& body, const std::string& field) {
  auto text = required_string(body, field);
  if (!text) return text.error();
  KWB_RETURN_IF_ERROR(validate_password(*text, field));
  return hasher_.hash(Secret(std::move(*text)));
}

http::Response AuthService::change_own_password(RequestContext& context) {
  auto body = parse_json_object(context.request);
  if (!body) return error_response(body.error());
  auto current = required_string(*body, "current_password");
  if (!current) return error_response(current.error());
  auto user = store_.users().find_by_id(context.principal->user_id);
  if (!user) return error_response(user.error());
  if (!user->has_value() || !hasher_.verify((*user)->password_hash, Secret(std::move(*current)))) {
    audit(context, "user.password.change", context.actor(), "denied");
    return error_response(403, "WrongPassword", "the current password is wrong", "current_password");
  }
  auto hash = hash_new_password(*body, "new_password");
  if (!hash) return error_response(hash.error());
  if (Status set = store_.users().set_password_hash((*user)->id, *hash, true); !set.ok()) return error_response(set.error());
  principals_.clear();
  audit(context, "user.password.change", context.actor(), "ok");
  return json_response(200, {{"changed", true}});
}

http::Response AuthService::list_users(RequestContext&) {
  auto users = store_.users().list();
  if (!users) return error_response(users.error());
  nlohmann::json list = nlohmann::json::array();
  for (const auto& user : *users) list.push_back(user_json(user));
  return json_response(200, {{"users", list}});
}

http::Response AuthService::create_user(RequestContext& context) {
  auto body = parse_json_object(context.request);
  if (!body) return error_response(body.error());
  auto username = required_string(*body, "username");
  if (!username) return error_response(username.error());
  if (Status valid = validate_username(*username); !valid.ok()) return error_response(valid.error());
  auto role_text = optional_string(*body, "role");
  if (!role_text) return error_response(role_text.error());
  const std::string role_name = role_text->value_or("viewer");
  if (!auth::parse_role(role_name)) {
    return error_response(Error::invalid_input("role", "role must be admin, operator or viewer"));
  }
  auto hash = hash_new_password(*body, "password");
  if (!hash) return error_response(hash.error());
  auto created = store_.users().create(store::NewUser{*username, *hash, role_name, false});
  if (!created) {
    audit(context, "user.create", *username, "error");
    if (created.error().kind == ErrorKind::kConflict) {
      return error_response(409, "UserExists", "a user with this name already exists", "username");
    }
    return error_response(created.error());
  }
  audit(context, "user.create", *username, "ok", {{"role", role_name}});
  return json_response(201, user_json(*created));
}

http::Response AuthService::disable_user(RequestContext& context) {
  const std::string& name = context.param("name");
  auto user = store_.users().find_by_name(name);
  if (!user) return error_response(user.error());
  if (!user->has_value()) return error_response(404, "UserNotFound", "no such user");
  if ((*user)->id == context.principal->user_id) {
    return error_response(400, "CannotDisableSelf", "you cannot disable your own account", "name");
  }
  if (Status set = store_.users().set_disabled((*user)->id, true); !set.ok()) return error_response(set.error());
  principals_.clear();
  audit(context, "user.disable", name, "ok");
  (*user)->disabled = true;
  return json_response(200, user_json(**user));
}

http::Response AuthService::reset_password(RequestContext& context) {
  const std::string& name = context.param("name");
  auto body = parse_json_object(context.request);
  if (!body) return error_response(body.error());
  auto user = store_.users().find_by_name(name);
  if (!user) return error_response(user.error());
  if (!user->has_value()) return error_response(404, "UserNotFound", "no such user");
  auto hash = hash_new_password(*body, "password");
  if (!hash) return error_response(hash.error());
  // An admin-set password is temporary: password_changed goes back to false.
  if (Status set = store_.users().set_password_hash((*user)->id, *hash, false); !set.ok()) {
    return error_response(set.error());
  }
  principals_.clear();
  audit(context, "user.password.reset", name, "ok");
  return json_response(200, {{"reset", true}});
}

}  // namespace kwb::server
