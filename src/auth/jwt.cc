#include "auth/jwt.h"

#include <sodium.h>

#include <nlohmann/json.hpp>

#include "auth/password_hasher.h"
#include "core/crypto.h"
#include "core/encoding.h"

namespace kwb::auth {
namespace {

// A session token is a few hundred bytes; anything much longer is not ours and is refused before
// any decoding work.
constexpr std::size_t kMaxTokenBytes = 8 * 1024;
constexpr std::size_t kMinKeyBytes = 32;

// The only header we ever write; verify() accepts any header that says alg HS256.
constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";

Error token_error(std::string code, std::string message) {
  Error error;
  error.kind = ErrorKind::kAuth;
  error.code = std::move(code);
  error.message = std::move(message);
  error.http_status = 401;
  return error;
}

Error malformed(const std::string& why) { return token_error("TokenMalformed", "token is malformed: " + why); }

std::int64_t to_seconds(SystemTimePoint time) {
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}
SystemTimePoint from_seconds(std::int64_t seconds) {
  return SystemTimePoint(std::chrono::duration_cast<SystemTimePoint::duration>(std::chrono::seconds(seconds)));
}

Result<nlohmann::json> decode_json_segment(std::string_view segment, const char* what) {
  auto bytes = base64url_decode(segment);
  if (!bytes) return malformed(std::string(what) + " is not base64url");
  nlohmann::json value = nlohmann::json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded() || !value.is_object()) return malformed(std::string(what) + " is not a JSON object");
  return value;
}

Result<std::string> string_claim(const nlohmann::json& payload, const char* name) {
  auto it = payload.find(name);
  if (it == payload.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    return malformed(std::string("claim '") + name + "' is missing or not a non-empty string");
  }
  return it->get<std::string>();
}

Result<std::int64_t> time_claim(const nlohmann::json& payload, const char* name) {
  auto it = payload.find(name);
  if (it == payload.end() || !it->is_number_integer()) {
    return malformed(std::string("claim '") + name + "' is missing or not an integer NumericDate");
  }
  // Bounded to years 1970..9999 so converting to the clock's nanoseconds cannot overflow.
  constexpr std::int64_t kLatest = 253402300799;  // 9999-12-31T23:59:59Z
  const std::int64_t seconds = it->is_number_unsigned() && it->get<std::uint64_t>() > std::uint64_t(kLatest)
                                   ? kLatest + 1
                                   : it->get<std::int64_t>();
  if (seconds < 0 || seconds > kLatest) return malformed(std::string("claim '") + name + "' is out of range");
  return seconds;
}

std::string random_token_id() {
  unsigned char bytes[16];
  randombytes_buf(bytes, sizeof bytes);
  return hex_encode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

}  // namespace

std::string base64url_encode(std::string_view bytes) {
  std::string text = base64_encode(bytes);
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char& c : text) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return text;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string standard;
  standard.reserve(text.size() + 3);
  for (char c : text) {
    const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (plain) standard.push_back(c);
    else if (c == '-') standard.push_back('+');
    else if (c == '_') standard.push_back('/');
    else return std::nullopt;  // '+', '/', '=' and anything else are not base64url
  }
  while (standard.size() % 4 != 0) standard.push_back('=');
  auto bytes = base64_decode(standard);
  // Several encodings differ only in unused trailing bits; accept only the one we would write,
  // so every token has exactly one spelling.
  if (!bytes || base64url_encode(*bytes) != text) return std::nullopt;
  return bytes;
}

Result<JwtCodec> JwtCodec::create(Secret key, JwtOptions options, const Clock& clock) {
  KWB_RETURN_IF_ERROR(ensure_sodium_initialized());
  if (key.reveal().size() < kMinKeyBytes) {
    return Error::config("the JWT signing key must be at least " + std::to_string(kMinKeyBytes) + " bytes");
  }
  if (options.issuer.empty()) return Error::config("the JWT issuer must not be empty");
  if (options.ttl <= std::chrono::seconds(0)) return Error::config("the JWT lifetime must be positive");
  if (options.leeway < std::chrono::seconds(0)) return Error::config("the JWT leeway must not be negative");
  return JwtCodec(std::move(key), std::move(options), clock);
}

Result<IssuedToken> JwtCodec::issue(std::string_view subject, std::string_view role) const {
  TokenClaims claims;
  claims.subject = std::string(subject);
  claims.role = std::string(role);
  claims.issuer = options_.issuer;
  claims.token_id = random_token_id();
  // Whole seconds, as NumericDate carries them, so the claims returned equal the claims verified.
  claims.issued_at = from_seconds(to_seconds(clock_->now()));
  claims.expires_at = claims.issued_at + options_.ttl;
  auto token = sign(claims);
  if (!token) return std::move(token).error();
  return IssuedToken{std::move(*token), std::move(claims)};
}

Result<std::string> JwtCodec::sign(const TokenClaims& claims) const {
  const nlohmann::json payload = {
      {"iss", claims.issuer},
      {"sub", claims.subject},
      {"role", claims.role},
      {"jti", claims.token_id},
      {"iat", to_seconds(claims.issued_at)},
      {"exp", to_seconds(claims.expires_at)},
  };
  std::string payload_text;
  try {
    payload_text = payload.dump();
  } catch (const nlohmann::json::exception& e) {
    return Error::invalid_input("sub", std::string("token claims are not valid UTF-8: ") + e.what());
  }
  std::string signing_input = base64url_encode(kHeader) + "." + base64url_encode(payload_text);
  const std::string signature = hmac_sha256(key_.reveal(), signing_input);
  return signing_input + "." + base64url_encode(signature);
}

Result<TokenClaims> JwtCodec::verify(std::string_view token, const RevocationCheck& revoked) const {
  if (token.empty()) return malformed("empty");
  if (token.size() > kMaxTokenBytes) return malformed("longer than " + std::to_string(kMaxTokenBytes) + " bytes");
  const auto first_dot = token.find('.');
  const auto second_dot = first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos || token.find('.', second_dot + 1) != std::string_view::npos) {
    return malformed("expected three dot-separated segments");
  }
  const std::string_view header_segment = token.substr(0, first_dot);
  const std::string_view payload_segment = token.substr(first_dot + 1, second_dot - first_dot - 1);
  const std::string_view signature_segment = token.substr(second_dot + 1);

  // 1. The algorithm, from an allow-list of one. This is what stops "alg":"none" and an
  //    attacker choosing a weaker or asymmetric algorithm.
  auto header = decode_json_segment(header_segment, "header");
  if (!header) return std::move(header).error();
  auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string()) return malformed("header has no 'alg'");
  if (alg->get_ref<const std::string&>() != "HS256") {
    return token_error("TokenAlgorithmNotAllowed",
                       "token algorithm '" + alg->get<std::string>() + "' is not allowed; only HS256 is accepted");
  }
  auto typ = header->find("typ");
  if (typ != header->end() && (!typ->is_string() || typ->get_ref<const std::string&>() != "JWT")) {
    return malformed("header 'typ' is not \"JWT\"");
  }
  // RFC 7515 §4.1.11: extensions marked critical that we do not implement must be rejected.
  if (header->contains("crit")) return malformed("header lists critical extensions we do not support");

  // 2. The signature over the exact bytes received, before the payload is trusted at all.
  auto signature = base64url_decode(signature_segment);
  if (!signature) return malformed("signature is not base64url");
  const std::string expected = hmac_sha256(key_.reveal(), token.substr(0, second_dot));
  if (!constant_time_equals(*signature, expected)) {
    return token_error("TokenSignatureInvalid", "token signature is invalid");
  }

  // 3. The claims.
  auto payload = decode_json_segment(payload_segment, "payload");
  if (!payload) return std::move(payload).error();
  TokenClaims claims;
  auto iss = string_claim(*payload, "iss");
  if (!iss) return std::move(iss).error();
  auto sub = string_claim(*payload, "sub");
  if (!sub) return std::move(sub).error();
  auto role = string_claim(*payload, "role");
  if (!role) return std::move(role).error();
  auto jti = string_claim(*payload, "jti");
  if (!jti) return std::move(jti).error();
  auto iat = time_claim(*payload, "iat");
  if (!iat) return std::move(iat).error();
  auto exp = time_claim(*payload, "exp");
  if (!exp) return std::move(exp).error();
  claims.issuer = std::move(*iss);
  claims.subject = std::move(*sub);
  claims.role = std::move(*role);
  claims.token_id = std::move(*jti);
  claims.issued_at = from_seconds(*iat);
  claims.expires_at = from_seconds(*exp);

  if (claims.issuer != options_.issuer) {
    return token_error("TokenIssuerInvalid", "token issuer '" + claims.issuer + "' is not '" + options_.issuer + "'");
  }
  const SystemTimePoint now = clock_->now();
  if (now >= claims.expires_at + options_.leeway) {
    return token_error("TokenExpired", "token expired at " + format_iso8601_millis(claims.expires_at));
  }
  if (claims.issued_at > now + options_.leeway) {
    return token_error("TokenNotYetValid", "token is issued in the future (" + format_iso8601_millis(claims.issued_at) + ")");
  }

  // 4. The deny-list, last: it is the only step that may cost a database round trip.
  if (revoked) {
    auto is_revoked = revoked(claims.token_id);
    if (!is_revoked) return std::move(is_revoked).error();
    if (*is_revoked) return token_error("TokenRevoked", "token has been revoked");
  }
  return claims;
}

}  // namespace kwb::auth
