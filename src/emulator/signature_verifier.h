#pragma once
// SigV4 verification for `kwb emulator --verify-signatures`.
//
// By default the emulator accepts any credentials, like kinesalite. With verification on, every
// request outside /_kwb/ must carry a SigV4 signature (Authorization header or presigned query) made
// with one of the configured access keys; the verifier recomputes it with src/sigv4 (the same code
// the client signs with) and says why it does not match. Which wire error that becomes is the
// service's business (ServiceHandler::signature_error): Kinesis answers
// UnrecognizedClientException/InvalidSignatureException/..., CloudWatch answers the Query codes
// (InvalidClientTokenId/SignatureDoesNotMatch/...). docs/emulator.md lists the mapping.
//
// Time: the request's X-Amz-Date must be within 5 minutes of the injected clock (AWS's skew rule),
// and a presigned request must be within its X-Amz-Expires. Pass a wall clock, not the emulator's
// scaled/advanced clock: clients sign with the real time.
//
// Thread safety: verify() is const and may run on every server thread at once.
// Secrets: held as kwb::Secret; no message this class builds contains one.

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "core/secret.h"

namespace kwb::sigv4 {
struct SigningConfig;
}

namespace kwb::emulator {

struct ApiRequest;

struct AccessKey {
  std::string id;
  Secret secret;
};

// "ID:SECRET" (the --access-key flag and each comma-separated item of KWB_EMULATOR_CREDENTIALS).
Result<AccessKey> parse_access_key(std::string_view text);
// A credentials file: either lines of "ID:SECRET", or the AWS shared-credentials format
// (aws_access_key_id = ... / aws_secret_access_key = ... pairs, under any [profile] headers).
// Blank lines and lines starting with '#' or ';' are skipped.
Result<std::vector<AccessKey>> parse_credentials_text(std::string_view text);
Result<std::vector<AccessKey>> load_credentials_file(const std::string& path);

enum class SignatureFailure {
  kMissing,     // no Authorization header and no presigned query
  kIncomplete,  // malformed: missing components, bad credential scope, no X-Amz-Date
  kUnknownKey,  // the access key id is not configured
  kMismatch,    // recomputed signature differs (wrong secret, altered request)
  kExpired,     // X-Amz-Date more than 5 minutes away from now, or presigned URL past its expiry
};

struct SignatureRejection {
  SignatureFailure failure;
  std::string message;  // as AWS words it where we know the wording
};

class SignatureVerifier {
 public:
  // REQUIRES: clock outlives the verifier.
  SignatureVerifier(std::vector<AccessKey> keys, const Clock& clock);

  // nullopt when the request is signed correctly by a known key.
  [[nodiscard]] std::optional<SignatureRejection> verify(const ApiRequest& request) const;

  static constexpr std::chrono::minutes kAllowedSkew{5};

 private:
  [[nodiscard]] const AccessKey* find_key(std::string_view id) const;
  // The derived SigV4 key for (key, day, region, service), from the cache when it is there.
  std::string signing_key(const AccessKey& key, const sigv4::SigningConfig& config) const;

  static constexpr std::size_t kMaxCachedSigningKeys = 1024;

  const std::vector<AccessKey> keys_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  mutable std::unordered_map<std::string, std::string> signing_keys_;  // GUARDED_BY(mutex_)
};

}  // namespace kwb::emulator
