#pragma once
// AwsSession: everything AWS calls share within one process — the credentials chain, the HTTP
// transport (with its connection pool), the retry strategy (with its retry quota), the resolved
// region and endpoints, and the injected clock and randomness.
//
// Built once at start-up from SessionOptions (flags) and the Environment; later code asks it for
// an AwsClient per service. Thread-safe after construction.

#include <memory>
#include <optional>
#include <string>

#include "aws/client.h"
#include "aws/credentials.h"
#include "aws/endpoints.h"
#include "sigv4/signer.h"
#include "aws/http_client.h"
#include "aws/retry.h"
#include "core/clock.h"
#include "core/environment.h"
#include "core/random.h"
#include "core/result.h"

namespace kwb::aws {

struct SessionOptions {
  std::optional<std::string> profile;       // --profile, else AWS_PROFILE, else "default"
  std::optional<std::string> region;        // --region
  std::optional<std::string> endpoint_url;  // --endpoint-url (applies to every service)
  std::optional<Credentials> explicit_credentials;
  HttpOptions http;
  std::optional<int> max_attempts;          // else AWS_MAX_ATTEMPTS, else 3
};

class AwsSession {
 public:
  // Reads config files and environment and fails with one clear kConfig error when something is
  // malformed (bad credentials file, unknown profile named explicitly, bad endpoint URL, no region).
  // Credentials themselves are resolved lazily, on the first call, so a session can be built for
  // --help-like paths without credentials.
  // REQUIRES: env, clock and random outlive the session.
  static Result<std::unique_ptr<AwsSession>> create(const SessionOptions& options, const Environment& env,
                                                    Clock& clock, Random& random);

  // For tests: wire the pieces by hand.
  AwsSession(Region region, std::unique_ptr<CredentialsProvider> credentials, std::unique_ptr<HttpTransport> http,
             RetryConfig retry, Clock& clock, Random& random,
             std::optional<std::string> endpoint_override = std::nullopt);

  [[nodiscard]] const Region& region() const { return region_; }
  [[nodiscard]] const std::string& endpoint(Service service) const;
  // A client for one service at its resolved endpoint.
  [[nodiscard]] AwsClient client(Service service);

  CredentialsProvider& credentials() { return *credentials_; }
  HttpTransport& http() { return *http_; }
  RetryStrategy& retry() { return retry_; }
  Clock& clock() { return clock_; }
  Random& random() { return random_; }
  // Derived SigV4 keys, one derivation per (credentials, day, region, service).
  sigv4::SigningKeyCache& signing_keys() { return signing_keys_; }

 private:
  Region region_;
  std::unique_ptr<CredentialsProvider> credentials_;
  std::unique_ptr<HttpTransport> http_;
  RetryStrategy retry_;
  Clock& clock_;
  Random& random_;
  sigv4::SigningKeyCache signing_keys_;
  std::string kinesis_endpoint_;
  std::string cloudwatch_endpoint_;
  std::string sts_endpoint_;
};

}  // namespace kwb::aws
