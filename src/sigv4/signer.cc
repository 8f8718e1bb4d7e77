#include "sigv4/signer.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>
#include <utility>

#include "core/crypto.h"
#include "core/encoding.h"
#include "core/strings.h"

namespace kwb::sigv4 {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kScopeTerminator = "aws4_request";

// Header names as they go on the wire. The suite spells x-amz-content-sha256 in lower case and the
// others capitalised; the signed-request files compare byte for byte, so we keep both spellings.
constexpr std::string_view kDateHeader = "X-Amz-Date";
constexpr std::string_view kTokenHeader = "X-Amz-Security-Token";
constexpr std::string_view kContentHashHeader = "x-amz-content-sha256";
constexpr std::string_view kAuthorizationHeader = "Authorization";

constexpr std::string_view kAlgorithmParam = "X-Amz-Algorithm";
constexpr std::string_view kCredentialParam = "X-Amz-Credential";
constexpr std::string_view kDateParam = "X-Amz-Date";
constexpr std::string_view kSignedHeadersParam = "X-Amz-SignedHeaders";
constexpr std::string_view kExpiresParam = "X-Amz-Expires";
constexpr std::string_view kTokenParam = "X-Amz-Security-Token";
constexpr std::string_view kSignatureParam = "X-Amz-Signature";

// Every parameter query signing writes. A request that already carries them (a presigned URL
// being re-signed, or the emulator recomputing a client's signature) has them replaced, never
// signed twice.
constexpr std::array<std::string_view, 7> kQuerySigningParams = {
    kAlgorithmParam, kCredentialParam, kDateParam, kSignedHeadersParam, kExpiresParam, kTokenParam, kSignatureParam};

bool equals_ignore_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool is_query_signing_param(std::string_view decoded_key) {
  return std::find(kQuerySigningParams.begin(), kQuerySigningParams.end(), decoded_key) != kQuerySigningParams.end();
}

std::string date_stamp(SystemTimePoint time) { return format_amz_date(time).substr(0, 8); }

std::string credential_scope(SystemTimePoint time, const std::string& region, const std::string& service) {
  std::string scope = date_stamp(time);
  scope.append("/").append(region).append("/").append(service).append("/").append(kScopeTerminator);
  return scope;
}

const Secret* session_token(const SigningConfig& config) {
  const auto& token = config.credentials.session_token;
  return token.has_value() && !token->empty() ? &*token : nullptr;
}

bool token_is_signed(const SigningConfig& config) {
  return session_token(config) != nullptr && !config.omit_session_token_from_signature;
}

// RFC 3986 dot-segment removal plus collapsing of empty segments ("//"), as every AWS service
// except S3 expects. A trailing slash survives because "/a/" and "/a" are different resources.
std::string normalize(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  std::string out;
  for (std::string_view segment : segments) out.append("/").append(segment);
  bool trailing_slash = !path.empty() && path.back() == '/';
  if (out.empty() || trailing_slash) out.push_back('/');
  return out;
}

// The path is taken as written on the request line and every byte outside the unreserved set is
// escaped, '%' included. For a path the client already escaped on the wire this is the
// "double encoding" that SigV4 prescribes for every service but S3.
std::string canonical_uri(std::string_view path, bool normalize_path) {
  if (path.empty()) return "/";
  return uri_encode(normalize_path ? normalize(path) : std::string(path), /*keep_slash=*/true);
}

struct QueryParam {
  std::string key;    // decoded
  std::string value;  // decoded
};

Result<std::vector<QueryParam>> decode_query(std::string_view raw_query) {
  std::vector<QueryParam> params;
  if (raw_query.empty()) return params;
  for (const std::string& piece : split(raw_query, '&')) {
    if (piece.empty()) continue;  // "a=1&&b=2": an empty piece names no parameter
    std::size_t equals = piece.find('=');
    std::string_view raw_key = std::string_view(piece).substr(0, equals);
    std::string_view raw_value =
        equals == std::string::npos ? std::string_view() : std::string_view(piece).substr(equals + 1);
    // '+' stays a literal plus: SigV4 canonicalises the query as a URI component, not as a form.
    auto key = uri_decode(raw_key);
    auto value = uri_decode(raw_value);
    if (!key || !value) {
      return Error::invalid_input("query", "malformed percent-escape in query parameter '" + piece + "'");
    }
    params.push_back({std::move(*key), std::move(*value)});
  }
  return params;
}

std::string canonical_query(const std::vector<QueryParam>& params) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(params.size());
  for (const auto& param : params) encoded.emplace_back(uri_encode(param.key), uri_encode(param.value));
  // Sorting the encoded forms byte-wise is what the specification asks (code point order).
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [key, value] : encoded) {
    if (!out.empty()) out.push_back('&');
    out.append(key).append("=").append(value);
  }
  return out;
}

// Trims the value and turns every run of whitespace (including the line breaks of an obsolete
// multi-line header) into one space.
void append_canonical_value(std::string_view value, std::string& out) {
  bool pending_space = false;
  bool wrote_any = false;
  for (char c : value) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      pending_space = wrote_any;
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
    wrote_any = true;
  }
}

struct CanonicalHeaders {
  std::string block;           // "name:value\n" lines, sorted by name
  std::string signed_headers;  // "host;x-amz-date"
};

CanonicalHeaders canonicalize_headers(const std::vector<Header>& headers) {
  // Stable sort by lower-case name keeps duplicate headers in the order they were sent, which is
  // the order their values are joined in.
  std::vector<std::pair<std::string, const std::string*>> lowered;
  lowered.reserve(headers.size());
  for (const auto& header : headers) lowered.emplace_back(to_lower(header.name), &header.value);
  std::stable_sort(lowered.begin(), lowered.end(), [](const auto& a, const auto& b) { return a.first < b.first; });

  CanonicalHeaders out;
  for (std::size_t i = 0; i < lowered.size(); ++i) {
    bool continues_previous = i > 0 && lowered[i].first == lowered[i - 1].first;
    if (continues_previous) {
      out.block.push_back(',');
    } else {
      if (i > 0) out.block.push_back('\n');
      if (!out.signed_headers.empty()) out.signed_headers.push_back(';');
      out.signed_headers.append(lowered[i].first);
      out.block.append(lowered[i].first).push_back(':');
    }
    append_canonical_value(*lowered[i].second, out.block);
  }
  if (!lowered.empty()) out.block.push_back('\n');
  return out;
}

// Everything the stages share, computed once per signing.
struct Canonical {
  std::string request;
  std::string signed_headers;
  std::string payload_hash;
  std::string amz_date;
  std::string scope;
};

Status validate(const SigningConfig& config) {
  if (config.credentials.access_key_id.empty()) {
    return Error::invalid_input("access_key_id", "no access key id to sign with");
  }
  if (config.region.empty()) return Error::invalid_input("region", "no region to sign for");
  if (config.service.empty()) return Error::invalid_input("service", "no service signing name");
  if (config.location == SignatureLocation::kQuery && config.expires.count() <= 0) {
    return Error::invalid_input("expires", "a presigned request needs a positive X-Amz-Expires");
  }
  return ok_status();
}

Result<Canonical> build_canonical(const Signable& request, const SigningConfig& config) {
  KWB_RETURN_IF_ERROR(validate(config));
  auto params = decode_query(request.query);
  if (!params) return std::move(params).error();

  Canonical canonical;
  canonical.amz_date = format_amz_date(config.time);
  canonical.scope = credential_scope(config.time, config.region, config.service);
  canonical.payload_hash = hex_encode(sha256(request.body));
  const bool header_mode = config.location == SignatureLocation::kHeaders;

  // Headers the signer writes itself replace any the caller already had; Authorization is never
  // part of what it authorises.
  auto replaced_by_signer = [&](const std::string& name) {
    if (equals_ignore_case(name, kAuthorizationHeader)) return true;
    if (!header_mode) return false;
    return equals_ignore_case(name, kDateHeader) ||
           (session_token(config) != nullptr && equals_ignore_case(name, kTokenHeader)) ||
           (config.sign_body && equals_ignore_case(name, kContentHashHeader));
  };
  std::vector<Header> headers;
  headers.reserve(request.headers.size() + 3);
  for (const auto& header : request.headers) {
    if (!replaced_by_signer(header.name)) headers.push_back(header);
  }
  if (header_mode) {
    headers.push_back({std::string(kDateHeader), canonical.amz_date});
    if (token_is_signed(config)) headers.push_back({std::string(kTokenHeader), session_token(config)->reveal()});
    if (config.sign_body) headers.push_back({std::string(kContentHashHeader), canonical.payload_hash});
  }
  CanonicalHeaders canonical_headers = canonicalize_headers(headers);
  canonical.signed_headers = std::move(canonical_headers.signed_headers);

  if (!header_mode) {
    std::erase_if(*params, [](const QueryParam& param) { return is_query_signing_param(param.key); });
    params->push_back({std::string(kAlgorithmParam), std::string(kAlgorithm)});
    params->push_back({std::string(kCredentialParam), config.credentials.access_key_id + "/" + canonical.scope});
    params->push_back({std::string(kDateParam), canonical.amz_date});
    params->push_back({std::string(kSignedHeadersParam), canonical.signed_headers});
    params->push_back({std::string(kExpiresParam), std::to_string(config.expires.count())});
    if (token_is_signed(config)) params->push_back({std::string(kTokenParam), session_token(config)->reveal()});
  }

  std::string& out = canonical.request;
  out.reserve(256 + request.path.size() + request.query.size() + canonical_headers.block.size());
  out.append(request.method).push_back('\n');
  out.append(canonical_uri(request.path, config.normalize_path)).push_back('\n');
  out.append(canonical_query(*params)).push_back('\n');
  out.append(canonical_headers.block).push_back('\n');
  out.append(canonical.signed_headers).push_back('\n');
  out.append(canonical.payload_hash);
  return canonical;
}

std::string string_to_sign_for(std::string_view canonical_request, const std::string& amz_date,
                               const std::string& scope) {
  std::string out;
  out.reserve(kAlgorithm.size() + amz_date.size() + scope.size() + 64 + 3);
  out.append(kAlgorithm).push_back('\n');
  out.append(amz_date).push_back('\n');
  out.append(scope).push_back('\n');
  out.append(hex_encode(sha256(canonical_request)));
  return out;
}

Error incomplete_signature(std::string message) {
  Error error;
  error.kind = ErrorKind::kAuth;
  error.code = "IncompleteSignature";
  error.message = std::move(message);
  error.http_status = 400;  // what AWS answers for a malformed signature, before any key lookup
  return error;
}

bool is_lower_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// "AKID/20150830/us-east-1/service/aws4_request" into the parsed fields.
Status parse_credential(std::string_view credential, ParsedAuthorization& out) {
  std::vector<std::string> parts = split(credential, '/');
  if (parts.size() != 5 || parts[4] != kScopeTerminator) {
    return incomplete_signature("Credential must have the form <key>/<date>/<region>/<service>/aws4_request");
  }
  bool date_ok = parts[1].size() == 8 && std::all_of(parts[1].begin(), parts[1].end(), [](char c) {
                   return std::isdigit(static_cast<unsigned char>(c));
                 });
  if (parts[0].empty() || !date_ok || parts[2].empty() || parts[3].empty()) {
    return incomplete_signature("Credential has an empty or malformed part");
  }
  out.access_key_id = std::move(parts[0]);
  out.date = std::move(parts[1]);
  out.region = std::move(parts[2]);
  out.service = std::move(parts[3]);
  return ok_status();
}

Status parse_signed_headers(std::string_view list, ParsedAuthorization& out) {
  out.signed_headers = split(list, ';');
  for (const auto& name : out.signed_headers) {
    bool well_formed = !name.empty() && std::none_of(name.begin(), name.end(), [](char c) {
      return std::isspace(static_cast<unsigned char>(c)) || std::isupper(static_cast<unsigned char>(c));
    });
    if (!well_formed) return incomplete_signature("SignedHeaders must list lower-case header names separated by ';'");
  }
  return ok_status();
}

Status check_signature(std::string_view signature) {
  if (signature.size() != 64 || !is_lower_hex(signature)) {
    return incomplete_signature("Signature must be 64 lower-case hex digits");
  }
  return ok_status();
}

// The three components are the same whether they came in a header or in the query.
Result<ParsedAuthorization> parse_components(std::string_view credential, std::string_view signed_headers,
                                             std::string signature_hex, bool from_query) {
  ParsedAuthorization parsed;
  parsed.from_query = from_query;
  KWB_RETURN_IF_ERROR(parse_credential(credential, parsed));
  KWB_RETURN_IF_ERROR(parse_signed_headers(signed_headers, parsed));
  KWB_RETURN_IF_ERROR(check_signature(signature_hex));
  parsed.signature = std::move(signature_hex);
  return parsed;
}

}  // namespace

Result<std::string> canonical_request(const Signable& request, const SigningConfig& config) {
  auto canonical = build_canonical(request, config);
  if (!canonical) return std::move(canonical).error();
  return std::move(canonical->request);
}

std::string string_to_sign(const std::string& canonical_request, const SigningConfig& config) {
  return string_to_sign_for(canonical_request, format_amz_date(config.time),
                            credential_scope(config.time, config.region, config.service));
}

std::string derive_signing_key(const Secret& secret, SystemTimePoint time, const std::string& region,
                               const std::string& service) {
  std::string key = hmac_sha256("AWS4" + secret.reveal(), date_stamp(time));
  key = hmac_sha256(key, region);
  key = hmac_sha256(key, service);
  return hmac_sha256(key, kScopeTerminator);
}

std::string signature(const std::string& string_to_sign, const SigningConfig& config) {
  const std::string key =
      config.key_cache != nullptr
          ? config.key_cache->get(config.credentials.secret_access_key, config.time, config.region, config.service)
          : derive_signing_key(config.credentials.secret_access_key, config.time, config.region, config.service);
  return hex_encode(hmac_sha256(key, string_to_sign));
}

std::string SigningKeyCache::get(const Secret& secret, SystemTimePoint time, const std::string& region,
                                 const std::string& service) {
  const std::string day = date_stamp(time);
  std::lock_guard lock(mutex_);
  for (const Slot& slot : slots_) {
    if (!slot.key.empty() && slot.day == day && slot.region == region && slot.service == service &&
        slot.secret.reveal() == secret.reveal()) {
      return slot.key;
    }
  }
  Slot& slot = slots_[next_];
  next_ = (next_ + 1) % slots_.size();
  slot = Slot{secret, day, region, service, derive_signing_key(secret, time, region, service)};
  ++derivations_;
  return slot.key;
}

std::uint64_t SigningKeyCache::derivations() const {
  std::lock_guard lock(mutex_);
  return derivations_;
}

Result<SigningResult> sign(const Signable& request, const SigningConfig& config) {
  auto canonical = build_canonical(request, config);
  if (!canonical) return std::move(canonical).error();

  SigningResult result;
  result.string_to_sign = string_to_sign_for(canonical->request, canonical->amz_date, canonical->scope);
  result.signature = signature(result.string_to_sign, config);
  result.canonical_request = std::move(canonical->request);

  const Secret* token = session_token(config);
  const std::string credential = config.credentials.access_key_id + "/" + canonical->scope;
  if (config.location == SignatureLocation::kHeaders) {
    // With omit_session_token_from_signature the token was left out of the canonical request
    // above and travels unsigned; the position in the request is the same either way.
    if (token != nullptr) result.headers_to_add.push_back({std::string(kTokenHeader), token->reveal()});
    result.headers_to_add.push_back({std::string(kDateHeader), canonical->amz_date});
    if (config.sign_body) result.headers_to_add.push_back({std::string(kContentHashHeader), canonical->payload_hash});
    std::string authorization(kAlgorithm);
    authorization.append(" Credential=").append(credential);
    authorization.append(", SignedHeaders=").append(canonical->signed_headers);
    authorization.append(", Signature=").append(result.signature);
    result.headers_to_add.push_back({std::string(kAuthorizationHeader), std::move(authorization)});
  } else {
    auto add = [&](std::string_view key, std::string_view value) {
      result.query_to_add.emplace_back(std::string(key), uri_encode(value));
    };
    add(kAlgorithmParam, kAlgorithm);
    add(kCredentialParam, credential);
    add(kDateParam, canonical->amz_date);
    add(kSignedHeadersParam, canonical->signed_headers);
    add(kExpiresParam, std::to_string(config.expires.count()));
    if (token != nullptr) add(kTokenParam, token->reveal());
    add(kSignatureParam, result.signature);
  }
  return result;
}

Signable apply(const Signable& request, const SigningResult& result) {
  Signable signed_request = request;

  std::erase_if(signed_request.headers, [&](const Header& header) {
    return std::any_of(result.headers_to_add.begin(), result.headers_to_add.end(),
                       [&](const Header& added) { return equals_ignore_case(header.name, added.name); });
  });
  signed_request.headers.insert(signed_request.headers.end(), result.headers_to_add.begin(),
                                result.headers_to_add.end());

  if (!result.query_to_add.empty()) {
    // Keep the caller's parameters byte for byte (only the canonical form is re-encoded) and drop
    // any stale signing parameters that are about to be written again.
    std::string query;
    for (const std::string& piece : split(request.query, '&')) {
      if (piece.empty()) continue;
      auto key = uri_decode(std::string_view(piece).substr(0, piece.find('=')));
      bool replaced = key && std::any_of(result.query_to_add.begin(), result.query_to_add.end(),
                                         [&](const auto& added) { return added.first == *key; });
      if (replaced) continue;
      if (!query.empty()) query.push_back('&');
      query.append(piece);
    }
    for (const auto& [key, value] : result.query_to_add) {
      if (!query.empty()) query.push_back('&');
      query.append(key).append("=").append(value);
    }
    signed_request.query = std::move(query);
  }
  return signed_request;
}

Result<ParsedAuthorization> parse_authorization_header(const std::string& value) {
  std::string_view text = trim(value);
  if (text.substr(0, kAlgorithm.size()) != kAlgorithm || text.size() == kAlgorithm.size() ||
      !std::isspace(static_cast<unsigned char>(text[kAlgorithm.size()]))) {
    return incomplete_signature("Authorization header must start with AWS4-HMAC-SHA256");
  }
  text.remove_prefix(kAlgorithm.size());

  std::optional<std::string> credential;
  std::optional<std::string> signed_headers;
  std::optional<std::string> signature_hex;
  for (const std::string& component : split(text, ',')) {
    std::string_view part = trim(component);
    std::size_t equals = part.find('=');
    if (equals == std::string_view::npos) {
      return incomplete_signature("Authorization component '" + std::string(part) + "' is not key=value");
    }
    std::string_view key = part.substr(0, equals);
    std::string value_part(part.substr(equals + 1));
    std::optional<std::string>* slot = key == "Credential"      ? &credential
                                       : key == "SignedHeaders" ? &signed_headers
                                       : key == "Signature"     ? &signature_hex
                                                                : nullptr;
    if (slot == nullptr) return incomplete_signature("unknown Authorization component '" + std::string(key) + "'");
    if (slot->has_value()) return incomplete_signature("duplicate Authorization component '" + std::string(key) + "'");
    *slot = std::move(value_part);
  }
  if (!credential || !signed_headers || !signature_hex) {
    return incomplete_signature("Authorization header needs Credential, SignedHeaders and Signature");
  }

  return parse_components(*credential, *signed_headers, std::move(*signature_hex), /*from_query=*/false);
}

std::optional<Result<ParsedAuthorization>> parse_authorization_query(const std::string& raw_query) {
  std::optional<std::string> algorithm;
  std::optional<std::string> credential;
  std::optional<std::string> signed_headers;
  std::optional<std::string> signature_hex;
  bool malformed_escape = false;
  for (const std::string& piece : split(raw_query, '&')) {
    if (piece.empty()) continue;
    std::size_t equals = piece.find('=');
    auto key = uri_decode(std::string_view(piece).substr(0, equals));
    auto value =
        uri_decode(equals == std::string::npos ? std::string_view() : std::string_view(piece).substr(equals + 1));
    if (!key || !value) {
      malformed_escape = true;
      continue;
    }
    if (*key == kAlgorithmParam) algorithm = std::move(*value);
    if (*key == kCredentialParam) credential = std::move(*value);
    if (*key == kSignedHeadersParam) signed_headers = std::move(*value);
    if (*key == kSignatureParam) signature_hex = std::move(*value);
  }
  if (!algorithm && !credential && !signed_headers && !signature_hex) {
    if (malformed_escape) return Result<ParsedAuthorization>(incomplete_signature("malformed percent-escape in query"));
    return std::nullopt;
  }
  auto fail = [](std::string message) {
    return std::optional(Result<ParsedAuthorization>(incomplete_signature(std::move(message))));
  };
  if (malformed_escape) return fail("malformed percent-escape in query");
  if (!algorithm || !credential || !signed_headers || !signature_hex) {
    return fail("presigned query needs X-Amz-Algorithm, X-Amz-Credential, X-Amz-SignedHeaders and X-Amz-Signature");
  }
  if (*algorithm != kAlgorithm) return fail("X-Amz-Algorithm must be AWS4-HMAC-SHA256");

  return parse_components(*credential, *signed_headers, std::move(*signature_hex), /*from_query=*/true);
}

}  // namespace kwb::sigv4
