// Validation of POST /api/analyses bodies and the alarm round trip through report JSON.
#include <gtest/gtest.h>

#include "analysis/alarms.h"
#include "server/analyses_service.h"

namespace kwb::server {
namespace {

std::string field_of(const nlohmann::json& body) {
  auto parsed = parse_analysis_request(body);
  return parsed.ok() ? std::string("<ok>") : parsed.error().field;
}

TEST(AnalysisRequest, SelectorsAndDefaults) {
  auto names = parse_analysis_request({{"streams", {"a", "b", "a"}}});
  ASSERT_TRUE(names.ok()) << names.error();
  EXPECT_EQ(names->selector.kind, analysis::StreamSelector::Kind::kNames);
  EXPECT_EQ(names->selector.names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(names->window, std::chrono::hours(3));
  EXPECT_EQ(names->analyzer, analysis::AnalyzerChoice::kAuto);
  EXPECT_EQ(names->as_json["window"], "3h");

  auto all = parse_analysis_request({{"all", true}, {"window", "15m"}, {"analyzer", "rules"}});
  ASSERT_TRUE(all.ok()) << all.error();
  EXPECT_EQ(all->selector.kind, analysis::StreamSelector::Kind::kAll);
  EXPECT_EQ(all->window, std::chrono::minutes(15));
  EXPECT_EQ(all->analyzer, analysis::AnalyzerChoice::kRules);

  auto tag = parse_analysis_request({{"tag", "team=data"}, {"window", "14d"}});
  ASSERT_TRUE(tag.ok()) << tag.error();
  EXPECT_EQ(tag->selector.tag_key, "team");
  EXPECT_EQ(tag->selector.tag_value, "data");
}

TEST(AnalysisRequest, ErrorsNameTheField) {
  EXPECT_EQ(field_of(nlohmann::json::object()), "streams");
  EXPECT_EQ(field_of({{"streams", {"a"}}, {"all", true}}), "streams");
  EXPECT_EQ(field_of({{"streams", nlohmann::json::array()}}), "streams");
  EXPECT_EQ(field_of({{"streams", {"bad name"}}}), "streams");
  EXPECT_EQ(field_of({{"streams", {1}}}), "streams");
  EXPECT_EQ(field_of({{"tag", "novalue"}}), "tag");
  EXPECT_EQ(field_of({{"all", "yes"}}), "all");
  for (const char* window : {"14m", "15d", "3x", "", "h", "-1h", "1000000000h"}) {
    EXPECT_EQ(field_of({{"all", true}, {"window", window}}), "window") << window;
  }
  EXPECT_EQ(field_of({{"all", true}, {"window", 3}}), "window");
  EXPECT_EQ(field_of({{"all", true}, {"analyzer", "gpt"}}), "analyzer");
}

TEST(AnalysisRequest, RecommendedAlarmsSurviveTheReportJson) {
  analysis::StreamSnapshot snapshot;
  snapshot.stream_name = "orders";
  snapshot.retention_hours = 24;
  const auto alarms = analysis::recommend_alarms(snapshot);
  ASSERT_FALSE(alarms.empty());
  for (const auto& alarm : alarms) {
    auto back = alarm_from_json(analysis::to_json(alarm));
    ASSERT_TRUE(back.ok()) << back.error();
    EXPECT_EQ(analysis::to_json(*back), analysis::to_json(alarm)) << alarm.alarm_name;
  }
  EXPECT_FALSE(alarm_from_json({{"alarm_name", "x"}}).ok());
}

}  // namespace
}  // namespace kwb::server
