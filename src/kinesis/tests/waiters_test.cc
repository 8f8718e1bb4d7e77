// Waiters driven by a ManualClock: the backoff schedule is asserted exactly, and no test sleeps.

#include "kinesis/waiters.h"

#include <gtest/gtest.h>

#include "kinesis/tests/fake_transport.h"

namespace kwb::kinesis {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

json summary(const std::string& status) {
  return {{"StreamDescriptionSummary", {{"StreamName", "s1"}, {"StreamStatus", status}, {"OpenShardCount", 2}}}};
}

class WaitersTest : public ::testing::Test {
 protected:
  testing::FakeSession fake;
  Client client = Client::from_session(*fake.session);
  WaitOptions options{milliseconds(100), milliseconds(400), 2.0, milliseconds(2000)};
};

TEST_F(WaitersTest, ActiveAfterBackoffSleepsTheScheduledDelays) {
  fake.transport->reply(200, summary("CREATING"));
  fake.transport->reply(200, summary("CREATING"));
  fake.transport->reply(200, summary("CREATING"));
  fake.transport->reply(200, summary("CREATING"));
  fake.transport->reply(200, summary("ACTIVE"));
  auto result = wait_for_stream_active(client, StreamName("s1"), fake.clock, options);
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(result->stream_status, StreamStatus::kActive);
  EXPECT_EQ(fake.transport->request_count(), 5u);
  // 100, 200, 400, then capped at 400.
  EXPECT_EQ(fake.clock.total_slept(), milliseconds(100 + 200 + 400 + 400));
  EXPECT_EQ(fake.transport->header(0, "X-Amz-Target"), "Kinesis_20131202.DescribeStreamSummary");
}

TEST_F(WaitersTest, AlreadyActiveDoesNotSleep) {
  fake.transport->reply(200, summary("ACTIVE"));
  ASSERT_TRUE(wait_for_stream_active(client, StreamName("s1"), fake.clock, options).ok());
  EXPECT_EQ(fake.clock.total_slept(), milliseconds(0));
}

TEST_F(WaitersTest, TimeoutNamesStreamAndLastStatus) {
  for (int i = 0; i < 20; ++i) fake.transport->reply(200, summary("UPDATING"));
  auto result = wait_for_stream_active(client, StreamName("s1"), fake.clock, options);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::kTimeout);
  EXPECT_NE(result.error().message.find("'s1'"), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().message.find("UPDATING"), std::string::npos) << result.error().message;
  // The waiter never sleeps past its deadline.
  EXPECT_EQ(fake.clock.total_slept(), milliseconds(2000));
  // Polls at 0, 100, 300, 700, 1100, 1500, 1900 and, the last sleep cut to the deadline, 2000 ms.
  EXPECT_EQ(fake.transport->request_count(), 8u);
}

TEST_F(WaitersTest, NotFoundWhileWaitingForActiveFailsAtOnce) {
  fake.transport->reply_error("ResourceNotFoundException", "Stream s1 not found");
  auto result = wait_for_stream_active(client, StreamName("s1"), fake.clock, options);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(fake.clock.total_slept(), milliseconds(0));
}

TEST_F(WaitersTest, DeletingStreamCannotBecomeActive) {
  fake.transport->reply(200, summary("DELETING"));
  auto result = wait_for_stream_active(client, StreamName("s1"), fake.clock, options);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::kConflict);
}

TEST_F(WaitersTest, ThrottlingAndServerErrorsWhilePollingKeepWaiting) {
  fake.transport->reply_error("ThrottlingException", "slow down");
  fake.transport->reply_error("InternalFailure", "oops", 500);
  fake.transport->reply(200, summary("ACTIVE"));
  auto result = wait_for_stream_active(client, StreamName("s1"), fake.clock, options);
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(fake.transport->request_count(), 3u);
  EXPECT_EQ(fake.clock.total_slept(), milliseconds(300));
}

TEST_F(WaitersTest, DeletedWhenNotFound) {
  fake.transport->reply(200, summary("DELETING"));
  fake.transport->reply(200, summary("DELETING"));
  fake.transport->reply_error("ResourceNotFoundException", "Stream s1 not found");
  ASSERT_TRUE(wait_for_stream_deleted(client, StreamName("s1"), fake.clock, options).ok());
  EXPECT_EQ(fake.clock.total_slept(), milliseconds(300));
}

TEST_F(WaitersTest, DeleteTimeoutNamesLastStatus) {
  for (int i = 0; i < 20; ++i) fake.transport->reply(200, summary("DELETING"));
  Status status = wait_for_stream_deleted(client, StreamName("s1"), fake.clock, options);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind, ErrorKind::kTimeout);
  EXPECT_NE(status.error().message.find("DELETING"), std::string::npos);
  EXPECT_NE(status.error().message.find("deleted"), std::string::npos);
}

TEST_F(WaitersTest, AuthErrorEndsTheWait) {
  fake.transport->reply_error("AccessDeniedException", "no", 400);
  Status status = wait_for_stream_deleted(client, StreamName("s1"), fake.clock, options);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind, ErrorKind::kAuth);
}

}  // namespace
}  // namespace kwb::kinesis
