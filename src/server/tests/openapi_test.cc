// The OpenAPI document and the registered routes must agree exactly: every route documented with
// its operationId and access level, and nothing documented that is not served.
#include <gtest/gtest.h>

#include <set>

#include <nlohmann/json.hpp>

#include "server/router.h"
#include "server/server_app.h"

namespace kwb::server {
namespace {

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

TEST(OpenApiTest, IsOpenApi31) {
  const auto doc = nlohmann::json::parse(openapi_document());
  EXPECT_EQ(doc.at("openapi").get<std::string>().rfind("3.1", 0), 0u);
  EXPECT_TRUE(doc.at("components").at("securitySchemes").contains("bearer"));
}

TEST(OpenApiTest, DocumentsExactlyTheRegisteredRoutes) {
  const auto doc = nlohmann::json::parse(openapi_document());
  std::set<std::string> documented;
  for (const auto& [path, item] : doc.at("paths").items()) {
    for (const auto& [method, operation] : item.items()) {
      if (method == "parameters") continue;
      documented.insert(method + " " + path);
    }
  }
  std::set<std::string> registered;
  for (const auto& route : route_table()) {
    const std::string key = lower(route.method) + " " + route.pattern;
    registered.insert(key);
    ASSERT_TRUE(doc.at("paths").contains(route.pattern)) << route.pattern << " is not documented";
    const auto& item = doc.at("paths").at(route.pattern);
    ASSERT_TRUE(item.contains(lower(route.method))) << key << " is not documented";
    const auto& operation = item.at(lower(route.method));
    EXPECT_EQ(operation.at("operationId"), route.operation_id) << key;
    EXPECT_EQ(operation.at("x-kwb-access"), std::string(to_string(route.access))) << key;
    if (route.access != Access::kPublic) {
      EXPECT_TRUE(operation.at("responses").contains("401")) << key;
      EXPECT_FALSE(operation.at("security").empty()) << key;
    }
    if (route.access == Access::kOperator || route.access == Access::kAdmin) {
      EXPECT_TRUE(operation.at("responses").contains("403")) << key;
    }
  }
  EXPECT_EQ(documented, registered);
}

}  // namespace
}  // namespace kwb::server
