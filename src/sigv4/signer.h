#pragma once
// AWS Signature Version 4, as a pure function of (request, config).
//
// Signing runs in stages with separate outputs, as in aws-c-auth: canonical request -> string to
// sign -> signature, and only then is the result applied to a request. Nothing here reads the
// clock, the environment or the network: the time and the credentials come in through
// SigningConfig. That makes every stage testable against the AWS suite in shared/testdata/sigv4,
// and lets the emulator recompute a client's signature to verify it.
//
// This module is shared by the client (src/aws) and the emulator (src/emulator); it depends only on
// core. Thread-safe: all functions are pure.

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "core/secret.h"

namespace kwb::sigv4 {

struct Header {
  std::string name;
  std::string value;
  bool operator==(const Header&) const = default;
};

// What the signer needs from an HTTP request, with no HTTP library types.
struct Signable {
  std::string method;           // "GET", "POST", ...
  std::string path;             // raw path as on the request line, without the query ("/a/../b")
  std::string query;            // raw query string without the leading '?', may be empty
  std::vector<Header> headers;  // as sent; names in any case, duplicates allowed
  std::string body;
  bool operator==(const Signable&) const = default;
};

enum class SignatureLocation { kHeaders, kQuery };

struct SigningCredentials {
  std::string access_key_id;
  Secret secret_access_key;
  std::optional<Secret> session_token;
};

class SigningKeyCache;

struct SigningConfig {
  SigningCredentials credentials;
  std::string region;   // "us-east-1"
  std::string service;  // signing name: "kinesis", "monitoring", "sts"
  SystemTimePoint time;
  SignatureLocation location = SignatureLocation::kHeaders;
  // Remove "." and ".." segments and duplicate slashes from the path (every service but S3).
  bool normalize_path = true;
  // Add an x-amz-content-sha256 header with the payload hash (and sign it).
  bool sign_body = false;
  // Query mode only: X-Amz-Expires.
  std::chrono::seconds expires{3600};
  // Sign without the session token and add it afterwards (the older STS/IoT convention).
  bool omit_session_token_from_signature = false;
  // When set, the derived signing key comes from (and goes into) this cache instead of being
  // derived on every call. Borrowed; must outlive the call.
  SigningKeyCache* key_cache = nullptr;
};

// The derived key depends only on (secret, day, region, service), so a client signing thousands of
// requests a second can derive it once a day per service instead of four HMACs per request
// (the AWS SDKs cache it the same way). A handful of slots cover every (credentials, service)
// pair one process uses; the least recently filled slot is replaced. A rotated secret or a new
// day misses and derives afresh. Thread-safe.
class SigningKeyCache {
 public:
  std::string get(const Secret& secret, SystemTimePoint time, const std::string& region, const std::string& service);
  [[nodiscard]] std::uint64_t derivations() const;  // misses so far, for tests and benchmarks

 private:
  struct Slot {
    Secret secret;  // compared, never printed (Secret prints as ****)
    std::string day;            // "20150830"
    std::string region;
    std::string service;
    std::string key;
  };
  mutable std::mutex mutex_;
  std::array<Slot, 8> slots_;  // GUARDED_BY(mutex_)
  std::size_t next_ = 0;       // GUARDED_BY(mutex_): the slot to fill on the next miss
  std::uint64_t derivations_ = 0;  // GUARDED_BY(mutex_)
};

struct SigningResult {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // lower-case hex
  // Header mode: headers to add, in this order (the order of the AWS suite's signed requests):
  // X-Amz-Security-Token (if any), X-Amz-Date, x-amz-content-sha256 (if sign_body), Authorization.
  std::vector<Header> headers_to_add;
  // Query mode: parameters to append to the query, already URI-encoded, in this order:
  // X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-SignedHeaders, X-Amz-Expires,
  // X-Amz-Security-Token (if any), X-Amz-Signature.
  std::vector<std::pair<std::string, std::string>> query_to_add;
};

// Runs every stage. Fails (kInvalidInput) only on requests that cannot be signed, e.g. a
// malformed percent-escape in the query, or an empty access key id, region or service.
// The headers given are signed as they are, except Authorization and any header or query parameter
// the signer writes itself (X-Amz-Date, X-Amz-Security-Token, ...): those are replaced, so a request
// received with its signature can be passed back in to recompute that signature.
Result<SigningResult> sign(const Signable& request, const SigningConfig& config);

// The individual stages, exposed for tests and for signature verification.
Result<std::string> canonical_request(const Signable& request, const SigningConfig& config);
std::string string_to_sign(const std::string& canonical_request, const SigningConfig& config);
std::string signature(const std::string& string_to_sign, const SigningConfig& config);
// The derived signing key for (secret, date, region, service); callers may cache it per day.
std::string derive_signing_key(const Secret& secret, SystemTimePoint time, const std::string& region,
                               const std::string& service);

// Returns request with the signing result applied: headers appended (header mode) or query
// parameters appended (query mode). Existing headers/parameters of the same name are replaced.
Signable apply(const Signable& request, const SigningResult& result);

// ---- Verification side (used by the emulator) ----

// The parts of an "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request,
// SignedHeaders=host;x-amz-date, Signature=..." header, or of the X-Amz-* query parameters.
struct ParsedAuthorization {
  std::string access_key_id;
  std::string date;  // "20150830"
  std::string region;
  std::string service;
  std::vector<std::string> signed_headers;  // lower case, as listed
  std::string signature;
  bool from_query = false;
};

// Parses an Authorization header value. kAuth error ("IncompleteSignature") when malformed.
Result<ParsedAuthorization> parse_authorization_header(const std::string& value);
// Parses X-Amz-Algorithm/Credential/SignedHeaders/Signature from a raw query string.
// nullopt when the query carries no signature at all.
std::optional<Result<ParsedAuthorization>> parse_authorization_query(const std::string& raw_query);

}  // namespace kwb::sigv4
