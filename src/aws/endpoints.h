#pragma once
// Which region and which URL each service call goes to.
//
// Endpoint precedence (highest first), as the AWS SDKs document it:
//   1. an explicit --endpoint-url;
//   2. the per-service variable AWS_ENDPOINT_URL_KINESIS / _CLOUDWATCH / _STS;
//   3. AWS_ENDPOINT_URL;
//   4. the profile's endpoint_url;
//   5. the real AWS endpoint for the region (https://kinesis.us-east-1.amazonaws.com, with
//      .amazonaws.com.cn for cn-* regions).
// Region precedence: --region, AWS_REGION, AWS_DEFAULT_REGION, the profile's region.

#include <optional>
#include <string>

#include "core/environment.h"
#include "core/named_type.h"
#include "core/result.h"

namespace kwb::aws {

enum class Service { kKinesis, kCloudWatch, kSts };

struct ServiceInfo {
  const char* signing_name;  // SigV4 scope: "kinesis", "monitoring", "sts"
  const char* host_prefix;   // "kinesis", "monitoring", "sts"
  const char* env_suffix;    // AWS_ENDPOINT_URL_<suffix>: "KINESIS", "CLOUDWATCH", "STS"
};

const ServiceInfo& service_info(Service service);

// kConfig error when no region is found anywhere, or the region is malformed.
Result<Region> resolve_region(const std::optional<std::string>& flag_region, const Environment& env,
                              const std::optional<std::string>& profile_region);

// kConfig error when an endpoint URL is not http(s)://host[:port][/path].
Result<std::string> resolve_endpoint(Service service, const Region& region,
                                     const std::optional<std::string>& flag_endpoint, const Environment& env,
                                     const std::optional<std::string>& profile_endpoint);

}  // namespace kwb::aws
