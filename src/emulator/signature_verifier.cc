#include "emulator/signature_verifier.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/crypto.h"
#include "core/encoding.h"
#include "core/strings.h"
#include "emulator/service_handler.h"
#include "sigv4/signer.h"

namespace kwb::emulator {

namespace {

SignatureRejection reject(SignatureFailure failure, std::string message) { return {failure, std::move(message)}; }

std::string lower(std::string_view text) { return to_lower(std::string(text)); }

// The decoded value of a query parameter, nullopt when absent.
std::optional<std::string> query_value(std::string_view query, std::string_view name) {
  for (const std::string& piece : split(query, '&')) {
    const auto equals = piece.find('=');
    auto key = uri_decode(std::string_view(piece).substr(0, equals));
    if (!key || *key != name) continue;
    if (equals == std::string::npos) return std::string();
    auto value = uri_decode(std::string_view(piece).substr(equals + 1));
    if (value) return *value;
  }
  return std::nullopt;
}

std::string format_skew_message(SystemTimePoint signed_at, SystemTimePoint now, bool in_future) {
  const auto skew = SignatureVerifier::kAllowedSkew;
  if (in_future) {
    return "Signature not yet current: " + format_amz_date(signed_at) + " is still later than " +
           format_amz_date(now + skew) + " (" + format_amz_date(now) + " + 5 min.)";
  }
  return "Signature expired: " + format_amz_date(signed_at) + " is now earlier than " + format_amz_date(now - skew) +
         " (" + format_amz_date(now) + " - 5 min.)";
}

}  // namespace

Result<AccessKey> parse_access_key(std::string_view text) {
  text = trim(text);
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    // The text may hold a secret: say what is wrong without echoing it.
    return Error::config("an access key must be written ID:SECRET (got " + std::to_string(text.size()) +
                         " characters without that shape)");
  }
  return AccessKey{std::string(trim(text.substr(0, colon))), Secret(std::string(trim(text.substr(colon + 1))))};
}

Result<std::vector<AccessKey>> parse_credentials_text(std::string_view text) {
  std::vector<AccessKey> keys;
  std::optional<std::string> pending_id;
  std::optional<std::string> pending_secret;
  auto flush_pair = [&] {
    if (pending_id && pending_secret) keys.push_back({*pending_id, Secret(*pending_secret)});
    pending_id.reset();
    pending_secret.reset();
  };
  int line_number = 0;
  for (const std::string& raw_line : split(text, '\n')) {
    ++line_number;
    const std::string_view line = trim(raw_line);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      flush_pair();
      continue;
    }
    const auto equals = line.find('=');
    if (equals != std::string_view::npos) {
      const std::string name = lower(trim(line.substr(0, equals)));
      const std::string value(trim(line.substr(equals + 1)));
      if (name == "aws_access_key_id") pending_id = value;
      if (name == "aws_secret_access_key") pending_secret = value;
      if (pending_id && pending_secret) flush_pair();
      continue;  // other profile settings (region, aws_session_token) are not needed to verify
    }
    auto key = parse_access_key(line);
    if (!key) return Error::config("credentials line " + std::to_string(line_number) + ": " + key.error().message);
    keys.push_back(std::move(*key));
  }
  if (keys.empty()) return Error::config("no access keys found (expected ID:SECRET lines or aws_access_key_id pairs)");
  return keys;
}

Result<std::vector<AccessKey>> load_credentials_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error::config("cannot read credentials file '" + path + "'");
  std::stringstream text;
  text << in.rdbuf();
  auto keys = parse_credentials_text(text.str());
  if (!keys) return Error::config(path + ": " + keys.error().message);
  return keys;
}

SignatureVerifier::SignatureVerifier(std::vector<AccessKey> keys, const Clock& clock)
    : keys_(std::move(keys)), clock_(clock) {}

std::string SignatureVerifier::signing_key(const AccessKey& key, const sigv4::SigningConfig& config) const {
  std::string cache_key = key.id;
  cache_key.append("/").append(format_amz_date(config.time).substr(0, 8));
  cache_key.append("/").append(config.region).append("/").append(config.service);
  std::lock_guard lock(mutex_);
  if (auto found = signing_keys_.find(cache_key); found != signing_keys_.end()) return found->second;
  // Many clients, regions and days are possible; forgetting everything now and then bounds memory.
  if (signing_keys_.size() >= kMaxCachedSigningKeys) signing_keys_.clear();
  std::string derived = sigv4::derive_signing_key(key.secret, config.time, config.region, config.service);
  signing_keys_.emplace(std::move(cache_key), derived);
  return derived;
}

const AccessKey* SignatureVerifier::find_key(std::string_view id) const {
  for (const AccessKey& key : keys_) {
    if (key.id == id) return &key;
  }
  return nullptr;
}

std::optional<SignatureRejection> SignatureVerifier::verify(const ApiRequest& request) const {
  const std::string_view target = request.target;
  const auto question = target.find('?');
  const std::string_view path = target.substr(0, question);
  const std::string query(question == std::string_view::npos ? std::string_view() : target.substr(question + 1));

  // Which kind of signature, and its parts.
  std::optional<Result<sigv4::ParsedAuthorization>> parsed;
  if (!request.authorization.empty()) {
    parsed = sigv4::parse_authorization_header(std::string(request.authorization));
  } else {
    parsed = sigv4::parse_authorization_query(query);
  }
  if (!parsed) return reject(SignatureFailure::kMissing, "Missing Authentication Token");
  if (!*parsed) return reject(SignatureFailure::kIncomplete, parsed->error().message);
  const sigv4::ParsedAuthorization& auth = **parsed;

  // AWS checks the key before the signature: an unknown key is reported as such even when the
  // signature is also wrong.
  const AccessKey* key = find_key(auth.access_key_id);
  if (key == nullptr) return reject(SignatureFailure::kUnknownKey, "The security token included in the request is invalid.");

  const std::optional<std::string> date_text =
      auth.from_query ? query_value(query, "X-Amz-Date") : std::optional<std::string>(std::string(request.header("X-Amz-Date")));
  if (!date_text || date_text->empty()) {
    return reject(SignatureFailure::kIncomplete,
                  auth.from_query ? "AWS query-string parameters must include 'X-Amz-Date'."
                                  : "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  SystemTimePoint signed_at;
  if (date_text->size() != 16 || !parse_iso8601(*date_text, signed_at)) {
    return reject(SignatureFailure::kIncomplete, "X-Amz-Date must be in ISO-8601 basic format (YYYYMMDD'T'HHMMSS'Z').");
  }
  if (date_text->substr(0, 8) != auth.date) {
    return reject(SignatureFailure::kMismatch, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
                                                   auth.date + "' != '" + date_text->substr(0, 8) + "', from '" + *date_text + "'.");
  }

  sigv4::SigningConfig config;
  config.credentials.access_key_id = key->id;
  config.credentials.secret_access_key = key->secret;
  config.region = auth.region;
  config.service = auth.service;
  config.time = signed_at;

  const SystemTimePoint now = clock_.now();
  if (auth.from_query) {
    config.location = sigv4::SignatureLocation::kQuery;
    const auto expires_text = query_value(query, "X-Amz-Expires");
    long long expires_seconds = 0;
    if (expires_text) {
      try {
        expires_seconds = std::stoll(*expires_text);
      } catch (const std::exception&) {
        expires_seconds = 0;
      }
    }
    if (expires_seconds <= 0 || expires_seconds > 7 * 24 * 3600) {
      return reject(SignatureFailure::kIncomplete, "X-Amz-Expires must be a number of seconds between 1 and 604800.");
    }
    config.expires = std::chrono::seconds(expires_seconds);
    if (auto token = query_value(query, "X-Amz-Security-Token")) config.credentials.session_token = Secret(*token);
    if (now > signed_at + config.expires) {
      return reject(SignatureFailure::kExpired, "Signature expired: " + *date_text + " + " + std::to_string(expires_seconds) +
                                                    " s is now earlier than " + format_amz_date(now) + ".");
    }
    if (signed_at > now + kAllowedSkew) return reject(SignatureFailure::kExpired, format_skew_message(signed_at, now, true));
  } else {
    if (signed_at < now - kAllowedSkew) return reject(SignatureFailure::kExpired, format_skew_message(signed_at, now, false));
    if (signed_at > now + kAllowedSkew) return reject(SignatureFailure::kExpired, format_skew_message(signed_at, now, true));
  }

  // Rebuild the request as the client signed it: only the headers it listed, in the order sent.
  sigv4::Signable signable;
  signable.method = std::string(request.method);
  signable.path = std::string(path);
  signable.query = query;
  signable.body = std::string(request.body);
  if (request.headers != nullptr) {
    for (const auto& [name, value] : request.headers->fields()) {
      const std::string lowered = lower(name);
      if (lowered == "authorization") continue;
      if (std::find(auth.signed_headers.begin(), auth.signed_headers.end(), lowered) != auth.signed_headers.end()) {
        signable.headers.push_back({name, value});
      }
    }
  }
  // The stages of sigv4::sign, with the derived key (four HMACs) cached per key, day, region and
  // service: that is most of the cost of a small request.
  auto canonical = sigv4::canonical_request(signable, config);
  if (!canonical) return reject(SignatureFailure::kIncomplete, canonical.error().message);
  const std::string expected =
      hex_encode(hmac_sha256(signing_key(*key, config), sigv4::string_to_sign(*canonical, config)));
  // No early exit: the time taken must not reveal how much of a guessed signature matched.
  if (!constant_time_equals(expected, auth.signature)) {
    return reject(SignatureFailure::kMismatch,
                  "The request signature we calculated does not match the signature you provided. Check your AWS "
                  "Secret Access Key and signing method. Consult the service documentation for details.");
  }
  return std::nullopt;
}

}  // namespace kwb::emulator
