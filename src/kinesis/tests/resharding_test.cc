// Shard-count plans respect UpdateShardCount's x2 / x1/2 bounds, and scale_stream walks them.

#include "kinesis/resharding.h"

#include <gtest/gtest.h>

#include "kinesis/tests/fake_transport.h"

namespace kwb::kinesis {
namespace {

using nlohmann::json;

TEST(PlanShardCountStepsTest, StepsNeverMoreThanDoubleOrLessThanHalf) {
  EXPECT_EQ(plan_shard_count_steps(2, 4), (std::vector<int>{4}));
  EXPECT_EQ(plan_shard_count_steps(2, 10), (std::vector<int>{4, 8, 10}));
  EXPECT_EQ(plan_shard_count_steps(10, 2), (std::vector<int>{5, 3, 2}));
  EXPECT_EQ(plan_shard_count_steps(5, 1), (std::vector<int>{3, 2, 1}));
  EXPECT_TRUE(plan_shard_count_steps(3, 3).empty());
  for (int current = 1; current <= 40; ++current) {
    for (int target = 1; target <= 40; ++target) {
      int from = current;
      for (int step : plan_shard_count_steps(current, target)) {
        EXPECT_LE(step, from * 2) << current << "->" << target;
        EXPECT_GE(step * 2, from) << current << "->" << target;
        from = step;
      }
      EXPECT_EQ(from, target);
    }
  }
}

json summary(const std::string& status, int shards, const std::string& mode = "PROVISIONED") {
  return {{"StreamDescriptionSummary",
           {{"StreamName", "s1"},
            {"StreamStatus", status},
            {"OpenShardCount", shards},
            {"StreamModeDetails", {{"StreamMode", mode}}}}}};
}

TEST(ScaleStreamTest, TwoToEightTakesTwoStepsWaitingBetween) {
  testing::FakeSession fake;
  Client client = Client::from_session(*fake.session);
  auto& wire = *fake.transport;
  wire.reply(200, summary("ACTIVE", 2));
  wire.reply(200, {{"CurrentShardCount", 2}, {"TargetShardCount", 4}});
  wire.reply(200, summary("UPDATING", 2));
  wire.reply(200, summary("ACTIVE", 4));
  wire.reply(200, {{"CurrentShardCount", 4}, {"TargetShardCount", 8}});
  wire.reply(200, summary("ACTIVE", 8));
  std::vector<std::pair<int, int>> seen;
  auto result = scale_stream(client, StreamName("s1"), 8, fake.clock, WaitOptions{},
                             [&](const ScaleProgress& p) { seen.emplace_back(p.from, p.to); });
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(result->open_shard_count, 8);
  EXPECT_EQ(seen, (std::vector<std::pair<int, int>>{{2, 4}, {4, 8}}));
  ASSERT_EQ(wire.request_count(), 6u);
  EXPECT_EQ(wire.body(1)["TargetShardCount"], 4);
  EXPECT_EQ(wire.body(4)["TargetShardCount"], 8);
}

TEST(ScaleStreamTest, OnDemandStreamIsRefused) {
  testing::FakeSession fake;
  Client client = Client::from_session(*fake.session);
  fake.transport->reply(200, summary("ACTIVE", 4, "ON_DEMAND"));
  auto result = scale_stream(client, StreamName("s1"), 8, fake.clock, WaitOptions{});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(fake.transport->request_count(), 1u);
}

}  // namespace
}  // namespace kwb::kinesis
