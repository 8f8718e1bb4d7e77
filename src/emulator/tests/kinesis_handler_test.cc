// The JSON front end: AWS error shapes, validation messages, paging, ARNs and observer events.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <mutex>

#include "core/clock.h"
#include "core/random.h"
#include "emulator/backend.h"
#include "emulator/kinesis_handler.h"

namespace kwb::emulator {
namespace {

using nlohmann::json;

class RecordingObserver final : public CallObserver {
 public:
  void on_call(const CallEvent& event) override {
    std::lock_guard lock(mutex);
    operations.emplace_back(event.operation);
    last_stream = std::string(event.stream);
    last_records_in = event.records_in;
    last_accepted = event.accepted;
    last_success = event.success;
    last_error = std::string(event.error_code);
    last_shards = event.shards.size();
  }
  std::optional<Error> inject_fault(std::string_view operation, std::string_view, std::string_view) override {
    if (operation == fail_operation) {
      Error e;
      e.code = "InternalFailure";
      e.message = "injected";
      e.http_status = 500;
      return e;
    }
    return std::nullopt;
  }
  std::mutex mutex;
  std::vector<std::string> operations;
  std::string last_stream, last_error, fail_operation;
  std::uint64_t last_records_in = 0, last_accepted = 0;
  std::size_t last_shards = 0;
  bool last_success = false;
};

class HandlerTest : public ::testing::Test {
 protected:
  HandlerTest()
      : clock_(SystemTimePoint(std::chrono::seconds(1'700'000'000))),
        random_(3),
        backend_(config(), clock_, random_),
        handler_(backend_, observer_) {}

  static const EmulatorConfig& config() {
    static EmulatorConfig c = [] {
      EmulatorConfig cfg;
      cfg.create_delay_ms = 0;
      cfg.update_delay_ms = 0;
      cfg.limits.control_plane_limits = false;
      return cfg;
    }();
    return c;
  }

  // Calls an operation; returns (status, parsed body).
  std::pair<int, json> call(std::string_view op, std::string_view body) {
    ApiResponse response = handler_.call(op, "us-east-1", body);
    json parsed = response.body.empty() ? json::object() : json::parse(response.body, nullptr, false);
    return {response.status, parsed};
  }

  void create(const std::string& name, int shards) {
    auto [status, body] = call("CreateStream", R"({"StreamName":")" + name + R"(","ShardCount":)" + std::to_string(shards) + "}");
    ASSERT_EQ(status, 200) << body.dump();
    clock_.advance(std::chrono::milliseconds(1));
  }

  ManualClock clock_;
  SeededRandom random_;
  RecordingObserver observer_;
  Backend backend_;
  KinesisHandler handler_;
};

TEST_F(HandlerTest, UnknownOperationAndBadJsonGetAwsShapes) {
  auto [status, body] = call("FlyToTheMoon", "{}");
  EXPECT_EQ(status, 400);
  EXPECT_EQ(body["__type"], "UnknownOperationException");

  std::tie(status, body) = call("ListStreams", "{not json");
  EXPECT_EQ(status, 400);
  EXPECT_EQ(body["__type"], "SerializationException");

  std::tie(status, body) = call("ListStreams", "[1,2]");
  EXPECT_EQ(body["__type"], "SerializationException");
  EXPECT_EQ(body["message"], "Start of list found where not expected");
}

TEST_F(HandlerTest, WrongTypesAreSerializationErrors) {
  auto [status, body] = call("CreateStream", R"({"StreamName":"s","ShardCount":"two"})");
  EXPECT_EQ(status, 400);
  EXPECT_EQ(body["__type"], "SerializationException");
  EXPECT_EQ(body["message"], "class java.lang.String can not be converted to an Integer");

  std::tie(status, body) = call("CreateStream", R"({"StreamName":5,"ShardCount":1})");
  EXPECT_EQ(body["message"], "class java.math.BigDecimal can not be converted to an String");

  std::tie(status, body) = call("PutRecord", R"({"StreamName":"s","PartitionKey":"k","Data":"abc"})");
  EXPECT_EQ(body["__type"], "SerializationException");
  EXPECT_NE(body["message"].get<std::string>().find("multiple of 4"), std::string::npos);
}

TEST_F(HandlerTest, ConstraintViolationsAreCollected) {
  const std::string long_name(129, 'a');
  auto [status, body] = call("CreateStream", R"({"StreamName":")" + long_name + R"(!","ShardCount":0})");
  EXPECT_EQ(status, 400);
  EXPECT_EQ(body["__type"], "ValidationException");
  const std::string message = body["message"];
  EXPECT_EQ(message.rfind("3 validation errors detected: ", 0), 0u) << message;
  EXPECT_NE(message.find("at 'streamName' failed to satisfy constraint: Member must have length less than or equal to 128"),
            std::string::npos);
  EXPECT_NE(message.find("Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"), std::string::npos);
  EXPECT_NE(message.find("Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1"),
            std::string::npos);

  std::tie(status, body) = call("CreateStream", R"({"ShardCount":1})");
  EXPECT_EQ(body["message"], "1 validation error detected: Value null at 'streamName' failed to satisfy constraint: "
                             "Member must not be null");
}

TEST_F(HandlerTest, PutRecordsValidatesEntriesAndSizes) {
  create("s", 1);
  std::string records;
  for (int i = 0; i < 501; ++i) records += std::string(i ? "," : "") + R"({"Data":"AA==","PartitionKey":"k"})";
  auto [status, body] = call("PutRecords", R"({"StreamName":"s","Records":[)" + records + "]}");
  EXPECT_EQ(body["__type"], "ValidationException");
  EXPECT_NE(body["message"].get<std::string>().find("at 'records' failed to satisfy constraint: Member must have length less than or equal to 500"),
            std::string::npos);

  const std::string key(257, 'k');
  std::tie(status, body) = call("PutRecords", R"({"StreamName":"s","Records":[{"Data":"AA==","PartitionKey":")" + key + R"("}]})");
  EXPECT_EQ(body["__type"], "ValidationException");
  EXPECT_NE(body["message"].get<std::string>().find("'records.1.member.partitionKey'"), std::string::npos);

  std::tie(status, body) = call("PutRecord", R"({"StreamName":"s","Data":"AA==","PartitionKey":"k","ExplicitHashKey":"-3"})");
  EXPECT_EQ(body["__type"], "ValidationException");
  EXPECT_NE(body["message"].get<std::string>().find("explicitHashKey"), std::string::npos);
}

TEST_F(HandlerTest, PutAndGetRoundTripWithObserverEvents) {
  create("s", 2);
  auto [status, body] = call("PutRecords", R"({"StreamName":"s","Records":[
      {"Data":"aGVsbG8=","PartitionKey":"a"},{"Data":"d29ybGQ=","PartitionKey":"b"}]})");
  ASSERT_EQ(status, 200) << body.dump();
  EXPECT_EQ(body["FailedRecordCount"], 0);
  EXPECT_EQ(body["Records"][0]["ShardId"], "shardId-000000000000");
  EXPECT_EQ(body["Records"][1]["ShardId"], "shardId-000000000001");
  EXPECT_EQ(observer_.last_records_in, 2u);
  EXPECT_EQ(observer_.last_accepted, 2u);
  EXPECT_EQ(observer_.last_shards, 2u);
  EXPECT_EQ(observer_.last_stream, "s");

  std::tie(status, body) = call("GetShardIterator", R"({"StreamName":"s","ShardId":"shardId-000000000001","ShardIteratorType":"TRIM_HORIZON"})");
  ASSERT_EQ(status, 200);
  const std::string iterator = body["ShardIterator"];
  std::tie(status, body) = call("GetRecords", R"({"ShardIterator":")" + iterator + R"("})");
  ASSERT_EQ(status, 200) << body.dump();
  ASSERT_EQ(body["Records"].size(), 1u);
  EXPECT_EQ(body["Records"][0]["Data"], "d29ybGQ=");
  EXPECT_EQ(body["Records"][0]["PartitionKey"], "b");
  EXPECT_TRUE(body["Records"][0]["ApproximateArrivalTimestamp"].is_number());
  EXPECT_TRUE(body.contains("NextShardIterator"));
  EXPECT_EQ(body["MillisBehindLatest"], 0);

  std::tie(status, body) = call("GetRecords", R"({"ShardIterator":"AAAA"})");
  EXPECT_EQ(body["__type"], "InvalidArgumentException");
  EXPECT_EQ(observer_.last_error, "InvalidArgumentException");
  EXPECT_FALSE(observer_.last_success);
}

TEST_F(HandlerTest, PutRecordsResultsMatchWhatGetRecordsReturns) {
  // The PutRecords response is written from per-shard templates and GetRecords from a cached
  // sequence prefix; both must agree record by record, in order, across shards.
  create("many", 4);
  std::string records;
  for (int i = 0; i < 300; ++i) {
    records += std::string(i ? "," : "") + R"({"Data":"cmVjb3Jk","PartitionKey":"key-)" + std::to_string(i) + R"("})";
  }
  auto [status, body] = call("PutRecords", R"({"StreamName":"many","Records":[)" + records + "]}");
  ASSERT_EQ(status, 200) << body.dump();
  ASSERT_EQ(body["Records"].size(), 300u);
  std::map<std::string, std::vector<std::string>> by_shard;
  for (const auto& result : body["Records"]) {
    const std::string sequence = result["SequenceNumber"];
    ASSERT_EQ(sequence.size(), 56u);
    auto& list = by_shard[result["ShardId"]];
    if (!list.empty()) {
      EXPECT_LT(list.back(), sequence);
    }
    list.push_back(sequence);
  }
  EXPECT_EQ(by_shard.size(), 4u);
  for (const auto& [shard, sequences] : by_shard) {
    std::tie(status, body) = call("GetShardIterator", R"({"StreamName":"many","ShardId":")" + shard +
                                                          R"(","ShardIteratorType":"TRIM_HORIZON"})");
    ASSERT_EQ(status, 200);
    const std::string iterator = body["ShardIterator"];
    std::tie(status, body) = call("GetRecords", R"({"ShardIterator":")" + iterator + R"("})");
    ASSERT_EQ(status, 200) << body.dump();
    ASSERT_EQ(body["Records"].size(), sequences.size()) << shard;
    for (std::size_t i = 0; i < sequences.size(); ++i) {
      EXPECT_EQ(body["Records"][i]["SequenceNumber"], sequences[i]);
      EXPECT_EQ(body["Records"][i]["Data"], "cmVjb3Jk");
    }
  }
}

TEST_F(HandlerTest, PutRecordsEntryMembersFollowFieldRules) {
  create("s", 1);
  // Null is absent; of duplicate members the first counts, as for every other operation.
  auto [status, body] = call("PutRecords", R"({"StreamName":"s","Records":[{"Data":null,"PartitionKey":"k"}]})");
  EXPECT_EQ(body["__type"], "ValidationException");
  EXPECT_NE(body["message"].get<std::string>().find("'records.1.member.data'"), std::string::npos) << body.dump();
  std::tie(status, body) = call("PutRecords", R"({"StreamName":"s","Records":[{"Data":null,"Data":"AA==","PartitionKey":"k"}]})");
  EXPECT_EQ(body["__type"], "ValidationException") << body.dump();
  std::tie(status, body) = call("PutRecords", R"({"StreamName":"s","Records":[{"Data":"AA==","PartitionKey":"k","PartitionKey":7}]})");
  EXPECT_EQ(status, 200) << body.dump();
  // Type errors are reported in field order: Data before PartitionKey.
  std::tie(status, body) = call("PutRecords", R"({"StreamName":"s","Records":[{"PartitionKey":7,"Data":true}]})");
  EXPECT_EQ(body["__type"], "SerializationException");
  EXPECT_EQ(body["message"], "class java.lang.Boolean can not be converted to a Blob");
  std::tie(status, body) = call("PutRecords", R"({"StreamName":"s","Records":[{"Data":"AA==","PartitionKey":"k","ExplicitHashKey":1}]})");
  EXPECT_EQ(body["message"], "class java.math.BigDecimal can not be converted to an String");
}

TEST_F(HandlerTest, ObserverCanInjectFaults) {
  create("s", 1);
  observer_.fail_operation = "PutRecord";
  ApiResponse response = handler_.call("PutRecord", "us-east-1", R"({"StreamName":"s","Data":"AA==","PartitionKey":"k"})");
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(json::parse(response.body)["__type"], "InternalFailure");
}

TEST_F(HandlerTest, SequenceNumbersPassValidationWhereverAwsTakesThem) {
  // Sequence numbers have 56 digits: more than a hash key's 39, within AWS's 129.
  create("s", 1);
  auto [status, body] = call("PutRecord", R"({"StreamName":"s","Data":"YQ==","PartitionKey":"k"})");
  ASSERT_EQ(status, 200) << body.dump();
  const std::string first = body["SequenceNumber"];
  ASSERT_EQ(first.size(), 56u);
  std::tie(status, body) = call("PutRecord", R"({"StreamName":"s","Data":"Yg==","PartitionKey":"k","SequenceNumberForOrdering":")" +
                                                 first + R"("})");
  ASSERT_EQ(status, 200) << body.dump();
  std::tie(status, body) = call("GetShardIterator", R"({"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"AFTER_SEQUENCE_NUMBER","StartingSequenceNumber":")" +
                                                        first + R"("})");
  ASSERT_EQ(status, 200) << body.dump();
  std::tie(status, body) = call("GetRecords", R"({"ShardIterator":")" + body["ShardIterator"].get<std::string>() + R"("})");
  ASSERT_EQ(body["Records"].size(), 1u) << body.dump();
  EXPECT_EQ(body["Records"][0]["Data"], "Yg==");
  std::tie(status, body) = call("GetShardIterator", R"({"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"AT_SEQUENCE_NUMBER","StartingSequenceNumber":"0)" +
                                                        first + R"("})");
  EXPECT_EQ(body["__type"], "ValidationException");  // a leading zero breaks the pattern
}

TEST_F(HandlerTest, IteratorTypeAndSequenceMustAgree) {
  create("s", 1);
  auto [status, body] = call("GetShardIterator", R"({"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"AT_SEQUENCE_NUMBER"})");
  EXPECT_EQ(body["__type"], "InvalidArgumentException");
  EXPECT_NE(body["message"].get<std::string>().find("Request specified AT_SEQUENCE_NUMBER and no StartingSequenceNumber."),
            std::string::npos);
  std::tie(status, body) = call("GetShardIterator", R"({"StreamName":"s","ShardId":"shardId-000000000009","ShardIteratorType":"LATEST"})");
  EXPECT_EQ(body["__type"], "ResourceNotFoundException");
  EXPECT_EQ(body["message"], "Shard shardId-000000000009 in stream s under account 000000000000 does not exist");
}

TEST_F(HandlerTest, ListStreamsPagesWithNextToken) {
  for (const char* name : {"a", "b", "c"}) create(name, 1);
  auto [status, body] = call("ListStreams", R"({"Limit":2})");
  ASSERT_EQ(status, 200);
  EXPECT_EQ(body["StreamNames"], json({"a", "b"}));
  EXPECT_EQ(body["HasMoreStreams"], true);
  EXPECT_EQ(body["StreamSummaries"][0]["StreamARN"], "arn:aws:kinesis:us-east-1:000000000000:stream/a");
  const std::string token = body["NextToken"];
  std::tie(status, body) = call("ListStreams", R"({"NextToken":")" + token + R"("})");
  EXPECT_EQ(body["StreamNames"], json({"c"}));
  EXPECT_EQ(body["HasMoreStreams"], false);
  std::tie(status, body) = call("ListStreams", R"({"ExclusiveStartStreamName":"a"})");
  EXPECT_EQ(body["StreamNames"], json({"b", "c"}));
}

TEST_F(HandlerTest, DescribeStreamPagesShardsAndAcceptsArn) {
  create("s", 3);
  auto [status, body] = call("DescribeStream", R"({"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/s","Limit":2})");
  ASSERT_EQ(status, 200) << body.dump();
  EXPECT_EQ(body["StreamDescription"]["Shards"].size(), 2u);
  EXPECT_EQ(body["StreamDescription"]["HasMoreShards"], true);
  EXPECT_EQ(body["StreamDescription"]["StreamStatus"], "ACTIVE");
  std::tie(status, body) = call("DescribeStream", R"({"StreamName":"s","ExclusiveStartShardId":"shardId-000000000001"})");
  ASSERT_EQ(body["StreamDescription"]["Shards"].size(), 1u);
  EXPECT_EQ(body["StreamDescription"]["Shards"][0]["ShardId"], "shardId-000000000002");
  std::tie(status, body) = call("DescribeStreamSummary", R"({"StreamARN":"arn:aws:kinesis:eu-west-1:000000000000:stream/s"})");
  EXPECT_EQ(body["__type"], "ResourceNotFoundException");

  std::tie(status, body) = call("ListShards", R"({"StreamName":"s","MaxResults":2})");
  ASSERT_EQ(body["Shards"].size(), 2u);
  const std::string token = body["NextToken"];
  std::tie(status, body) = call("ListShards", R"({"NextToken":")" + token + R"("})");
  ASSERT_EQ(body["Shards"].size(), 1u);
  EXPECT_EQ(body["Shards"][0]["ShardId"], "shardId-000000000002");
  std::tie(status, body) = call("ListShards", R"({"StreamName":"s","NextToken":")" + token + R"("})");
  EXPECT_EQ(body["__type"], "InvalidArgumentException");
}

TEST_F(HandlerTest, TagsThroughStreamAndResourceApis) {
  create("s", 1);
  auto [status, body] = call("AddTagsToStream", R"({"StreamName":"s","Tags":{"team":"data","env":"dev"}})");
  ASSERT_EQ(status, 200) << body.dump();
  std::tie(status, body) = call("TagResource", R"({"ResourceARN":"arn:aws:kinesis:us-east-1:000000000000:stream/s","Tags":{"cost":"1"}})");
  ASSERT_EQ(status, 200) << body.dump();
  std::tie(status, body) = call("ListTagsForStream", R"({"StreamName":"s","Limit":2})");
  EXPECT_EQ(body["Tags"].size(), 2u);
  EXPECT_EQ(body["Tags"][0]["Key"], "cost");
  EXPECT_EQ(body["HasMoreTags"], true);
  std::tie(status, body) = call("RemoveTagsFromStream", R"({"StreamName":"s","TagKeys":["env"]})");
  std::tie(status, body) = call("ListTagsForResource", R"({"ResourceARN":"arn:aws:kinesis:us-east-1:000000000000:stream/s"})");
  EXPECT_EQ(body["Tags"].size(), 2u);
  std::tie(status, body) = call("AddTagsToStream", R"({"StreamName":"s","Tags":{}})");
  EXPECT_EQ(body["__type"], "ValidationException");
}

TEST_F(HandlerTest, OnDemandStreamsGetDefaultCapacity) {
  auto [status, body] = call("CreateStream", R"({"StreamName":"od","StreamModeDetails":{"StreamMode":"ON_DEMAND"}})");
  ASSERT_EQ(status, 200) << body.dump();
  clock_.advance(std::chrono::milliseconds(1));
  std::tie(status, body) = call("DescribeStreamSummary", R"({"StreamName":"od"})");
  EXPECT_EQ(body["StreamDescriptionSummary"]["OpenShardCount"], 4);
  EXPECT_EQ(body["StreamDescriptionSummary"]["StreamModeDetails"]["StreamMode"], "ON_DEMAND");
  std::tie(status, body) = call("CreateStream", R"({"StreamName":"p"})");
  EXPECT_EQ(body["__type"], "InvalidArgumentException");
  std::tie(status, body) = call("DescribeLimits", "{}");
  EXPECT_EQ(body["OnDemandStreamCount"], 1);
  EXPECT_EQ(body["OpenShardCount"], 4);
}

}  // namespace
}  // namespace kwb::emulator
