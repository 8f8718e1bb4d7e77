#include "server/router.h"

#include <gtest/gtest.h>

#include "server/streams_service.h"

namespace kwb::server {
namespace {

TEST(RouterTest, MatchesLiteralsAndDecodesParams) {
  Router router(route_table());
  auto m = router.match("GET", "/api/streams");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->operation_id, "listStreams");

  m = router.match("POST", "/api/streams/my%2Dstream/scale");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->operation_id, "scaleStream");
  EXPECT_EQ(m.params.at("name"), "my-stream");
}

TEST(RouterTest, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  Router router(route_table());
  EXPECT_EQ(router.match("GET", "/api/nothing").status, 404);
  EXPECT_EQ(router.match("GET", "/api/streams/").status, 404);  // empty param segment
  EXPECT_EQ(router.match("GET", "/api/streams/a/b/c").status, 404);
  auto m = router.match("PATCH", "/api/streams/x");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.status, 405);
  EXPECT_EQ(m.allowed, (std::vector<std::string>{"GET", "DELETE"}));
}

TEST(RouterTest, FirstMatchingRouteWins) {
  Router router({{"GET", "/a/{x}", "param", Access::kViewer}, {"GET", "/a/literal", "literal", Access::kViewer}});
  // Routes are tried in order; the table lists literals where they matter, and this test pins
  // the behaviour: first match wins.
  EXPECT_EQ(router.match("GET", "/a/literal").route->operation_id, "param");
}

TEST(RouterTest, OperationIdsAreUnique) {
  std::set<std::string> ids;
  for (const auto& route : route_table()) EXPECT_TRUE(ids.insert(route.operation_id).second) << route.operation_id;
}

TEST(ScalingStepsTest, AtMostDoubleOrHalfPerStep) {
  EXPECT_EQ(scaling_steps(1, 1), std::vector<int>{});
  EXPECT_EQ(scaling_steps(1, 2), std::vector<int>{2});
  EXPECT_EQ(scaling_steps(1, 5), (std::vector<int>{2, 4, 5}));
  EXPECT_EQ(scaling_steps(10, 1), (std::vector<int>{5, 3, 2, 1}));
  EXPECT_EQ(scaling_steps(3, 2), std::vector<int>{2});
  for (int from = 1; from <= 40; ++from) {
    for (int to = 1; to <= 40; ++to) {
      int current = from;
      for (int step : scaling_steps(from, to)) {
        EXPECT_LE(step, current * 2);
        EXPECT_GE(step * 2, current);
        current = step;
      }
      EXPECT_EQ(current, to);
    }
  }
}

TEST(ParseTagsTest, ValidatesShapeAndSizes) {
  EXPECT_TRUE(parse_tags(nlohmann::json::object({{"env", "dev"}}), "tags").ok());
  EXPECT_TRUE(parse_tags(nullptr, "tags").ok());
  auto not_object = parse_tags(nlohmann::json::array(), "tags");
  ASSERT_FALSE(not_object.ok());
  EXPECT_EQ(not_object.error().field, "tags");
  EXPECT_FALSE(parse_tags({{"k", 1}}, "tags").ok());
  EXPECT_FALSE(parse_tags({{"", "v"}}, "tags").ok());
  EXPECT_FALSE(parse_tags({{"k", std::string(257, 'v')}}, "tags").ok());
  nlohmann::json many = nlohmann::json::object();
  for (int i = 0; i < 51; ++i) many["k" + std::to_string(i)] = "v";
  EXPECT_FALSE(parse_tags(many, "tags").ok());
  // SQL-shaped text is just text.
  auto sql = parse_tags({{"owner", "x'); DROP TABLE users;--"}}, "tags");
  ASSERT_TRUE(sql.ok());
  EXPECT_EQ(sql->at("owner"), "x'); DROP TABLE users;--");
}

}  // namespace
}  // namespace kwb::server
