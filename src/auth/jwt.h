#pragma once
// HS256 JSON Web Tokens (RFC 7519 over RFC 7515 compact JWS) for `kwb serve` sessions.
//
// Why written by hand: `apt-cache search jwt` on Debian 12 offers libjwt-dev 1.10 (a C library
// that brings jansson as a second JSON library and leaves the "which alg did this token use"
// check to the caller after decoding) and libcpp-jwt-dev 1.4 (header-only, exception-based, with
// its own notion of time instead of our Clock seam). We need one algorithm, HS256, with a fixed
// allow-list, a distinct error per rejection reason, an injected clock and a revocation hook; on
// core's hmac_sha256, constant_time_equals and base64 that is about two hundred lines we can read
// in full, which is less risk than adapting either library's policy to ours.
//
// What verify() rejects, each with its own Error code (kind kAuth, http_status 401):
//   TokenMalformed            not three base64url segments, not JSON, a claim missing or mistyped
//   TokenAlgorithmNotAllowed  header alg is anything but "HS256" ("none", "HS512", "RS256", ...)
//   TokenSignatureInvalid     the HMAC does not match (compared in constant time)
//   TokenIssuerInvalid        iss is not ours
//   TokenExpired              now >= exp + leeway
//   TokenNotYetValid          iat > now + leeway (issued in the future: clock skew or forgery)
//   TokenRevoked              the revocation callback says so (logout)
// The alg check comes first and the signature check before any claim is read, so nothing in an
// unauthenticated payload influences the decision.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "core/secret.h"

namespace kwb::auth {

struct TokenClaims {
  std::string subject;   // sub: the username
  std::string role;      // role: "admin" | "operator" | "viewer" (roles.h)
  std::string issuer;    // iss
  std::string token_id;  // jti: random, unique per token; the key for revocation
  SystemTimePoint issued_at{};   // iat, whole seconds
  SystemTimePoint expires_at{};  // exp, whole seconds
};

struct IssuedToken {
  std::string token;
  TokenClaims claims;
};

struct JwtOptions {
  std::string issuer = "kwb";
  std::chrono::seconds ttl = std::chrono::hours(8);  // one working day per sign-in
  // Tolerated clock difference between instances behind one load balancer.
  std::chrono::seconds leeway = std::chrono::seconds(30);
};

// Answers "has this jti been revoked?". An error (the database is down) fails verification with
// that error: a token that cannot be checked is not accepted.
using RevocationCheck = std::function<Result<bool>(std::string_view token_id)>;

// Purpose: issues and verifies the server's session tokens.
// Ownership: holds a copy of the signing key; borrows the Clock, which must outlive it.
// Thread safety: immutable after create(); every method is const and safe to call concurrently.
class JwtCodec {
 public:
  // REQUIRES: key of at least 32 bytes (RFC 7518 §3.2: an HS256 key as long as the hash).
  [[nodiscard]] static Result<JwtCodec> create(Secret key, JwtOptions options, const Clock& clock);

  // A token for `subject` with `role`, iat = now, exp = now + ttl and a fresh random jti.
  [[nodiscard]] Result<IssuedToken> issue(std::string_view subject, std::string_view role) const;
  // Signs exactly these claims (tests use it to build expired or foreign-issuer tokens).
  [[nodiscard]] Result<std::string> sign(const TokenClaims& claims) const;
  // Checks everything listed at the top of this file; `revoked` may be empty (no deny-list).
  [[nodiscard]] Result<TokenClaims> verify(std::string_view token, const RevocationCheck& revoked = {}) const;

  [[nodiscard]] const JwtOptions& options() const { return options_; }

 private:
  JwtCodec(Secret key, JwtOptions options, const Clock& clock)
      : key_(std::move(key)), options_(std::move(options)), clock_(&clock) {}
  Secret key_;
  JwtOptions options_;
  const Clock* clock_;
};

// base64url without padding (RFC 7515 §2), as JWS uses it.
std::string base64url_encode(std::string_view bytes);
// nullopt unless `text` is canonical unpadded base64url.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace kwb::auth
