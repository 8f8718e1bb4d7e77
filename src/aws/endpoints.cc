#include "aws/endpoints.h"

#include <cctype>

#include "core/strings.h"

namespace kwb::aws {

namespace {

bool is_lower_alnum(char c) {
  return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c));
}

// AWS region names look like "us-east-1", "eu-central-2", "us-gov-west-1", "us-isob-east-1":
// a lower-case letter prefix, any number of lower-case alphanumeric parts, and a numeric last
// part. Checking the shape catches typos ("us-east1", "US-EAST-1") before they become a DNS
// failure or a signature mismatch far away from the flag that caused them.
bool valid_region_shape(const std::string& region) {
  if (region.empty() || region.size() > 64) return false;
  std::vector<std::string> parts = split(region, '-');
  if (parts.size() < 2) return false;
  const std::string& first = parts.front();
  if (first.size() < 2) return false;
  for (char c : first) {
    if (!std::islower(static_cast<unsigned char>(c))) return false;
  }
  for (const std::string& part : parts) {
    if (part.empty()) return false;
    for (char c : part) {
      if (!is_lower_alnum(c)) return false;
    }
  }
  for (char c : parts.back()) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// http(s)://host[:port][/path], no query, fragment, user info or whitespace. Returns the URL with
// any trailing '/' removed (the client appends the request path), or an error message.
Result<std::string> validate_endpoint(const std::string& url, const std::string& origin) {
  auto fail = [&](const std::string& why) {
    return Error::config("endpoint URL '" + url + "' from " + origin + " is not valid: " + why +
                         " (expected http(s)://host[:port][/path])");
  };
  std::string_view rest;
  if (url.rfind("https://", 0) == 0) {
    rest = std::string_view(url).substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    rest = std::string_view(url).substr(7);
  } else {
    return fail("the scheme must be http or https");
  }
  for (char c : url) {
    if (std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c))) {
      return fail("it contains whitespace");
    }
  }
  if (url.find_first_of("?#") != std::string::npos) return fail("it has a query or fragment");
  const std::size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  if (authority.find('@') != std::string_view::npos) return fail("it contains user info");

  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {  // IPv6 literal: [::1]:4567
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return fail("an IPv6 host is missing ']'");
    host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail("unexpected text after the IPv6 host");
      port = after.substr(1);
      if (port.empty()) return fail("the port is empty");
    }
  } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) return fail("the port is empty");
  }
  if (host.empty() || host == "[]") return fail("the host is empty");
  if (host.front() != '[') {
    for (char c : host) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_')) {
        return fail("the host contains '" + std::string(1, c) + "'");
      }
    }
  }
  if (!port.empty()) {
    if (port.size() > 5) return fail("the port is out of range");
    int value = 0;
    for (char c : port) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return fail("the port is not a number");
      value = value * 10 + (c - '0');
    }
    if (value < 1 || value > 65535) return fail("the port is out of range");
  }
  // Drop trailing slashes of the path (never touching scheme or authority).
  const std::size_t origin_length = (url.size() - rest.size()) + authority.size();
  std::string normalized = url;
  while (normalized.size() > origin_length && normalized.back() == '/') normalized.pop_back();
  return normalized;
}

}  // namespace

const ServiceInfo& service_info(Service service) {
  static const ServiceInfo kinesis{"kinesis", "kinesis", "KINESIS"};
  static const ServiceInfo cloudwatch{"monitoring", "monitoring", "CLOUDWATCH"};
  static const ServiceInfo sts{"sts", "sts", "STS"};
  switch (service) {
    case Service::kKinesis:
      return kinesis;
    case Service::kCloudWatch:
      return cloudwatch;
    case Service::kSts:
      return sts;
  }
  return kinesis;
}

Result<Region> resolve_region(const std::optional<std::string>& flag_region, const Environment& env,
                              const std::optional<std::string>& profile_region) {
  std::optional<std::string> value;
  std::string origin;
  if (flag_region && !flag_region->empty()) {
    value = flag_region;
    origin = "--region";
  } else if (auto r = env.get("AWS_REGION")) {
    value = r;
    origin = "AWS_REGION";
  } else if (auto d = env.get("AWS_DEFAULT_REGION")) {
    value = d;
    origin = "AWS_DEFAULT_REGION";
  } else if (profile_region && !profile_region->empty()) {
    value = profile_region;
    origin = "the profile's region setting";
  }
  if (!value) {
    return Error::config(
        "no AWS region configured: pass --region, set AWS_REGION, or add 'region = ...' to the profile in "
        "~/.aws/config");
  }
  std::string region(trim(*value));
  if (!valid_region_shape(region)) {
    return Error::config("region '" + region + "' from " + origin +
                         " is not a valid AWS region name (expected e.g. us-east-1)");
  }
  return Region(region);
}

Result<std::string> resolve_endpoint(Service service, const Region& region,
                                     const std::optional<std::string>& flag_endpoint, const Environment& env,
                                     const std::optional<std::string>& profile_endpoint) {
  const ServiceInfo& info = service_info(service);
  if (flag_endpoint && !flag_endpoint->empty()) return validate_endpoint(*flag_endpoint, "--endpoint-url");

  // The SDKs' switch to ignore every configured endpoint (environment and profile) at once.
  const bool ignore_configured = to_lower(env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").value_or("")) == "true";
  if (!ignore_configured) {
    const std::string service_var = std::string("AWS_ENDPOINT_URL_") + info.env_suffix;
    if (auto url = env.get(service_var)) return validate_endpoint(*url, service_var);
    if (auto url = env.get("AWS_ENDPOINT_URL")) return validate_endpoint(*url, "AWS_ENDPOINT_URL");
    if (profile_endpoint && !profile_endpoint->empty()) {
      return validate_endpoint(*profile_endpoint, "the profile's endpoint_url setting");
    }
  }
  if (region.empty()) return Error::config("cannot build the AWS endpoint: no region");
  const bool china = region.str().rfind("cn-", 0) == 0;
  return std::string("https://") + info.host_prefix + "." + region.str() +
         (china ? ".amazonaws.com.cn" : ".amazonaws.com");
}

}  // namespace kwb::aws
