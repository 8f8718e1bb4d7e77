#include "aws/session.h"

#include <filesystem>

#include "aws/sts.h"

namespace kwb::aws {

namespace {

std::string default_or_override(Service service, const Region& region, const std::optional<std::string>& override) {
  static const MapEnvironment no_environment;
  Result<std::string> endpoint = resolve_endpoint(service, region, override, no_environment, std::nullopt);
  // The test constructor trusts its caller; an override that does not validate is used as given.
  if (!endpoint) return override.value_or("");
  return *endpoint;
}

}  // namespace

AwsSession::AwsSession(Region region, std::unique_ptr<CredentialsProvider> credentials,
                       std::unique_ptr<HttpTransport> http, RetryConfig retry, Clock& clock, Random& random,
                       std::optional<std::string> endpoint_override)
    : region_(std::move(region)),
      credentials_(std::move(credentials)),
      http_(std::move(http)),
      retry_(retry, random),
      clock_(clock),
      random_(random),
      kinesis_endpoint_(default_or_override(Service::kKinesis, region_, endpoint_override)),
      cloudwatch_endpoint_(default_or_override(Service::kCloudWatch, region_, endpoint_override)),
      sts_endpoint_(default_or_override(Service::kSts, region_, endpoint_override)) {}

Result<std::unique_ptr<AwsSession>> AwsSession::create(const SessionOptions& options, const Environment& env,
                                                       Clock& clock, Random& random) {
  Result<ProfileFiles> files = load_profile_files(env);
  if (!files) return std::move(files).error();

  const std::string profile = active_profile_name(options.profile, env);
  const bool named_explicitly = (options.profile && !options.profile->empty()) || env.get("AWS_PROFILE").has_value();
  if (named_explicitly && !files->has_profile(profile)) {
    return Error::config("profile '" + profile + "' not found in " + files->credentials_path + " and " +
                         files->config_path);
  }

  Result<Region> region = resolve_region(options.region, env, files->get(profile, "region"));
  if (!region) return std::move(region).error();

  const std::optional<std::string> profile_endpoint = files->get(profile, "endpoint_url");
  std::string endpoints[3];
  const Service services[3] = {Service::kKinesis, Service::kCloudWatch, Service::kSts};
  for (int i = 0; i < 3; ++i) {
    Result<std::string> endpoint = resolve_endpoint(services[i], *region, options.endpoint_url, env, profile_endpoint);
    if (!endpoint) return std::move(endpoint).error();
    endpoints[i] = std::move(*endpoint);
  }

  Result<RetryConfig> retry = retry_config_from_env(env);
  if (!retry) return std::move(retry).error();
  if (options.max_attempts) {
    if (*options.max_attempts < 1 || *options.max_attempts > 100) {
      return Error::config("--max-attempts must be from 1 to 100, got " + std::to_string(*options.max_attempts));
    }
    retry->max_attempts = *options.max_attempts;
  }

  HttpOptions http = options.http;
  if (!http.ca_bundle) {
    if (auto bundle = env.get("AWS_CA_BUNDLE")) {
      http.ca_bundle = bundle;
    } else if (auto from_profile = files->get(profile, "ca_bundle")) {
      http.ca_bundle = from_profile;
    }
  }
  if (http.ca_bundle) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(*http.ca_bundle, ec)) {
      return Error::config("CA bundle '" + *http.ca_bundle +
                           "' (--ca-bundle, AWS_CA_BUNDLE or the profile's ca_bundle) is not a file");
    }
  }

  auto session = std::unique_ptr<AwsSession>(
      new AwsSession(std::move(*region), nullptr, make_curl_transport(http), *retry, clock, random));
  session->kinesis_endpoint_ = std::move(endpoints[0]);
  session->cloudwatch_endpoint_ = std::move(endpoints[1]);
  session->sts_endpoint_ = std::move(endpoints[2]);

  ChainOptions chain;
  chain.explicit_credentials = options.explicit_credentials;
  chain.profile = profile;
  chain.profile_named_explicitly = named_explicitly;
  // AssumeRole signs with the source profile's credentials, not with the chain being resolved,
  // hence a client with its own static provider. The session outlives its chain (it owns it).
  AwsSession* self = session.get();
  AssumeRoleFunction assume_role = [self](const Credentials& source, const std::string& role_arn,
                                          const std::string& session_name) -> Result<Credentials> {
    std::unique_ptr<CredentialsProvider> source_provider = make_static_provider(source);
    StsClient sts(AwsClient(*self, Service::kSts, self->endpoint(Service::kSts), source_provider.get()));
    return sts.assume_role(role_arn, session_name);
  };
  session->credentials_ = make_default_chain(std::move(chain), std::move(*files), env, clock, std::move(assume_role));
  return session;
}

const std::string& AwsSession::endpoint(Service service) const {
  switch (service) {
    case Service::kKinesis:
      return kinesis_endpoint_;
    case Service::kCloudWatch:
      return cloudwatch_endpoint_;
    case Service::kSts:
      return sts_endpoint_;
  }
  return kinesis_endpoint_;
}

AwsClient AwsSession::client(Service service) { return AwsClient(*this, service, endpoint(service)); }

}  // namespace kwb::aws
