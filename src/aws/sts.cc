#include "aws/sts.h"

#include <pugixml.hpp>

namespace kwb::aws {

namespace {

// Loads the document and returns <Response><Result> (e.g. <AssumeRoleResponse><AssumeRoleResult>).
Result<pugi::xml_node> result_node(pugi::xml_document& document, const std::string& xml, const std::string& action) {
  pugi::xml_parse_result parsed = document.load_buffer(xml.data(), xml.size());
  if (!parsed) {
    return Error::parse("STS " + action + " response is not valid XML: " + std::string(parsed.description()));
  }
  pugi::xml_node result = document.child((action + "Response").c_str()).child((action + "Result").c_str());
  if (!result) return Error::parse("STS " + action + " response has no <" + action + "Result> element");
  return result;
}

Result<std::string> required_text(pugi::xml_node parent, const char* name, const std::string& action) {
  pugi::xml_node node = parent.child(name);
  if (!node) return Error::parse("STS " + action + " response has no <" + name + "> element");
  return std::string(node.child_value());
}

}  // namespace

Result<CallerIdentity> parse_get_caller_identity_response(const std::string& xml) {
  const std::string action = "GetCallerIdentity";
  pugi::xml_document document;
  Result<pugi::xml_node> result = result_node(document, xml, action);
  if (!result) return std::move(result).error();
  CallerIdentity identity;
  for (auto [name, target] : {std::pair{"Account", &identity.account}, std::pair{"Arn", &identity.arn},
                              std::pair{"UserId", &identity.user_id}}) {
    Result<std::string> text = required_text(*result, name, action);
    if (!text) return std::move(text).error();
    *target = std::move(*text);
  }
  return identity;
}

Result<Credentials> parse_assume_role_response(const std::string& xml) {
  const std::string action = "AssumeRole";
  pugi::xml_document document;
  Result<pugi::xml_node> result = result_node(document, xml, action);
  if (!result) return std::move(result).error();
  pugi::xml_node node = result->child("Credentials");
  if (!node) return Error::parse("STS AssumeRole response has no <Credentials> element");

  Credentials credentials;
  Result<std::string> key = required_text(node, "AccessKeyId", action);
  if (!key) return std::move(key).error();
  Result<std::string> secret = required_text(node, "SecretAccessKey", action);
  if (!secret) return std::move(secret).error();
  Result<std::string> token = required_text(node, "SessionToken", action);
  if (!token) return std::move(token).error();
  Result<std::string> expiration = required_text(node, "Expiration", action);
  if (!expiration) return std::move(expiration).error();
  SystemTimePoint expires;
  if (!parse_iso8601(*expiration, expires)) {
    return Error::parse("STS AssumeRole response has an unreadable <Expiration>: '" + *expiration + "'");
  }
  credentials.access_key_id = std::move(*key);
  credentials.secret_access_key = Secret(std::move(*secret));
  credentials.session_token = Secret(std::move(*token));
  credentials.expiration = expires;
  const char* arn = result->child("AssumedRoleUser").child_value("Arn");
  credentials.source = std::string("assume-role:") + arn;
  return credentials;
}

Result<CallerIdentity> StsClient::get_caller_identity() {
  Result<std::string> body = client_.call_query("GetCallerIdentity", kVersion, {});
  if (!body) return std::move(body).error();
  return parse_get_caller_identity_response(*body);
}

Result<Credentials> StsClient::assume_role(const std::string& role_arn, const std::string& session_name,
                                           std::chrono::seconds duration) {
  Result<std::string> body = client_.call_query("AssumeRole", kVersion,
                                                {{"RoleArn", role_arn},
                                                 {"RoleSessionName", session_name},
                                                 {"DurationSeconds", std::to_string(duration.count())}});
  if (!body) return std::move(body).error();
  return parse_assume_role_response(*body);
}

}  // namespace kwb::aws
