// kinesis::Client against a scripted transport: what goes on the wire for each operation, how
// responses (nulls and all) are read, how errors map, and which inputs never leave the process.

#include "kinesis/client.h"

#include <gtest/gtest.h>

#include "core/encoding.h"
#include "core/event_stream.h"
#include "kinesis/tests/fake_transport.h"

namespace kwb::kinesis {
namespace {

using nlohmann::json;
using testing::FakeSession;

class ClientTest : public ::testing::Test {
 protected:
  FakeSession fake;
  Client client = Client::from_session(*fake.session);
  testing::ScriptedTransport& wire() { return *fake.transport; }
};

json shard_json(const std::string& id, const std::string& start, const std::string& end,
                const std::optional<std::string>& ending_sequence = std::nullopt) {
  json shard = {{"ShardId", id},
                {"HashKeyRange", {{"StartingHashKey", start}, {"EndingHashKey", end}}},
                {"SequenceNumberRange", {{"StartingSequenceNumber", "100"}}}};
  if (ending_sequence) shard["SequenceNumberRange"]["EndingSequenceNumber"] = *ending_sequence;
  return shard;
}

TEST_F(ClientTest, CreateStreamProvisionedSendsTargetContentTypeAndShardCount) {
  wire().reply_raw(200, "");
  CreateStreamRequest request;
  request.stream_name = StreamName("orders");
  request.shard_count = 2;
  ASSERT_TRUE(client.create_stream(request).ok());
  ASSERT_EQ(wire().request_count(), 1u);
  EXPECT_EQ(wire().header(0, "X-Amz-Target"), "Kinesis_20131202.CreateStream");
  EXPECT_EQ(wire().header(0, "Content-Type"), "application/x-amz-json-1.1");
  EXPECT_EQ(wire().request(0).method, "POST");
  EXPECT_EQ(wire().body(0), json({{"StreamName", "orders"}, {"ShardCount", 2}}));
}

TEST_F(ClientTest, CreateStreamOnDemandSendsModeAndNoShardCount) {
  wire().reply_raw(200, "");
  CreateStreamRequest request;
  request.stream_name = StreamName("orders");
  request.mode = StreamMode::kOnDemand;
  request.tags = {{"team", "payments"}};
  ASSERT_TRUE(client.create_stream(request).ok());
  json body = wire().body(0);
  EXPECT_EQ(body["StreamModeDetails"]["StreamMode"], "ON_DEMAND");
  EXPECT_FALSE(body.contains("ShardCount"));
  EXPECT_EQ(body["Tags"]["team"], "payments");
}

TEST_F(ClientTest, CreateStreamProvisionedWithoutShardCountIsRejectedLocally) {
  CreateStreamRequest request;
  request.stream_name = StreamName("orders");
  Status status = client.create_stream(request);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(status.error().field, "ShardCount");
  EXPECT_EQ(wire().request_count(), 0u);
}

TEST_F(ClientTest, ArnRefIsSentAsStreamArn) {
  wire().reply_raw(200, "");
  DeleteStreamRequest request;
  request.stream = StreamRef::parse("arn:aws:kinesis:us-east-1:123456789012:stream/orders");
  request.enforce_consumer_deletion = true;
  ASSERT_TRUE(client.delete_stream(request).ok());
  json body = wire().body(0);
  EXPECT_EQ(body["StreamARN"], "arn:aws:kinesis:us-east-1:123456789012:stream/orders");
  EXPECT_FALSE(body.contains("StreamName"));
  EXPECT_EQ(body["EnforceConsumerDeletion"], true);
  EXPECT_EQ(wire().header(0, "X-Amz-Target"), "Kinesis_20131202.DeleteStream");
  EXPECT_EQ(request.stream.name(), "orders");
}

TEST_F(ClientTest, DeleteStreamByNameOmitsEnforceWhenFalse) {
  wire().reply_raw(200, "");
  ASSERT_TRUE(client.delete_stream({StreamName("s1"), false}).ok());
  EXPECT_EQ(wire().body(0), json({{"StreamName", "s1"}}));
}

TEST_F(ClientTest, DescribeStreamAllPagesWithExclusiveStartShardId) {
  wire().reply(200, {{"StreamDescription",
                      {{"StreamName", "s1"},
                       {"StreamARN", "arn:aws:kinesis:us-east-1:000000000000:stream/s1"},
                       {"StreamStatus", "ACTIVE"},
                       {"StreamModeDetails", {{"StreamMode", "PROVISIONED"}}},
                       {"RetentionPeriodHours", 24},
                       {"StreamCreationTimestamp", 1700000000.5},
                       {"EnhancedMonitoring", json::array({{{"ShardLevelMetrics", json::array()}}})},
                       {"EncryptionType", "NONE"},
                       {"KeyId", nullptr},
                       {"HasMoreShards", true},
                       {"Shards", json::array({shard_json("shardId-000000000000", "0", "99", "555")})}}}});
  wire().reply(200, {{"StreamDescription",
                      {{"StreamName", "s1"},
                       {"StreamStatus", "ACTIVE"},
                       {"HasMoreShards", false},
                       {"Shards", json::array({shard_json("shardId-000000000001", "100", "199")})}}}});
  auto description = client.describe_stream_all(StreamName("s1"));
  ASSERT_TRUE(description.ok()) << description.error();
  ASSERT_EQ(description->shards.size(), 2u);
  EXPECT_FALSE(description->shards[0].is_open());
  EXPECT_EQ(description->shards[0].sequence_number_range.ending_sequence_number, "555");
  EXPECT_TRUE(description->shards[1].is_open());
  EXPECT_EQ(description->stream_status, StreamStatus::kActive);
  EXPECT_EQ(description->stream_mode, StreamMode::kProvisioned);
  EXPECT_FALSE(description->key_id.has_value());
  ASSERT_TRUE(description->stream_creation_timestamp.has_value());
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(
                description->stream_creation_timestamp->time_since_epoch())
                .count(),
            1700000000500);
  ASSERT_EQ(wire().request_count(), 2u);
  EXPECT_FALSE(wire().body(0).contains("ExclusiveStartShardId"));
  EXPECT_EQ(wire().body(1)["ExclusiveStartShardId"], "shardId-000000000000");
}

TEST_F(ClientTest, DescribeStreamSummaryParsesCountsAndMode) {
  wire().reply(200, {{"StreamDescriptionSummary",
                      {{"StreamName", "s1"},
                       {"StreamARN", "arn:aws:kinesis:us-east-1:000000000000:stream/s1"},
                       {"StreamStatus", "UPDATING"},
                       {"StreamModeDetails", {{"StreamMode", "ON_DEMAND"}}},
                       {"RetentionPeriodHours", 48},
                       {"OpenShardCount", 4},
                       {"ConsumerCount", 1},
                       {"EnhancedMonitoring",
                        json::array({{{"ShardLevelMetrics", json::array({"IncomingBytes"})}}})}}}});
  auto summary = client.describe_stream_summary(StreamName("s1"));
  ASSERT_TRUE(summary.ok()) << summary.error();
  EXPECT_EQ(wire().header(0, "X-Amz-Target"), "Kinesis_20131202.DescribeStreamSummary");
  EXPECT_EQ(summary->stream_status, StreamStatus::kUpdating);
  EXPECT_EQ(summary->stream_mode, StreamMode::kOnDemand);
  EXPECT_EQ(summary->open_shard_count, 4);
  EXPECT_EQ(summary->retention_period_hours, 48);
  EXPECT_EQ(summary->consumer_count, 1);
  EXPECT_EQ(summary->shard_level_metrics, std::vector<std::string>{"IncomingBytes"});
}

TEST_F(ClientTest, DescribeStreamSummaryWithoutBodyIsParseError) {
  wire().reply(200, json::object());
  auto summary = client.describe_stream_summary(StreamName("s1"));
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.error().kind, ErrorKind::kParse);
}

TEST_F(ClientTest, ListAllStreamsFollowsNextToken) {
  wire().reply(200, {{"StreamNames", {"a", "b"}},
                     {"HasMoreStreams", true},
                     {"NextToken", "tok-1"},
                     {"StreamSummaries",
                      json::array({{{"StreamName", "a"}, {"StreamARN", "arn:a"}, {"StreamStatus", "ACTIVE"}},
                                   {{"StreamName", "b"}, {"StreamARN", "arn:b"}, {"StreamStatus", "CREATING"}}})}});
  wire().reply(200, {{"StreamNames", {"c"}}, {"HasMoreStreams", false}, {"NextToken", nullptr}});
  auto all = client.list_all_streams();
  ASSERT_TRUE(all.ok()) << all.error();
  EXPECT_EQ(all->stream_names, (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_EQ(all->streams.size(), 3u);
  EXPECT_EQ(all->streams[1].stream_status, StreamStatus::kCreating);
  EXPECT_EQ(all->streams[2].stream_name, "c");
  EXPECT_EQ(wire().body(0), json::object());
  EXPECT_EQ(wire().body(1), json({{"NextToken", "tok-1"}}));
}

TEST_F(ClientTest, ListAllStreamsFallsBackToExclusiveStartStreamName) {
  wire().reply(200, {{"StreamNames", {"a", "b"}}, {"HasMoreStreams", true}});
  wire().reply(200, {{"StreamNames", {"c"}}, {"HasMoreStreams", false}});
  auto all = client.list_all_streams();
  ASSERT_TRUE(all.ok()) << all.error();
  EXPECT_EQ(all->stream_names.size(), 3u);
  EXPECT_EQ(wire().body(1), json({{"ExclusiveStartStreamName", "b"}}));
}

TEST_F(ClientTest, ListStreamsOnePageWithLimit) {
  wire().reply(200, {{"StreamNames", {"a"}}, {"HasMoreStreams", true}, {"NextToken", "t"}});
  ListStreamsRequest request;
  request.limit = 1;
  auto page = client.list_streams(request);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->has_more_streams);
  EXPECT_EQ(page->next_token, "t");
  EXPECT_EQ(wire().body(0), json({{"Limit", 1}}));
}

TEST_F(ClientTest, ListAllShardsSendsOnlyNextTokenOnLaterPages) {
  wire().reply(200, {{"Shards", json::array({shard_json("shardId-000000000000", "0", "9")})}, {"NextToken", "n1"}});
  wire().reply(200, {{"Shards", json::array({shard_json("shardId-000000000001", "10", "19")})}});
  auto shards = client.list_all_shards(StreamName("s1"));
  ASSERT_TRUE(shards.ok()) << shards.error();
  EXPECT_EQ(shards->size(), 2u);
  EXPECT_EQ(wire().header(0, "X-Amz-Target"), "Kinesis_20131202.ListShards");
  EXPECT_EQ(wire().body(0), json({{"StreamName", "s1"}}));
  EXPECT_EQ(wire().body(1), json({{"NextToken", "n1"}}));
}

TEST_F(ClientTest, ListShardsRejectsTokenTogetherWithStream) {
  ListShardsRequest request;
  request.stream = StreamName("s1");
  request.next_token = "x";
  auto response = client.list_shards(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().field, "NextToken");
  EXPECT_EQ(wire().request_count(), 0u);
}

TEST_F(ClientTest, UpdateShardCountUsesUniformScaling) {
  wire().reply(200, {{"StreamName", "s1"}, {"CurrentShardCount", 2}, {"TargetShardCount", 4}});
  auto response = client.update_shard_count({StreamName("s1"), 4});
  ASSERT_TRUE(response.ok()) << response.error();
  EXPECT_EQ(response->current_shard_count, 2);
  EXPECT_EQ(response->target_shard_count, 4);
  EXPECT_EQ(wire().body(0), json({{"StreamName", "s1"}, {"TargetShardCount", 4}, {"ScalingType", "UNIFORM_SCALING"}}));
}

TEST_F(ClientTest, TagsAddRemoveAndListAll) {
  wire().reply_raw(200, "");
  wire().reply_raw(200, "");
  wire().reply(200, {{"Tags", json::array({{{"Key", "a"}, {"Value", "1"}}})}, {"HasMoreTags", true}});
  wire().reply(200, {{"Tags", json::array({{{"Key", "b"}, {"Value", nullptr}}})}, {"HasMoreTags", false}});
  ASSERT_TRUE(client.add_tags_to_stream({StreamName("s1"), {{"a", "1"}, {"b", ""}}}).ok());
  ASSERT_TRUE(client.remove_tags_from_stream({StreamName("s1"), {"c"}}).ok());
  auto tags = client.list_all_tags(StreamName("s1"));
  ASSERT_TRUE(tags.ok()) << tags.error();
  ASSERT_EQ(tags->size(), 2u);
  EXPECT_EQ((*tags)[0].key, "a");
  EXPECT_EQ((*tags)[1].value, "");
  EXPECT_EQ(wire().header(0, "X-Amz-Target"), "Kinesis_20131202.AddTagsToStream");
  EXPECT_EQ(wire().body(0)["Tags"], json({{"a", "1"}, {"b", ""}}));
  EXPECT_EQ(wire().header(1, "X-Amz-Target"), "Kinesis_20131202.RemoveTagsFromStream");
  EXPECT_EQ(wire().body(1)["TagKeys"], json({"c"}));
  EXPECT_EQ(wire().header(2, "X-Amz-Target"), "Kinesis_20131202.ListTagsForStream");
  EXPECT_EQ(wire().body(3)["ExclusiveStartTagKey"], "a");
}

TEST_F(ClientTest, TooManyTagsNamesTheField) {
  AddTagsRequest request{StreamName("s1"), {}};
  for (int i = 0; i < 51; ++i) request.tags["k" + std::to_string(i)] = "v";
  Status status = client.add_tags_to_stream(request);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().field, "Tags");
  EXPECT_EQ(wire().request_count(), 0u);
}

TEST_F(ClientTest, RetentionPeriodCallsAndBounds) {
  wire().reply_raw(200, "");
  wire().reply_raw(200, "");
  ASSERT_TRUE(client.increase_stream_retention_period({StreamName("s1"), 48}).ok());
  ASSERT_TRUE(client.decrease_stream_retention_period({StreamName("s1"), 24}).ok());
  EXPECT_EQ(wire().header(0, "X-Amz-Target"), "Kinesis_20131202.IncreaseStreamRetentionPeriod");
  EXPECT_EQ(wire().body(0)["RetentionPeriodHours"], 48);
  EXPECT_EQ(wire().header(1, "X-Amz-Target"), "Kinesis_20131202.DecreaseStreamRetentionPeriod");
  Status low = client.decrease_stream_retention_period({StreamName("s1"), 23});
  ASSERT_FALSE(low.ok());
  EXPECT_EQ(low.error().field, "RetentionPeriodHours");
  EXPECT_EQ(wire().request_count(), 2u);
}

TEST_F(ClientTest, EnableEnhancedMonitoring) {
  wire().reply(200, {{"StreamName", "s1"},
                     {"CurrentShardLevelMetrics", json::array()},
                     {"DesiredShardLevelMetrics", {"IncomingBytes", "OutgoingBytes"}}});
  auto response = client.enable_enhanced_monitoring({StreamName("s1"), {"IncomingBytes", "OutgoingBytes"}});
  ASSERT_TRUE(response.ok()) << response.error();
  EXPECT_EQ(response->desired_shard_level_metrics.size(), 2u);
  EXPECT_TRUE(response->current_shard_level_metrics.empty());
  EXPECT_EQ(wire().body(0)["ShardLevelMetrics"], json({"IncomingBytes", "OutgoingBytes"}));
  auto bad = client.enable_enhanced_monitoring({StreamName("s1"), {"Bogus"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "ShardLevelMetrics");
}

TEST_F(ClientTest, PutRecordEncodesDataAsBase64) {
  wire().reply(200, {{"ShardId", "shardId-000000000001"}, {"SequenceNumber", "4968"}, {"EncryptionType", "NONE"}});
  PutRecordRequest request;
  request.stream = StreamName("s1");
  request.partition_key = "user-1";
  request.data = std::string("hi\0there", 8);
  request.explicit_hash_key = "42";
  auto response = client.put_record(request);
  ASSERT_TRUE(response.ok()) << response.error();
  EXPECT_EQ(response->shard_id, ShardId("shardId-000000000001"));
  EXPECT_EQ(response->sequence_number, "4968");
  json body = wire().body(0);
  EXPECT_EQ(body["Data"], "aGkAdGhlcmU=");
  EXPECT_EQ(body["PartitionKey"], "user-1");
  EXPECT_EQ(body["ExplicitHashKey"], "42");
  EXPECT_EQ(wire().header(0, "X-Amz-Target"), "Kinesis_20131202.PutRecord");
}

TEST_F(ClientTest, PutRecordsReportsPerRecordFailures) {
  wire().reply(200, {{"FailedRecordCount", 1},
                     {"Records", json::array({{{"ShardId", "shardId-000000000000"}, {"SequenceNumber", "1"}},
                                              {{"ErrorCode", "ProvisionedThroughputExceededException"},
                                               {"ErrorMessage", "Rate exceeded for shard"}}})}});
  PutRecordsRequest request;
  request.stream = StreamName("s1");
  request.records = {{"one", "k1", std::nullopt}, {"two", "k2", std::nullopt}};
  auto response = client.put_records(request);
  ASSERT_TRUE(response.ok()) << response.error();
  EXPECT_EQ(response->failed_record_count, 1);
  ASSERT_EQ(response->records.size(), 2u);
  EXPECT_TRUE(response->records[0].ok());
  EXPECT_EQ(response->records[0].sequence_number, "1");
  EXPECT_FALSE(response->records[1].ok());
  EXPECT_EQ(response->records[1].error_code, "ProvisionedThroughputExceededException");
  EXPECT_EQ(response->records[1].error_message, "Rate exceeded for shard");
  json body = wire().body(0);
  ASSERT_EQ(body["Records"].size(), 2u);
  EXPECT_EQ(body["Records"][1]["Data"], "dHdv");
  EXPECT_EQ(body["Records"][1]["PartitionKey"], "k2");
}

// put_records writes its body by hand (the hot path); it must be byte for byte what the json tree
// would have written, escapes included, and invalid UTF-8 must still come back as an error.
TEST_F(ClientTest, PutRecordsBodyIsExactlyTheJsonTreesDump) {
  wire().reply(200, {{"FailedRecordCount", 0},
                     {"Records", json::array({{{"ShardId", "shardId-000000000000"}, {"SequenceNumber", "1"}},
                                              {{"ShardId", "shardId-000000000000"}, {"SequenceNumber", "2"}},
                                              {{"ShardId", "shardId-000000000000"}, {"SequenceNumber", "3"}}})}});
  PutRecordsRequest request;
  request.stream = StreamRef::parse("arn:aws:kinesis:us-east-1:123456789012:stream/s1");
  const std::string binary("\x00\xff\x10 x", 5);
  request.records = {{binary, "plain-key", std::nullopt},
                     {"ab", "quote\" back\\ tab\t caf\xc3\xa9", std::string("340282366920938463463374607431768211455")},
                     {"", "k", std::nullopt}};
  ASSERT_TRUE(client.put_records(request).ok());
  json expected;
  expected["StreamARN"] = "arn:aws:kinesis:us-east-1:123456789012:stream/s1";
  for (const auto& entry : request.records) {
    json item;
    item["Data"] = base64_encode(entry.data);
    item["PartitionKey"] = entry.partition_key;
    if (entry.explicit_hash_key) item["ExplicitHashKey"] = *entry.explicit_hash_key;
    expected["Records"].push_back(item);
  }
  EXPECT_EQ(wire().request(0).body, expected.dump());

  request.records = {{"x", "bad \xc3 utf-8", std::nullopt}};
  auto invalid = client.put_records(request);
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(wire().request_count(), 1u) << "nothing sent for a body that cannot be written";
}

TEST_F(ClientTest, PutRecordsResultCountMismatchIsParseError) {
  wire().reply(200, {{"FailedRecordCount", 0}, {"Records", json::array()}});
  auto response = client.put_records({StreamName("s1"), {{"x", "k", std::nullopt}}});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().kind, ErrorKind::kParse);
}

TEST_F(ClientTest, GetShardIteratorAllFiveTypes) {
  for (int i = 0; i < 5; ++i) wire().reply(200, {{"ShardIterator", "it-" + std::to_string(i)}});
  GetShardIteratorRequest request;
  request.stream = StreamName("s1");
  request.shard_id = ShardId("shardId-000000000000");

  request.type = ShardIteratorType::kTrimHorizon;
  ASSERT_TRUE(client.get_shard_iterator(request).ok());
  request.type = ShardIteratorType::kLatest;
  ASSERT_TRUE(client.get_shard_iterator(request).ok());
  request.type = ShardIteratorType::kAtSequenceNumber;
  request.starting_sequence_number = "123";
  ASSERT_TRUE(client.get_shard_iterator(request).ok());
  request.type = ShardIteratorType::kAfterSequenceNumber;
  auto after = client.get_shard_iterator(request);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->shard_iterator, "it-3");
  request.type = ShardIteratorType::kAtTimestamp;
  request.starting_sequence_number.reset();
  request.timestamp = SystemTimePoint(std::chrono::milliseconds(1700000000250));
  ASSERT_TRUE(client.get_shard_iterator(request).ok());

  EXPECT_EQ(wire().body(0), json({{"StreamName", "s1"},
                                  {"ShardId", "shardId-000000000000"},
                                  {"ShardIteratorType", "TRIM_HORIZON"}}));
  EXPECT_EQ(wire().body(1)["ShardIteratorType"], "LATEST");
  EXPECT_EQ(wire().body(2)["ShardIteratorType"], "AT_SEQUENCE_NUMBER");
  EXPECT_EQ(wire().body(2)["StartingSequenceNumber"], "123");
  EXPECT_EQ(wire().body(3)["ShardIteratorType"], "AFTER_SEQUENCE_NUMBER");
  EXPECT_EQ(wire().body(4)["ShardIteratorType"], "AT_TIMESTAMP");
  EXPECT_DOUBLE_EQ(wire().body(4)["Timestamp"].get<double>(), 1700000000.25);
  EXPECT_FALSE(wire().body(4).contains("StartingSequenceNumber"));
}

TEST_F(ClientTest, GetShardIteratorRequiresSequenceNumberOrTimestamp) {
  GetShardIteratorRequest request;
  request.stream = StreamName("s1");
  request.shard_id = ShardId("shardId-000000000000");
  request.type = ShardIteratorType::kAfterSequenceNumber;
  auto missing_sequence = client.get_shard_iterator(request);
  ASSERT_FALSE(missing_sequence.ok());
  EXPECT_EQ(missing_sequence.error().field, "StartingSequenceNumber");
  request.type = ShardIteratorType::kAtTimestamp;
  auto missing_time = client.get_shard_iterator(request);
  ASSERT_FALSE(missing_time.ok());
  EXPECT_EQ(missing_time.error().field, "Timestamp");
  EXPECT_EQ(wire().request_count(), 0u);
}

TEST_F(ClientTest, GetRecordsDecodesDataTimestampsNullIteratorAndChildShards) {
  wire().reply(200,
               {{"Records", json::array({{{"SequenceNumber", "111"},
                                          {"ApproximateArrivalTimestamp", 1700000000.123},
                                          {"Data", "aGVsbG8="},
                                          {"PartitionKey", "k"},
                                          {"EncryptionType", nullptr}}})},
                {"NextShardIterator", nullptr},
                {"MillisBehindLatest", 0},
                {"ChildShards", json::array({{{"ShardId", "shardId-000000000002"},
                                              {"ParentShards", {"shardId-000000000000"}},
                                              {"HashKeyRange", {{"StartingHashKey", "0"}, {"EndingHashKey", "5"}}}},
                                             {{"ShardId", "shardId-000000000003"},
                                              {"ParentShards", {"shardId-000000000000"}},
                                              {"HashKeyRange", {{"StartingHashKey", "6"}, {"EndingHashKey", "9"}}}}})}});
  auto response = client.get_records({"iterator-1", 100, std::nullopt});
  ASSERT_TRUE(response.ok()) << response.error();
  EXPECT_EQ(wire().body(0), json({{"ShardIterator", "iterator-1"}, {"Limit", 100}}));
  ASSERT_EQ(response->records.size(), 1u);
  const Record& record = response->records[0];
  EXPECT_EQ(record.data, "hello");
  EXPECT_EQ(record.partition_key, "k");
  EXPECT_EQ(record.encryption_type, "");
  ASSERT_TRUE(record.approximate_arrival_timestamp.has_value());
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(
                record.approximate_arrival_timestamp->time_since_epoch())
                .count(),
            1700000000123);
  EXPECT_FALSE(response->next_shard_iterator.has_value());
  EXPECT_EQ(response->millis_behind_latest, 0);
  ASSERT_EQ(response->child_shards.size(), 2u);
  EXPECT_EQ(response->child_shards[1].shard_id, ShardId("shardId-000000000003"));
  ASSERT_EQ(response->child_shards[1].parent_shards.size(), 1u);
  EXPECT_EQ(response->child_shards[1].parent_shards[0], ShardId("shardId-000000000000"));
  EXPECT_EQ(response->child_shards[1].hash_key_range.ending_hash_key, "9");
}

TEST_F(ClientTest, GetRecordsOpenShardKeepsIterator) {
  wire().reply(200, {{"Records", json::array()}, {"NextShardIterator", "it-2"}, {"MillisBehindLatest", 1500}});
  auto response = client.get_records({"it-1", std::nullopt, std::nullopt});
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->next_shard_iterator, "it-2");
  EXPECT_EQ(response->millis_behind_latest, 1500);
  EXPECT_TRUE(response->child_shards.empty());
}

TEST_F(ClientTest, GetRecordsMalformedBase64IsParseError) {
  wire().reply(200, {{"Records", json::array({{{"SequenceNumber", "1"}, {"Data", "!!!"}, {"PartitionKey", "k"}}})},
                     {"NextShardIterator", "x"}});
  auto response = client.get_records({"it", std::nullopt, std::nullopt});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().kind, ErrorKind::kParse);
}

TEST_F(ClientTest, ResourceNotFoundMapsToNotFound) {
  wire().reply_error("com.amazonaws.kinesis#ResourceNotFoundException",
                     "Stream nope under account 000000000000 not found.");
  auto summary = client.describe_stream_summary(StreamName("nope"));
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(summary.error().code, "ResourceNotFoundException");
  EXPECT_EQ(summary.error().http_status, 400);
  EXPECT_NE(summary.error().message.find("nope"), std::string::npos);
}

TEST_F(ClientTest, ResourceInUseMapsToConflict) {
  wire().reply_error("ResourceInUseException", "Stream s1 is not ACTIVE");
  auto response = client.update_shard_count({StreamName("s1"), 4});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().kind, ErrorKind::kConflict);
}

TEST_F(ClientTest, InvalidStreamNamesAreRejectedWithTheField) {
  for (const std::string& name : {std::string("bad name"), std::string(""), std::string(129, 'a'),
                                  std::string("slash/y")}) {
    auto summary = client.describe_stream_summary(StreamName(name));
    ASSERT_FALSE(summary.ok()) << name;
    EXPECT_EQ(summary.error().kind, ErrorKind::kInvalidInput);
    EXPECT_EQ(summary.error().field, "StreamName");
  }
  EXPECT_TRUE(validate_stream_name(std::string(128, 'a')).ok());
  EXPECT_TRUE(validate_stream_name("A-b_c.9").ok());
  auto bad_arn = client.describe_stream_summary(StreamRef::parse("arn:aws:s3:::bucket"));
  ASSERT_FALSE(bad_arn.ok());
  EXPECT_EQ(bad_arn.error().field, "StreamARN");
  EXPECT_EQ(wire().request_count(), 0u);
}

TEST_F(ClientTest, PartitionKeyLengthIsCountedInCharacters) {
  PutRecordRequest request;
  request.stream = StreamName("s1");
  request.data = "x";
  request.partition_key = std::string(257, 'k');
  auto too_long = client.put_record(request);
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().field, "PartitionKey");
  request.partition_key = "";
  auto empty = client.put_record(request);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().field, "PartitionKey");
  // 256 two-byte characters are 512 bytes but still 256 characters: accepted.
  std::string umlauts;
  for (int i = 0; i < 256; ++i) umlauts += "\xC3\xA4";
  EXPECT_TRUE(validate_partition_key(umlauts).ok());
  EXPECT_FALSE(validate_partition_key("\xC3").ok());  // truncated UTF-8
  EXPECT_EQ(wire().request_count(), 0u);
}

TEST_F(ClientTest, OversizedRecordIsRejectedWithTheField) {
  PutRecordRequest request;
  request.stream = StreamName("s1");
  request.partition_key = "k";
  request.data = std::string(kMaxRecordBytes, 'x');  // plus the 1-byte key: one byte too many
  auto response = client.put_record(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().field, "Data");

  PutRecordsRequest batch;
  batch.stream = StreamName("s1");
  batch.records = {{"ok", "k", std::nullopt}, {std::string(kMaxRecordBytes + 1, 'x'), "k", std::nullopt}};
  auto batch_response = client.put_records(batch);
  ASSERT_FALSE(batch_response.ok());
  EXPECT_EQ(batch_response.error().field, "Records[1].Data");
  EXPECT_EQ(wire().request_count(), 0u);
}

TEST_F(ClientTest, PutRecordsBatchLimits) {
  PutRecordsRequest batch;
  batch.stream = StreamName("s1");
  auto empty = client.put_records(batch);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().field, "Records");
  for (int i = 0; i < 501; ++i) batch.records.push_back({"d", "k" + std::to_string(i), std::nullopt});
  auto too_many = client.put_records(batch);
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error().field, "Records");
  batch.records.clear();
  for (int i = 0; i < 6; ++i) batch.records.push_back({std::string(1000 * 1000, 'x'), "k", std::nullopt});
  auto too_big = client.put_records(batch);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().field, "Records");
  EXPECT_EQ(wire().request_count(), 0u);
}

TEST_F(ClientTest, ExplicitHashKeyMustBeA128BitDecimal) {
  EXPECT_TRUE(validate_explicit_hash_key("340282366920938463463374607431768211455").ok());
  EXPECT_FALSE(validate_explicit_hash_key("340282366920938463463374607431768211456").ok());
  EXPECT_FALSE(validate_explicit_hash_key("12a").ok());
  EXPECT_FALSE(validate_explicit_hash_key("").ok());
}

}  // namespace
}  // namespace kwb::kinesis

// ---- SubscribeToShard (enhanced fan-out) ----

namespace kwb::kinesis {
namespace {

std::string frame(std::vector<eventstream::Header> headers, std::string payload) {
  return eventstream::encode(eventstream::Message{std::move(headers), std::move(payload)});
}

std::string initial_response() {
  return frame({{":message-type", "event"}, {":event-type", "initial-response"}}, "{}");
}

std::string shard_event(const json& payload) {
  return frame({{":message-type", "event"}, {":event-type", "SubscribeToShardEvent"}, {":content-type", "application/json"}},
               payload.dump());
}

json two_records() {
  return {{"Records",
           {{{"SequenceNumber", "101"}, {"Data", "b25l"}, {"PartitionKey", "a"}, {"ApproximateArrivalTimestamp", 1.7e9}},
            {{"SequenceNumber", "102"}, {"Data", "dHdv"}, {"PartitionKey", "b"}}}},
          {"ContinuationSequenceNumber", "102"},
          {"MillisBehindLatest", 7}};
}

SubscribeToShardRequest subscription() {
  SubscribeToShardRequest request;
  request.consumer_arn = "arn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/c:1";
  request.shard_id = ShardId("shardId-000000000000");
  request.starting_position.type = ShardIteratorType::kAfterSequenceNumber;
  request.starting_position.sequence_number = "100";
  return request;
}

TEST_F(ClientTest, SubscribeToShardDeliversEventsAndEndsWithTheExceptionEvent) {
  wire().reply_raw(200, initial_response() + shard_event(two_records()) +
                            frame({{":message-type", "exception"}, {":exception-type", "ResourceInUseException"}},
                                  R"({"message":"taken over"})"));
  std::vector<SubscribeToShardEvent> events;
  Status status = client.subscribe_to_shard(subscription(), [&](const SubscribeToShardEvent& event) {
    events.push_back(event);
    return true;
  });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, "ResourceInUseException");
  EXPECT_EQ(status.error().kind, ErrorKind::kConflict);
  EXPECT_EQ(status.error().message, "taken over");
  ASSERT_EQ(events.size(), 1u);
  ASSERT_EQ(events[0].records.size(), 2u);
  EXPECT_EQ(events[0].records[0].data, "one");
  EXPECT_EQ(events[0].records[0].partition_key, "a");
  EXPECT_TRUE(events[0].records[0].approximate_arrival_timestamp.has_value());
  EXPECT_EQ(events[0].records[1].sequence_number, "102");
  EXPECT_EQ(events[0].continuation_sequence_number, "102");
  EXPECT_EQ(events[0].millis_behind_latest, 7);
  EXPECT_EQ(wire().header(0, "X-Amz-Target"), "Kinesis_20131202.SubscribeToShard");
  EXPECT_EQ(wire().body(0), json({{"ConsumerARN", subscription().consumer_arn},
                                  {"ShardId", "shardId-000000000000"},
                                  {"StartingPosition", {{"Type", "AFTER_SEQUENCE_NUMBER"}, {"SequenceNumber", "100"}}}}));
}

TEST_F(ClientTest, SubscribeToShardStopsWhenTheHandlerSaysSo) {
  wire().reply_raw(200, initial_response() + shard_event(two_records()) + shard_event(two_records()));
  int seen = 0;
  Status status = client.subscribe_to_shard(subscription(), [&](const SubscribeToShardEvent&) {
    ++seen;
    return false;
  });
  EXPECT_TRUE(status.ok()) << status.error();
  EXPECT_EQ(seen, 1);
}

TEST_F(ClientTest, SubscribeToShardReportsAShardEndAndACutOffStream) {
  json last = {{"Records", json::array()},
               {"MillisBehindLatest", 0},
               {"ChildShards",
                {{{"ShardId", "shardId-000000000001"},
                  {"ParentShards", {"shardId-000000000000"}},
                  {"HashKeyRange", {{"StartingHashKey", "0"}, {"EndingHashKey", "9"}}}}}}};
  wire().reply_raw(200, initial_response() + shard_event(last));
  std::vector<SubscribeToShardEvent> events;
  auto collect = [&](const SubscribeToShardEvent& event) {
    events.push_back(event);
    return true;
  };
  ASSERT_TRUE(client.subscribe_to_shard(subscription(), collect).ok());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_FALSE(events[0].continuation_sequence_number.has_value());
  ASSERT_EQ(events[0].child_shards.size(), 1u);
  EXPECT_EQ(events[0].child_shards[0].shard_id.str(), "shardId-000000000001");

  const std::string whole = shard_event(two_records());
  wire().reply_raw(200, initial_response() + whole.substr(0, whole.size() - 5));
  Status cut = client.subscribe_to_shard(subscription(), collect);
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.error().kind, ErrorKind::kParse);

  std::string corrupt = shard_event(two_records());
  corrupt[corrupt.size() - 10] ^= 0x20;
  wire().reply_raw(200, initial_response() + corrupt);
  Status bad = client.subscribe_to_shard(subscription(), collect);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("CRC"), std::string::npos) << bad.error().message;
}

TEST_F(ClientTest, SubscribeToShardRefusalsAreOrdinaryErrorsAndBadInputStaysLocal) {
  wire().reply_raw(400, R"({"__type":"ResourceInUseException","message":"Another active subscription exists"})");
  Status refused = client.subscribe_to_shard(subscription(), [](const SubscribeToShardEvent&) { return true; });
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "ResourceInUseException");

  SubscribeToShardRequest request = subscription();
  request.starting_position.sequence_number.reset();
  Status local = client.subscribe_to_shard(request, [](const SubscribeToShardEvent&) { return true; });
  ASSERT_FALSE(local.ok());
  EXPECT_EQ(local.error().field, "StartingPosition.SequenceNumber");
  EXPECT_EQ(wire().request_count(), 1u);
}

}  // namespace
}  // namespace kwb::kinesis
