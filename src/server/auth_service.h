#pragma once
// Sign-in, tokens and user administration for `kwb serve`.
//
// authenticate() is the middleware: "Authorization: Bearer <jwt>" -> a Principal, or a 401 error.
// A token must pass the codec (HS256 only, signature, issuer, expiry) and the deny-list (logout),
// and its user must still exist and be enabled. The role comes from the user's row, not the token,
// so demoting or disabling a user takes effect on their next request (on another instance sharing
// the database: within the principal cache's lifetime, principal_cache.h).
//
// Login: the throttle is consulted before any password work (a locked key costs no argon2 time),
// an unknown user spends the time of a real check, and every attempt is audited without the
// password. Bootstrap: on an empty store the "admin" user is created from the configured password
// or the well-known default, which start-up then warns about (and --production refuses).
//
// Ownership: borrows the Store, hasher, codec, throttle and clock; all must outlive it.
// Thread safety: every method may be called concurrently.

#include <string>

#include "auth/jwt.h"
#include "auth/login_throttle.h"
#include "auth/password_hasher.h"
#include "core/clock.h"
#include "core/result.h"
#include "core/secret.h"
#include "http/message.h"
#include "server/api.h"
#include "server/principal_cache.h"
#include "store/store.h"

namespace kwb::server {

inline constexpr const char* kDefaultAdminPassword = "admin123";

class AuthService {
 public:
  // principal_cache_ttl: how long a token that passed every check is accepted without checking
  // again (see principal_cache.h for what that trades); 0 checks every request.
  AuthService(store::Store& store, const auth::PasswordHasher& hasher, const auth::JwtCodec& codec,
              auth::LoginThrottle& throttle, const Clock& clock,
              std::chrono::milliseconds principal_cache_ttl = std::chrono::milliseconds(0));

  // Creates "admin" on an empty store. Returns true while the admin still has the default
  // password (the caller warns, or refuses to start in production).
  [[nodiscard]] Result<bool> bootstrap(const Secret& configured_password);

  // The middleware. Errors are kAuth (401).
  [[nodiscard]] Result<Principal> authenticate(const http::Request& request);

  http::Response login(RequestContext& context);
  http::Response me(RequestContext& context);
  http::Response logout(RequestContext& context);
  http::Response change_own_password(RequestContext& context);
  http::Response list_users(RequestContext& context);
  http::Response create_user(RequestContext& context);
  http::Response disable_user(RequestContext& context);
  http::Response reset_password(RequestContext& context);

 private:
  void audit(const RequestContext& context, const std::string& action, const std::string& target,
             const std::string& outcome, nlohmann::json detail = nullptr);
  Result<std::string> hash_new_password(const nlohmann::json& body, const std::string& field);
  Result<Principal> authenticate_uncached(std::string_view token);

  store::Store& store_;
  const auth::PasswordHasher& hasher_;
  const auth::JwtCodec& codec_;
  auth::LoginThrottle& throttle_;
  const Clock& clock_;
  PrincipalCache principals_;
};

// The user as the API shows it (never the hash).
nlohmann::json user_json(const store::User& user);

// Usernames: 1..64 of [A-Za-z0-9_.@-]; passwords: 8..1024 bytes.
Status validate_username(std::string_view name);
Status validate_password(std::string_view password, const std::string& field);

}  // namespace kwb::server
